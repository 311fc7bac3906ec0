"""MCP over streamable HTTP: one server for every user, each session bound to one account.

A client sends ``Authorization: Bearer <token>``: a session token (issued by
``attio_gateway.sdk.sessions.create_session_token``) or, when the gateway's server is the
MCP client's OAuth authorization server (``resource_url`` given, docs/mcp.md "Sign in from
an MCP client"), an access token it issued for exactly that resource. The token is
checked on every HTTP request, so a revoked or expired token stops working at once. The
SDK's session manager binds each MCP session to the principal that opened it — the
connected account — and answers a request for that session with any other account's
token as if the session did not exist; tool calls act as the account of the token on
the request itself.

Serving it from a host app (the gateway server): ``mount_mcp(app, gateway)`` adds the
route and runs the MCP session manager inside the host's lifespan, which it needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette
from starlette.routing import Route

from attio_gateway.config import Settings
from attio_gateway.errors import GatewayError
from attio_gateway.mcp_server.server import AccountBinding, build_server
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.mcp_authorization import mcp_authorization
from attio_gateway.sdk.sessions import verify_session_token

__all__ = [
    "SessionTokenVerifier",
    "create_http_app",
    "mount_mcp",
    "standalone_http_app",
    "token_account",
]

MCP_PATH = "/mcp"


class SessionTokenVerifier:
    """The SDK's ``TokenVerifier``: a gateway session token → its connected account; with
    ``resource_url``, also an MCP OAuth access token (its ``resource`` is checked by the
    SDK's bearer backend against ``resource_url``)."""

    def __init__(self, gateway: AsyncGateway, *, resource_url: str | None = None) -> None:
        self._gateway = gateway
        self._resource_url = resource_url

    async def verify_token(self, token: str) -> AccessToken | None:
        session = await verify_session_token(self._gateway, token)
        if session is None:
            if self._resource_url is None:
                return None
            # subject: the connected account the token acts as.
            return await mcp_authorization(self._gateway).load_access_token(token)
        # client_id, subject (and issuer) are what the SDK compares to bind a session to
        # its opener; subject is the connected account.
        return AccessToken(
            token=token,
            client_id=session.connected_account_id,
            subject=session.connected_account_id,
            scopes=[],
            expires_at=int(session.expires_at.timestamp()),
            resource=self._resource_url,
        )


async def token_account(ctx: ServerRequestContext[Any, Any]) -> AccountBinding:
    """The account of the session token that authenticated this HTTP request.

    Raises:
        GatewayError: the request did not come through the token check (never over /mcp).
    """
    request = ctx.request
    user = request.scope.get("user") if request is not None else None
    if not isinstance(user, AuthenticatedUser) or user.access_token.subject is None:
        raise GatewayError("This request carries no verified session token.")
    return AccountBinding(connected_account_id=user.access_token.subject)


def create_http_app(
    gateway: AsyncGateway,
    *,
    path: str = MCP_PATH,
    host: str = "127.0.0.1",
    read_only: bool = False,
    tools: list[str] | None = None,
    tool_search: bool = False,
    resource_url: str | None = None,
) -> Starlette:
    """The streamable HTTP app serving MCP at ``path`` for an open ``gateway``.

    ``host`` is the address the server listens on: for a loopback address the SDK turns
    on DNS-rebinding protection (only loopback Host/Origin headers are accepted).
    ``resource_url`` (the exact public URL of ``path``): MCP OAuth access tokens issued
    for it are accepted too, and a 401 names its protected resource metadata.
    """
    server = build_server(
        gateway,
        account_of=token_account,
        read_only=read_only,
        tools=tools,
        tool_search=tool_search,
    )
    if resource_url is None:
        # No OAuth server here: the gateway issues the tokens itself, so no metadata routes.
        auth = AuthSettings(issuer_url=gateway.settings.base_url, resource_server_url=None)
    else:
        auth = AuthSettings(
            issuer_url=gateway.settings.base_url,
            resource_server_url=resource_url,
            validate_token_resource=True,
        )
    return server.streamable_http_app(
        streamable_http_path=path,
        host=host,
        auth=auth,
        token_verifier=SessionTokenVerifier(gateway, resource_url=resource_url),
    )


def mount_mcp(
    app: Starlette,
    gateway: AsyncGateway,
    *,
    path: str = MCP_PATH,
    host: str = "127.0.0.1",
    read_only: bool = False,
    tools: list[str] | None = None,
    tool_search: bool = False,
    resource_url: str | None = None,
) -> None:
    """Serve MCP at ``path`` on ``app`` (FastAPI or Starlette), before its lifespan starts.

    Only ``path`` is routed to MCP, so the host's own 404s and error shapes stay its own.
    The gateway may still be closed here; the host's lifespan opens it.
    """
    mcp_app = create_http_app(
        gateway,
        path=path,
        host=host,
        read_only=read_only,
        tools=tools,
        tool_search=tool_search,
        resource_url=resource_url,
    )
    # An ASGI app as a Route endpoint keeps the path, so the MCP app's own route matches.
    app.router.routes.append(Route(path, endpoint=mcp_app))
    host_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(instance: Any) -> AsyncIterator[Any]:
        async with host_lifespan(instance) as state, mcp_app.router.lifespan_context(mcp_app):
            yield state

    app.router.lifespan_context = lifespan


def standalone_http_app(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    read_only: bool = False,
    tools: list[str] | None = None,
    tool_search: bool = False,
) -> Starlette:
    """``attio-gateway mcp --http``: opens the gateway and serves MCP at ``/mcp``."""
    gateway = AsyncGateway(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with gateway:
            yield

    app = Starlette(lifespan=lifespan)
    mount_mcp(app, gateway, host=host, read_only=read_only, tools=tools, tool_search=tool_search)
    return app
