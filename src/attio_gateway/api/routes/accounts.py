"""Connected accounts: authorization links, user verification, status, disconnect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from attio_gateway.api.access import (
    check_authorization_request,
    connection_of_account,
    connection_of_call,
)
from attio_gateway.api.deps import AccountsReader, AccountsWriter, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk import models

__all__ = ["router"]

router = APIRouter(
    prefix="/connected-accounts", tags=["connected accounts"], responses=ERROR_RESPONSES
)

Text = Annotated[str, Field(min_length=1, max_length=500)]
AccountId = Annotated[str, Path(min_length=1, max_length=100)]


class LinkRequest(BaseModel):
    identifier: Text = Field(description="Your id for the user (email, user id...).")
    connection_name: Text | None = None
    state: Annotated[str, Field(max_length=2000)] | None = None
    user_verify_url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None


class VerifyRequest(BaseModel):
    auth_request_id: Text
    identifier: Text


@router.post("/authorization-link", response_model=models.AuthorizationLink)
async def authorization_link(
    body: LinkRequest, gateway: GatewayDep, client: AccountsWriter
) -> models.AuthorizationLink:
    """A single-use link (10 minutes) for the user to authorize in Attio. Scope
    ``accounts:write``."""
    return await gateway.actions.get_authorization_link(
        identifier=body.identifier,
        connection_name=connection_of_call(client, body.connection_name),
        state=body.state,
        user_verify_url=body.user_verify_url,
    )


@router.post("/verify", response_model=models.VerifyUserResponse)
async def verify_user(
    body: VerifyRequest, gateway: GatewayDep, client: AccountsWriter
) -> models.VerifyUserResponse:
    """Confirm the user who authorized is the one your app meant (user verification).
    Scope ``accounts:write``."""
    await check_authorization_request(gateway, client, body.auth_request_id)
    return await gateway.actions.verify_connected_account_user(
        auth_request_id=body.auth_request_id, identifier=body.identifier
    )


@router.get("", response_model=models.ListConnectedAccountsResponse)
async def list_accounts(
    gateway: GatewayDep,
    client: AccountsReader,
    connection_name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    identifier: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
    page_token: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
) -> models.ListConnectedAccountsResponse:
    """Scope ``accounts:read``."""
    return await gateway.actions.list_connected_accounts(
        connection_name=connection_of_call(client, connection_name),
        identifier=identifier,
        page_size=page_size,
        page_token=page_token,
    )


@router.get("/{account_id}", response_model=models.ConnectedAccountResponse)
async def get_account(
    account_id: AccountId,
    gateway: GatewayDep,
    client: AccountsReader,
    include_tokens: bool = False,
) -> models.ConnectedAccountResponse:
    """The account (scope ``accounts:read``); its access token only with
    ``include_tokens=true``, which needs the scope ``accounts:tokens`` too."""
    await _check_account(gateway, client, account_id)
    if include_tokens:
        client.require_scope("accounts:tokens")
        return await gateway.actions.get_connected_account(connected_account_id=account_id)
    return await gateway.actions.get_connected_account_details(connected_account_id=account_id)


@router.post("/{account_id}/disconnect", response_model=models.ConnectedAccountResponse)
async def disconnect_account(
    account_id: AccountId, gateway: GatewayDep, client: AccountsWriter
) -> models.ConnectedAccountResponse:
    """Revoke the token and keep the account as ``DISCONNECTED`` until re-authorized.
    Scope ``accounts:write``."""
    await _check_account(gateway, client, account_id)
    return await gateway.actions.disconnect_connected_account(connected_account_id=account_id)


@router.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(
    account_id: AccountId, gateway: GatewayDep, client: AccountsWriter
) -> None:
    """Scope ``accounts:write``."""
    await _check_account(gateway, client, account_id)
    await gateway.actions.delete_connected_account(connected_account_id=account_id)


async def _check_account(gateway: GatewayDep, client: AccountsReader, account_id: str) -> None:
    await connection_of_account(
        gateway, client, connection_name=None, identifier=None, connected_account_id=account_id
    )
