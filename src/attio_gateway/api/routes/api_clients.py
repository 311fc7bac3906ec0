"""API clients: who may call this API, and what each may do (scope ``clients:admin``).

A client manages only itself and the clients below it (those it minted, those they minted,
...), and never gives more scopes or connections than it has."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from attio_gateway.api.deps import ClientsAdmin, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk import admin

__all__ = ["router"]

router = APIRouter(prefix="/api-clients", tags=["api clients"], responses=ERROR_RESPONSES)

ScopeName = Literal[
    "proxy",
    "tools:execute",
    "accounts:read",
    "accounts:write",
    "accounts:tokens",
    "connections:admin",
    "clients:admin",
]
ConnectionName = Annotated[str, Field(min_length=1, max_length=200)]
ClientId = Annotated[str, Path(max_length=100)]


class NewApiClient(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Who uses it, for people.")
    scopes: list[ScopeName] = Field(
        default_factory=lambda: list(admin.DEFAULT_SCOPES),  # type: ignore[arg-type]
        max_length=len(admin.ALL_SCOPES),
        description="What it may do; by default everything but accounts:tokens and "
        "clients:admin. Never more than the calling client has.",
    )
    connections: list[ConnectionName] | None = Field(
        default=None,
        max_length=admin.MAX_CONNECTION_NAMES,
        description="The connections it may act on; omitted: the calling client's (every "
        "connection if it is not restricted).",
    )


class ApiClientChanges(BaseModel):
    scopes: list[ScopeName] | None = Field(default=None, max_length=len(admin.ALL_SCOPES))
    connections: list[ConnectionName] | None = Field(
        default=None, max_length=admin.MAX_CONNECTION_NAMES
    )
    all_connections: bool = Field(
        default=False, description="Lift the restriction to named connections."
    )


class ApiClientList(BaseModel):
    api_clients: list[admin.ApiClient]


@router.get("", response_model=ApiClientList)
async def list_clients(gateway: GatewayDep, client: ClientsAdmin) -> ApiClientList:
    """This client and the clients below it."""
    return ApiClientList(api_clients=await admin.list_api_clients(gateway, by=client))


@router.post("", response_model=admin.ApiClientCredentials, status_code=status.HTTP_201_CREATED)
async def create_client(
    body: NewApiClient, gateway: GatewayDep, client: ClientsAdmin
) -> admin.ApiClientCredentials:
    """The secret is in this answer only; it is stored hashed. The new client is below
    this one: revoking this one revokes it."""
    return await admin.create_api_client(
        gateway, name=body.name, scopes=body.scopes, connections=body.connections, by=client
    )


@router.patch("/{client_id}", response_model=admin.ApiClient)
async def update_client(
    client_id: ClientId, body: ApiClientChanges, gateway: GatewayDep, client: ClientsAdmin
) -> admin.ApiClient:
    """Change the scopes or connections of a client below this one (clients below that
    one lose what it no longer has)."""
    return await admin.update_api_client(
        gateway,
        client_id,
        scopes=body.scopes,
        connections=body.connections,
        all_connections=body.all_connections,
        by=client,
    )


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_client(client_id: ClientId, gateway: GatewayDep, client: ClientsAdmin) -> None:
    """Revoke this client or one below it, and every client below that one."""
    await admin.revoke_api_client(gateway, client_id, by=client)
