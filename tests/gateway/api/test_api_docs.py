"""``/api/docs`` works offline: Swagger UI's script and stylesheet come from this server."""

from __future__ import annotations

import re

from tests.gateway.api.conftest import Server


async def test_api_docs_load_nothing_from_another_host(server: Server) -> None:
    page = await server.anonymous.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(source.startswith("/api/docs/assets/") for source in sources), sources
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert "'/api/v1/openapi.json'" in page.text or '"/api/v1/openapi.json"' in page.text
    for source in sources:
        asset = await server.anonymous.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000, source
    script = await server.anonymous.get("/api/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]
    # Swagger UI 5: it renders OpenAPI 3.1, which FastAPI describes.
    schema = (await server.anonymous.get("/api/v1/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    assert re.search(rb'"5\.\d+\.\d+"', script.content)
