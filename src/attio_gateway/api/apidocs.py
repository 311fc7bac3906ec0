"""``/api/docs``: Swagger UI for the JSON API, served from this server, never a CDN.

FastAPI's own docs page loads Swagger UI's script and stylesheet from a CDN, so it is
blank offline and behind strict egress. The assets here come from the ``swagger-ui-py``
package (Swagger UI 5, which renders the OpenAPI 3.1 FastAPI describes); only its static
files are used, mounted under ``/api/docs/assets``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_api_docs"]

#: Swagger UI's files as the ``swagger-ui-py`` wheel installs them.
ASSETS = Path(str(files("swagger_ui") / "static"))


def install_api_docs(app: FastAPI, *, openapi_url: str, path: str = "/api/docs") -> None:
    """The docs page at ``path`` and its assets under ``path/assets``."""
    assets = f"{path}/assets"
    app.mount(assets, StaticFiles(directory=ASSETS), name="api-docs-assets")

    @app.get(path, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title="attio-gateway API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )
