"""``scalekit.actions.types``: what ``client.actions`` returns: the SDK's fields, ``to_dict()``.

Pydantic models like the SDK's. Timestamps are timezone-aware UTC datetimes (the SDK's are
naive UTC). The SDK builds these ``from_proto``; here the client builds them from the
gateway's own models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ConnectedAccount",
    "ConnectedAccountForList",
    "CreateConnectedAccountResponse",
    "DeleteConnectedAccountResponse",
    "ExecuteToolResponse",
    "GetConnectedAccountAuthResponse",
    "GetConnectedAccountDetailsResponse",
    "ListConnectedAccountsResponse",
    "ListToolsResponse",
    "MagicLinkResponse",
    "Tool",
    "ToolInput",
    "ToolOutput",
    "UpdateConnectedAccountResponse",
    "VerifyConnectedAccountUserResponse",
]

ToolInput = dict[str, Any]
ToolOutput = dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class _Response(BaseModel):
    model_config = ConfigDict(validate_assignment=True, populate_by_name=True)


class MagicLinkResponse(_Response):
    """``get_authorization_link``: the link to send the user, and when it expires."""

    link: str | None = None
    expiry: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"link": self.link, "expiry": _iso(self.expiry)}


class VerifyConnectedAccountUserResponse(_Response):
    """``verify_connected_account_user``: where to send the user next."""

    post_user_verify_redirect_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"post_user_verify_redirect_url": self.post_user_verify_redirect_url}


class ConnectedAccount(_Response):
    """A connected account (``authorization_details`` only from ``get_connected_account``)."""

    id: str | None = None
    identifier: str | None = None
    provider: str | None = None
    status: str | None = None
    authorization_type: str | None = None
    authorization_details: dict[str, Any] | None = None
    token_expires_at: datetime | None = None
    updated_at: datetime | None = None
    connector: str | None = None
    last_used_at: datetime | None = None
    api_config: dict[str, Any] | None = None


class _AccountResponse(_Response):
    connected_account: ConnectedAccount | None = None

    def to_dict(self) -> dict[str, Any]:
        account = self.connected_account
        return {"connected_account": account.model_dump() if account else None}


class GetConnectedAccountAuthResponse(_AccountResponse):
    """``get_connected_account``: the account with its tokens."""


class GetConnectedAccountDetailsResponse(_AccountResponse):
    """``get_connected_account_details``: the account without its tokens."""


class CreateConnectedAccountResponse(_AccountResponse):
    """``create_connected_account`` and ``get_or_create_connected_account``."""


class UpdateConnectedAccountResponse(_Response):
    """``update_connected_account`` (no ``to_dict``, as in the SDK)."""

    connected_account: ConnectedAccount | None = None


class DeleteConnectedAccountResponse(_Response):
    """``delete_connected_account``: nothing to say."""

    def to_dict(self) -> dict[str, Any]:
        return {}


class ConnectedAccountForList(_Response):
    """One account of ``list_connected_accounts`` (no tokens).

    ``id`` is this gateway's addition: the SDK's list item has no id.
    """

    id: str | None = None
    identifier: str | None = None
    provider: str | None = None
    status: str | None = None
    authorization_type: str | None = None
    token_expires_at: datetime | None = None
    updated_at: datetime | None = None
    connector: str | None = None
    last_used_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "provider": self.provider,
            "status": self.status,
            "authorization_type": self.authorization_type,
            "token_expires_at": _iso(self.token_expires_at),
            "updated_at": _iso(self.updated_at),
            "connector": self.connector,
            "last_used_at": _iso(self.last_used_at),
            "id": self.id,
        }


class ListConnectedAccountsResponse(_Response):
    """``list_connected_accounts``: a page of accounts and the tokens around it."""

    connected_accounts: list[ConnectedAccountForList] = Field(default_factory=list)
    total_count: int | None = Field(None, alias="total_size")
    next_page_token: str | None = None
    previous_page_token: str | None = Field(None, alias="prev_page_token")

    def to_dict(self) -> dict[str, Any]:
        return {
            "connected_accounts": [account.to_dict() for account in self.connected_accounts],
            "total_count": self.total_count,
            "next_page_token": self.next_page_token,
            "previous_page_token": self.previous_page_token,
        }


class Tool(_Response):
    """One tool of ``list_tools``: its definition (name, description, input schema).

    ``metadata`` carries whether the named account may use it (``usable``,
    ``missing_scopes``), when ``list_tools`` was given one.
    """

    id: str | None = None
    provider: str | None = None
    definition: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    is_default: bool | None = None
    updated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "definition": self.definition,
            "metadata": self.metadata,
            "tags": self.tags,
            "is_default": self.is_default,
            "updated_at": _iso(self.updated_at),
        }


class ListToolsResponse(_Response):
    """``list_tools``: a page of tools, their names, and the tokens around it."""

    tools: list[Tool] = Field(default_factory=list)
    tool_names: list[str] = Field(default_factory=list)
    total_count: int | None = Field(None, alias="total_size")
    next_page_token: str | None = None
    previous_page_token: str | None = Field(None, alias="prev_page_token")

    def to_dict(self) -> dict[str, Any]:
        return {
            "tools": [tool.to_dict() for tool in self.tools],
            "tool_names": self.tool_names,
            "total_count": self.total_count,
            "next_page_token": self.next_page_token,
            "previous_page_token": self.previous_page_token,
        }


class ExecuteToolResponse(_Response):
    """``execute_tool``: the tool's output (a JSON object, or a list for some read tools)
    and the execution's id."""

    data: Any = None
    execution_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "execution_id": self.execution_id}
