"""The OAuth callback Attio redirects end users to, with friendly pages for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attio_gateway.api.deps import GatewayDep
from attio_gateway.errors import GatewayError
from attio_gateway.sdk.mcp_authorization import mcp_authorization

__all__ = ["router"]

router = APIRouter(tags=["oauth callback"])


_PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}


@router.get(
    "/sso/v1/oauth/{connection_id}/callback",
    response_class=HTMLResponse,
    responses={
        302: {"description": "On to the app's user verification page"},
        400: {"description": "Failure page: bad, reused or denied authorization", **_PAGE},
        401: {"description": "Failure page: the provider refused the credentials", **_PAGE},
        403: {"description": "Failure page", **_PAGE},
        404: {"description": "Failure page: unknown connection", **_PAGE},
        409: {"description": "Failure page", **_PAGE},
        502: {"description": "Failure page: the provider could not be reached", **_PAGE},
    },
)
async def oauth_callback(
    connection_id: Annotated[str, Path(max_length=100)], request: Request, gateway: GatewayDep
) -> Response:
    """Check the state, exchange the code, and show the user how it went."""
    templates = request.app.state.templates
    try:
        result = await gateway.handle_callback(connection_id, dict(request.query_params))
    except GatewayError as exc:
        # An MCP client's sign-in goes back to the client with the error instead.
        back = await mcp_authorization(gateway).sign_in_failed(
            request.query_params.get("state", ""), getattr(exc, "error", "")
        )
        if back is not None:
            return RedirectResponse(back, status_code=302)
        failure: Response = templates.TemplateResponse(
            request,
            "callback_failure.html",
            {"failure": exc},
            status_code=exc.http_status if exc.http_status < 500 else 502,
        )
        return failure
    if result.redirect_url:
        return RedirectResponse(result.redirect_url, status_code=302)
    success: Response = templates.TemplateResponse(
        request, "callback_success.html", {"result": result}
    )
    return success
