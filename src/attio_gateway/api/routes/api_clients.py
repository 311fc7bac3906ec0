"""API clients: who may call this API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from attio_gateway.api.deps import ApiClientDep, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk import admin

router = APIRouter(prefix="/api-clients", tags=["api clients"], responses=ERROR_RESPONSES)


class NewApiClient(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Who uses it, for people.")


class ApiClientList(BaseModel):
    api_clients: list[admin.ApiClient]


@router.get("", response_model=ApiClientList)
async def list_clients(gateway: GatewayDep, _: ApiClientDep) -> ApiClientList:
    return ApiClientList(api_clients=await admin.list_api_clients(gateway))


@router.post("", response_model=admin.ApiClientCredentials, status_code=status.HTTP_201_CREATED)
async def create_client(
    body: NewApiClient, gateway: GatewayDep, _: ApiClientDep
) -> admin.ApiClientCredentials:
    """The secret is in this answer only; it is stored hashed."""
    return await admin.create_api_client(gateway, name=body.name)


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_client(
    client_id: Annotated[str, Path(max_length=100)], gateway: GatewayDep, _: ApiClientDep
) -> None:
    await admin.revoke_api_client(gateway, client_id)
