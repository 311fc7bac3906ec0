"""Connections: the Attio OAuth apps this gateway authorizes users with."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field, SecretStr

from attio_gateway.api.deps import ApiClientDep, ConnectionsAdmin, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.errors import InsufficientScopeError
from attio_gateway.sdk.admin import ApiClient
from attio_gateway.sdk.models import Connection

__all__ = ["router"]

router = APIRouter(prefix="/connections", tags=["connections"], responses=ERROR_RESPONSES)

Name = Annotated[str, Path(min_length=1, max_length=200)]
Scope = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z_]+:[a-z-]+$")]
Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]


class NewConnection(BaseModel):
    name: str = Field(default="attio", min_length=1, max_length=200, pattern=r"\S")
    provider: Literal["attio"] = "attio"
    client_id: str = Field(min_length=1, max_length=500, pattern=r"\S")
    client_secret: SecretStr = Field(min_length=1, max_length=500)
    scopes: list[Scope] = Field(default_factory=list, max_length=100)
    authorize_url: Url | None = None
    token_url: Url | None = None
    api_base_url: Url | None = None
    validate_credentials: bool = Field(
        default=True, description="Check the client id and secret at the token endpoint."
    )


class ConnectionChanges(BaseModel):
    client_id: str | None = Field(default=None, min_length=1, max_length=500, pattern=r"\S")
    client_secret: SecretStr | None = Field(default=None, min_length=1, max_length=500)
    scopes: list[Scope] | None = Field(default=None, max_length=100)
    validate_credentials: bool = True


class ConnectionList(BaseModel):
    connections: list[Connection]


def _may_read(client: ApiClient) -> None:
    if not (client.has_scope("accounts:read") or client.has_scope("connections:admin")):
        raise InsufficientScopeError(
            "Reading connections needs the scope 'accounts:read' or 'connections:admin'; "
            f"this API client has: {', '.join(client.scopes) or 'none'}.",
            required_scope="accounts:read",
        )


@router.get("", response_model=ConnectionList)
async def list_connections(gateway: GatewayDep, client: ApiClientDep) -> ConnectionList:
    """Scope ``accounts:read`` or ``connections:admin``; only the connections the client
    may use."""
    _may_read(client)
    connections = await gateway.list_connections()
    return ConnectionList(connections=[c for c in connections if client.may_use_connection(c.name)])


@router.post("", response_model=Connection, status_code=status.HTTP_201_CREATED)
async def create_connection(
    body: NewConnection, gateway: GatewayDep, client: ConnectionsAdmin
) -> Connection:
    """Save the connection; with ``validate_credentials`` its status says whether the
    client id and secret work (``ACTIVE`` or ``INVALID_CREDENTIALS`` with the reason).
    Scope ``connections:admin`` (and, for a restricted client, a name it may use)."""
    client.require_connection(body.name)
    return await gateway.create_connection(
        name=body.name,
        provider=body.provider,
        client_id=body.client_id,
        client_secret=body.client_secret,
        scopes=body.scopes,
        authorize_url=body.authorize_url,
        token_url=body.token_url,
        api_base_url=body.api_base_url,
        validate=body.validate_credentials,
    )


@router.get("/{name}", response_model=Connection)
async def get_connection(name: Name, gateway: GatewayDep, client: ApiClientDep) -> Connection:
    """Scope ``accounts:read`` or ``connections:admin``."""
    _may_read(client)
    client.require_connection(name)
    return await gateway.get_connection(name)


@router.patch("/{name}", response_model=Connection)
async def update_connection(
    name: Name, body: ConnectionChanges, gateway: GatewayDep, client: ConnectionsAdmin
) -> Connection:
    """Scope ``connections:admin``."""
    client.require_connection(name)
    return await gateway.update_connection(
        name,
        client_id=body.client_id,
        client_secret=body.client_secret,
        scopes=body.scopes,
        validate=body.validate_credentials,
    )


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_connection(name: Name, gateway: GatewayDep, client: ConnectionsAdmin) -> None:
    """Scope ``connections:admin``."""
    client.require_connection(name)
    await gateway.delete_connection(name)
