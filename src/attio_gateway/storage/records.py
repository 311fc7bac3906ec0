"""What storage hands back: frozen dataclasses, never ORM rows bound to a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "AccountRow",
    "ApiClientRow",
    "AuditEventRow",
    "AuthorizationRequestRow",
    "ConnectionRow",
    "CredentialRow",
    "DashboardSessionRow",
    "IdempotencyRow",
    "SessionTokenRow",
]


@dataclass(frozen=True)
class ConnectionRow:
    id: str
    name: str
    provider: str
    client_id: str
    client_secret_sealed: str = field(repr=False)
    scopes: list[str]
    authorize_url: str
    token_url: str
    api_base_url: str
    status: str
    status_detail: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AccountRow:
    id: str
    connection_id: str
    identifier: str
    status: str
    granted_scopes: list[str]
    workspace_id: str | None
    workspace_name: str | None
    workspace_slug: str | None
    authorized_by_member_id: str | None
    token_expires_at: datetime | None
    api_config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class AuthorizationRequestRow:
    state: str
    connection_id: str
    account_id: str
    identifier: str
    code_verifier_sealed: str | None = field(repr=False)
    user_verify_url: str | None
    redirect_after: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    pending_token_sealed: str | None = field(default=None, repr=False)
    pending_grant: dict[str, Any] | None = None
    verified_at: datetime | None = None


@dataclass(frozen=True)
class CredentialRow:
    account_id: str
    access_token_sealed: str = field(repr=False)
    refresh_token_sealed: str | None = field(repr=False)
    expires_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class AuditEventRow:
    event_id: str
    at: datetime
    kind: str
    outcome: str
    connection_name: str | None = None
    identifier: str | None = None
    tool_name: str | None = None
    method: str | None = None
    path: str | None = None
    http_status: int | None = None
    duration_ms: int | None = None
    error_code: str | None = None
    request_id: str | None = None
    api_client_id: str | None = None
    agent_run_id: str | None = None
    error_tier: str | None = None
    policy_effect: str | None = None
    policy_rule_id: str | None = None


@dataclass(frozen=True)
class ApiClientRow:
    client_id: str
    name: str
    secret_hash: str = field(repr=False)
    created_at: datetime
    revoked_at: datetime | None
    scopes: list[str] = field(default_factory=list)
    connections: list[str] | None = None
    parent_client_id: str | None = None


@dataclass(frozen=True)
class DashboardSessionRow:
    session_hash: str = field(repr=False)
    username: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SessionTokenRow:
    token_hash: str = field(repr=False)
    account_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IdempotencyRow:
    """One idempotency key of one account (``state``: in_flight, done or unknown)."""

    account_id: str
    key: str
    fingerprint: str
    request: dict[str, Any]
    state: str
    owner: str
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
