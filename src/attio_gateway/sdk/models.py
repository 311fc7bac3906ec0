"""What the SDK returns: the hosted service's shapes, as pydantic models (attribute access)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict

from attio_gateway.oauth.states import AccountStatus, ConnectionStatus

__all__ = [
    "AccountStatus",
    "AuditEvent",
    "AuthorizationLink",
    "CallbackResult",
    "ConnectedAccount",
    "ConnectedAccountResponse",
    "Connection",
    "ConnectionStatus",
    "ExecuteToolResponse",
    "ListConnectedAccountsResponse",
    "ToolEntry",
    "ToolListing",
    "ToolSearchHit",
    "ToolSearchResult",
    "VerifyUserResponse",
    "Workspace",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)

    def __getitem__(self, key: str) -> Any:
        """Dict-style reads too: ``link_response["link"]`` as well as ``.link``."""
        return getattr(self, key)


class Connection(_Model):
    id: str
    name: str
    provider: str
    client_id: str
    scopes: list[str]
    redirect_uri: str
    authorize_url: str
    token_url: str
    api_base_url: str
    status: ConnectionStatus
    status_detail: str | None
    created_at: datetime
    updated_at: datetime


class Workspace(_Model):
    id: str | None
    name: str | None
    slug: str | None


class ConnectedAccount(_Model):
    id: str
    identifier: str
    provider: str
    connector: str
    status: AccountStatus
    authorization_type: str = "OAUTH"
    #: ``{"oauth_token": {...}}`` — tokens only from ``get_connected_account``.
    authorization_details: dict[str, Any]
    granted_scopes: list[str]
    expected_scopes: list[str]
    workspace: Workspace
    authorized_by_member_id: str | None
    token_expires_at: datetime | None
    api_config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None


class AuthorizationLink(_Model):
    link: str
    expiry: datetime


class ConnectedAccountResponse(_Model):
    connected_account: ConnectedAccount


class ListConnectedAccountsResponse(_Model):
    connected_accounts: list[ConnectedAccount]
    next_page_token: str | None
    total_size: int


class VerifyUserResponse(_Model):
    post_user_verify_redirect_url: str | None


class CallbackResult(_Model):
    """What the OAuth callback did, for the page or redirect shown to the end user."""

    connection_name: str
    identifier: str
    status: AccountStatus
    #: Where to send the user next (the app's verification page), if anywhere.
    redirect_url: str | None
    workspace_name: str | None


class ExecuteToolResponse(_Model):
    data: Any
    execution_id: str


class AuditEvent(_Model):
    event_id: str
    at: datetime
    kind: str
    outcome: str
    connection_name: str | None
    identifier: str | None
    tool_name: str | None
    method: str | None
    path: str | None
    http_status: int | None
    duration_ms: int | None
    error_code: str | None
    request_id: str | None
    #: ``gateway``, ``attio`` or ``policy`` when the call failed (docs/operations.md).
    error_tier: str | None = None
    #: The caller's agent run id, when it gave one.
    agent_run_id: str | None = None
    #: The policy decision (``allow``, ``deny``, ``ask``) and the deciding rule's id, when
    #: policies are in use (docs/permissions.md).
    policy_effect: str | None = None
    policy_rule_id: str | None = None


class ToolEntry(TypedDict):
    """One tool of ``list_tools``: its definition, and whether the account may use it."""

    #: The tool's definition: name, description, input schema (JSON Schema), annotations.
    definition: dict[str, Any]
    usable: bool
    missing_scopes: list[str]


class ToolListing(TypedDict):
    """What ``list_tools`` returns: a page of tools (the hosted service's shape)."""

    tools: list[ToolEntry]
    next_page_token: str | None
    total_size: int


class ToolSearchHit(TypedDict):
    """One tool found by ``search_tools``, and whether the user can call it now."""

    name: str
    description: str
    #: ``ready``, ``needs_connection`` or ``needs_scopes``; ``None`` when no user was named.
    status: str | None
    #: The scopes the user's grant lacks for this tool (with ``needs_scopes``).
    missing_scopes: list[str]


class ToolSearchResult(TypedDict):
    """What ``search_tools`` returns: the best tools for a task, best first."""

    query: str
    tools: list[ToolSearchHit]
