"""``Annotated`` dependencies: the gateway of this app, the authenticated API client, and
the API client checked for one scope (``Scoped("proxy")``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from attio_gateway.api.metrics import Metrics
from attio_gateway.errors import AuthenticationError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ApiClient, verify_access_token

__all__ = [
    "AccountsReader",
    "AccountsWriter",
    "ApiClientDep",
    "ClientsAdmin",
    "ConnectionsAdmin",
    "GatewayDep",
    "MetricsDep",
    "ProxyClient",
    "Scoped",
    "ToolsClient",
    "get_api_client",
    "get_gateway",
    "get_metrics",
]

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/oauth/token")


# Async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, a thread
# hop per request for a dictionary lookup.
async def get_gateway(request: Request) -> AsyncGateway:
    gateway: AsyncGateway = request.app.state.gateway
    return gateway


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


GatewayDep = Annotated[AsyncGateway, Depends(get_gateway)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _authenticated(request: Request, credentials: Bearer) -> ApiClient:
    if credentials is None:
        raise AuthenticationError(
            "Authorization: Bearer <token> is required; get one at POST /api/v1/oauth/token."
        )
    client = await verify_access_token(request.app.state.gateway, credentials.credentials)
    request.state.api_client_id = client.client_id
    return client


# One level each, over the bearer scheme alone (the gateway is read from the app's state,
# not through ``GatewayDep``): FastAPI walks a route's whole dependency tree on every
# request, and on the proxy route that walk cost more than the token check.
async def get_api_client(request: Request, credentials: Bearer) -> ApiClient:
    return await _authenticated(request, credentials)


ApiClientDep = Annotated[ApiClient, Depends(get_api_client)]


def Scoped(scope: str) -> Any:
    """``Annotated[ApiClient, Scoped("proxy")]``: the API client, which must have ``scope``
    (else 403 ``insufficient_scope`` naming it)."""

    async def dependency(request: Request, credentials: Bearer) -> ApiClient:
        client = await _authenticated(request, credentials)
        client.require_scope(scope)
        return client

    return Depends(dependency)


ProxyClient = Annotated[ApiClient, Scoped("proxy")]
ToolsClient = Annotated[ApiClient, Scoped("tools:execute")]
AccountsReader = Annotated[ApiClient, Scoped("accounts:read")]
AccountsWriter = Annotated[ApiClient, Scoped("accounts:write")]
ConnectionsAdmin = Annotated[ApiClient, Scoped("connections:admin")]
ClientsAdmin = Annotated[ApiClient, Scoped("clients:admin")]
