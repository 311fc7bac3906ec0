"""``create_app(settings)``: the gateway's server as one FastAPI app.

The lifespan opens the embedded gateway (database + migrations, vault, HTTP client) and
creates the dashboard's local admin on first run; everything else is routes on top.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attio_gateway.api.apidocs import install_api_docs
from attio_gateway.api.errors import install_error_handlers
from attio_gateway.api.limits import BodySizeLimit
from attio_gateway.api.metrics import Metrics
from attio_gateway.api.routes import (
    accounts,
    api_clients,
    audit,
    auth,
    callback,
    connections,
    logs,
    proxy,
    scalekit,
    tools,
    triggers,
)
from attio_gateway.api.routes.mcp_auth import install_mcp_authorization
from attio_gateway.config import Settings
from attio_gateway.mcp_server import mount_mcp
from attio_gateway.sdk import AccountStatus, AsyncGateway, logcontext
from attio_gateway.sdk.mcp_authorization import mcp_resource_url
from attio_gateway.sdk.operators import ensure_operator
from attio_gateway.sdk.sandbox import Sandbox
from attio_gateway.sdk.signing import server_key

logger = logging.getLogger("attio_gateway.server")

DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "dashboard"


class Health(BaseModel):
    status: str
    connections: int


def create_app(
    settings: Settings, *, http: httpx.AsyncClient | None = None, mcp: bool = False
) -> FastAPI:
    """The server for ``settings``. ``http`` is the outbound client (tests pass one wired to
    the in-process emulator). ``mcp`` also serves MCP at ``/mcp`` (``attio-gateway serve``
    does); its session manager runs in the app's lifespan, so the app must be entered and
    left in one task, as a server does."""
    gateway = AsyncGateway(settings, http=http)
    sandbox = Sandbox()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await gateway.open()
        # Metric labels only take known tool names, so junk input cannot grow the series.
        listing = await gateway.actions.list_tools(page_size=500)
        app.state.metrics.known_tools = {t["definition"]["name"] for t in listing["tools"]}
        # Read the signing key now (creating it on a fresh database), not in the first
        # request; every later request uses the copy kept in memory.
        await server_key(gateway)
        password = await ensure_operator(gateway)
        if password is not None:
            # Shown once, like the product document's generated credentials.
            print(
                f"attio-gateway: created the dashboard admin — user 'admin', password "
                f"{password!r} (change it with `attio-gateway admin create`)",
                flush=True,
            )
        try:
            yield
        finally:
            sandbox.close()
            await gateway.close()

    app = FastAPI(
        title="attio-gateway",
        version="1",
        summary="Agent auth gateway for the Attio CRM: connections, connected accounts, "
        "tools, proxy and audit.",
        lifespan=lifespan,
        docs_url=None,  # served from a package, not a CDN: api/apidocs.py
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    install_api_docs(app, openapi_url="/api/v1/openapi.json")
    app.state.gateway = gateway
    app.state.settings = settings
    app.state.metrics = Metrics()
    # Every call counted once, on whichever path it came (API, /mcp, dashboard).
    gateway.call_observers.append(app.state.metrics.observe_call)
    app.state.sandbox = sandbox
    app.state.templates = Jinja2Templates(directory=DASHBOARD_DIR / "templates")
    install_error_handlers(app)
    # Added first, so it runs inside the request-id middleware (its 413 carries the id).
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    _install_request_middleware(app)

    # Each module's routes straight into the app (not through one /api/v1 router): this
    # FastAPI matches a nested router's routes through a wrapper per level, and the proxy
    # and tool routes, the busiest, come first.
    for module in (proxy, tools, auth, connections, accounts, audit, api_clients):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(callback.router)
    # MCP authorization: the gateway as the OAuth server of its /mcp (docs/mcp.md)
    mcp_oauth = mcp and install_mcp_authorization(app, gateway)

    # Toolsets, policies, budgets, approvals (docs/permissions.md)
    from attio_gateway.api.routes import permissions

    app.include_router(permissions.router, prefix="/api/v1")

    # Triggers: subscriptions and Attio's inbound deliveries (docs/triggers.md)
    app.include_router(triggers.router, prefix="/api/v1")
    app.include_router(triggers.inbound_router)
    from attio_gateway.dashboard.triggers import router as dashboard_triggers

    app.include_router(dashboard_triggers)

    # The Scalekit SDKs' REST routes (docs/migrating-from-scalekit.md)
    app.include_router(scalekit.router)  # POST /oauth/token, /proxy/{path}: api/routes/scalekit.py

    # Call logs (docs/operations.md)
    app.include_router(logs.router, prefix="/api/v1")

    if mcp:
        # MCP over streamable HTTP for every user at /mcp, each session bound to one
        # connected account by its session token (`attio-gateway mcp token --identifier ID`).
        # With MCP authorization, MCP clients also sign in themselves (docs/mcp.md).
        resource = mcp_resource_url(gateway) if mcp_oauth else None
        mount_mcp(app, gateway, path="/mcp", resource_url=resource)

    from attio_gateway.dashboard.routes import install_dashboard

    install_dashboard(app)
    app.mount("/static", StaticFiles(directory=DASHBOARD_DIR / "static"), name="static")

    @app.get("/healthz", response_model=Health, tags=["operations"])
    async def healthz() -> Health:
        """Up, and the database answers."""
        return Health(status="ok", connections=len(await gateway.list_connections()))

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus text format."""
        registry_metrics: Metrics = app.state.metrics
        counts = dict.fromkeys(AccountStatus, 0)
        page_token: str | None = None
        while True:
            page = await gateway.actions.list_connected_accounts(
                page_size=500, page_token=page_token
            )
            for account in page.connected_accounts:
                counts[account.status] += 1
            page_token = page.next_page_token
            if page_token is None:
                break
        for status, count in counts.items():
            registry_metrics.accounts.labels(status=status.value).set(count)
        return Response(generate_latest(registry_metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _install_request_middleware(app: FastAPI) -> None:
    """Give every request an id (the caller's ``X-Request-ID`` or a new one) and count it.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs the app in a
    separate task and wraps the response in a stream, which cost about as much as the
    proxied call itself."""
    metrics: Metrics = app.state.metrics

    class RequestIdAndMetrics:
        def __init__(self, inner: ASGIApp) -> None:
            self.inner = inner

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.inner(scope, receive, send)
                return
            given = Headers(scope=scope).get("x-request-id", "")[:100]
            request_id = given or secrets.token_hex(8)
            scope.setdefault("state", {})["request_id"] = request_id
            context = logcontext.REQUEST_ID.set(request_id)  # on this request's log lines
            status = 500

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    MutableHeaders(scope=message)["X-Request-ID"] = request_id
                await send(message)

            try:
                await self.inner(scope, receive, send_with_id)
            finally:
                metrics.requests.labels(
                    method=scope["method"],
                    route=_route_template(Request(scope)),
                    status=str(status),
                ).inc()
                logcontext.REQUEST_ID.reset(context)

    app.add_middleware(RequestIdAndMetrics)


def _route_template(request: Request) -> str:
    """``/api/v1/connections/{name}`` for ``/api/v1/connections/crm``: bounded label values.

    (Nested routers only know their own part of the path, so the template is rebuilt from
    the full path and the matched parameters.)"""
    if request.scope.get("route") is None:
        return "unmatched"
    template = request.url.path
    for name, value in request.path_params.items():
        template = template.replace(f"/{value}", f"/{{{name}}}", 1)
    return template
