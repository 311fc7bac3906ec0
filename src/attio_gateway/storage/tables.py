"""The gateway's tables (SQLAlchemy 2 Core). One history of migrations builds them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "UTCDateTime",
    "account_secrets",
    "api_clients",
    "approvals",
    "audit_events",
    "authorization_requests",
    "budgets",
    "connected_accounts",
    "connections",
    "credentials",
    "dashboard_sessions",
    "idempotency_keys",
    "metadata",
    "operators",
    "permission_settings",
    "policy_rules",
    "server_secrets",
    "session_tokens",
    "toolsets",
    "trigger_deliveries",
    "trigger_events",
    "trigger_subscriptions",
    "trigger_webhooks",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

connections = Table(
    "connections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("provider", String(50), nullable=False),
    Column("client_id", String(500), nullable=False),
    Column("client_secret_sealed", Text, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("authorize_url", String(1000), nullable=False),
    Column("token_url", String(1000), nullable=False),
    Column("api_base_url", String(1000), nullable=False),
    Column("status", String(30), nullable=False),
    Column("status_detail", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

connected_accounts = Table(
    "connected_accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "connection_id",
        String(36),
        ForeignKey("connections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("identifier", String(500), nullable=False),
    Column("status", String(30), nullable=False),
    Column("granted_scopes", JSON, nullable=False),
    Column("workspace_id", String(64), nullable=True),
    Column("workspace_name", String(500), nullable=True),
    Column("workspace_slug", String(500), nullable=True),
    Column("authorized_by_member_id", String(64), nullable=True),
    Column("token_expires_at", UTCDateTime, nullable=True),
    Column("api_config", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    UniqueConstraint("connection_id", "identifier", name="uq_connected_accounts_identifier"),
    Index("ix_connected_accounts_identifier", "identifier"),
    # Keyset pages of list_connected_accounts, with and without a connection (0010).
    Index("ix_connected_accounts_created", "created_at", "id"),
    Index("ix_connected_accounts_connection_created", "connection_id", "created_at", "id"),
)

authorization_requests = Table(
    "authorization_requests",
    metadata,
    Column("state", String(128), primary_key=True),
    Column(
        "connection_id",
        String(36),
        ForeignKey("connections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", String(36), nullable=False),
    Column("identifier", String(500), nullable=False),
    Column("code_verifier_sealed", Text, nullable=True),
    Column("user_verify_url", String(2000), nullable=True),
    Column("redirect_after", String(2000), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    # Set by the callback when user verification is pending: the grant waits here, sealed,
    # until the app confirms the user, so a forwarded link can't replace a working token.
    Column("pending_token_sealed", Text, nullable=True),
    Column("pending_grant", JSON, nullable=True, info={"sealed_keys": ("refresh_token_sealed",)}),
    Column("verified_at", UTCDateTime, nullable=True),
    Index("ix_authorization_requests_expires_at", "expires_at"),
)

credentials = Table(
    "credentials",
    metadata,
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("access_token_sealed", Text, nullable=False),
    Column("refresh_token_sealed", Text, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("connection_name", String(200), nullable=True),
    Column("identifier", String(500), nullable=True),
    Column("tool_name", String(200), nullable=True),
    Column("method", String(10), nullable=True),
    Column("path", String(2000), nullable=True),
    Column("outcome", String(30), nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=True),
    Column("error_code", String(100), nullable=True),
    Column("request_id", String(200), nullable=True),
    Column("api_client_id", String(100), nullable=True),
    #: The caller's own id of the agent run this call belongs to (``agent_run_id=``).
    Column("agent_run_id", String(255), nullable=True),
    #: Who failed the call: ``gateway``, ``attio`` or ``policy`` (``sdk.logs.error_tier``).
    Column("error_tier", String(20), nullable=True),
    # Permissions: the policy decision of a call and the rule that made it (None: the default).
    Column("policy_effect", String(10), nullable=True),
    Column("policy_rule_id", String(100), nullable=True),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_identifier", "identifier"),
    Index("ix_audit_events_connection_name", "connection_name"),
    Index("ix_audit_events_agent_run_id", "agent_run_id"),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("client_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    #: What the client may do (``sdk.admin.API_SCOPES``), a JSON list of scope names.
    Column("scopes", JSON, nullable=False),
    #: The connection names it may act on; ``NULL``: every connection.
    Column("connections", JSON, nullable=True),
    #: The client that minted it over the API (``NULL``: created by the operator). Revoking
    #: a client revokes every client below it.
    Column("parent_client_id", String(100), nullable=True),
    Index("ix_api_clients_parent_client_id", "parent_client_id"),
)

session_tokens = Table(
    "session_tokens",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_session_tokens_account_id", "account_id"),
)

#: Secrets a provider shows once and the app needs later (a webhook's signing secret),
#: sealed, per connected account and name (e.g. ``webhook:<webhook id>``).
account_secrets = Table(
    "account_secrets",
    metadata,
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(200), primary_key=True),
    Column("secret_sealed", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Secrets of the gateway server itself, sealed, shared by every process on the database:
#: ``signing_key`` signs API bearer tokens and dashboard session cookies. Created once
#: (insert if absent), never changed afterwards except re-sealed by vault rotation.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value_sealed", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: The dashboard's operators; ``password_hash`` is ``scrypt$<salt hex>$<digest hex>``.
operators = Table(
    "operators",
    metadata,
    Column("username", String(200), primary_key=True),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: The dashboard's signed-in operators. The cookie carries a random session id; only its
#: SHA-256 is stored, so a copy of the database does not sign anyone in. Signing out deletes
#: the row, and a cookie whose row is gone is refused.
dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column(
        "username",
        String(200),
        ForeignKey("operators.username", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_dashboard_sessions_username", "username"),
    Index("ix_dashboard_sessions_expires_at", "expires_at"),
)

#: Idempotency keys, per connected account: a write retried with the same key is answered
#: from here instead of being sent again. ``fingerprint`` is the SHA-256 of the canonical
#: request (see ``sdk/idempotency.py``), ``request`` that canonical request itself (what a
#: retry of an unknown outcome reconciles by), ``result`` the answer returned (status and
#: body). Both are plain JSON: they hold customer data as Attio returned it, never a token
#: or secret (those never pass through a request or result body). ``state`` is
#: ``in_flight`` (claimed by ``owner``, before the request leaves), ``done`` or ``unknown``.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("request", JSON, nullable=False),
    Column("state", String(20), nullable=False),
    Column("owner", String(36), nullable=False),
    Column("result", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)

# --- MCP authorization (docs/mcp.md) ---

#: OAuth clients of MCP clients (Dynamic Client Registration), as registered; a client
#: secret only sealed (``client_secret_sealed``), never in ``info``.
mcp_auth_clients = Table(
    "mcp_auth_clients",
    metadata,
    Column("client_id", String(255), primary_key=True),
    Column("info", JSON, nullable=False),
    Column("client_secret_sealed", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: One authorization request of an MCP client, from /authorize through consent and the
#: Attio sign-in to its authorization code (only the code's SHA-256 is kept).
mcp_auth_requests = Table(
    "mcp_auth_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "client_id",
        String(255),
        ForeignKey("mcp_auth_clients.client_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("params", JSON, nullable=False),
    Column("signin_account_id", String(36), nullable=True),
    Column("account_id", String(36), nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("consented_at", UTCDateTime, nullable=True),
    Column("code_expires_at", UTCDateTime, nullable=True),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_mcp_auth_requests_code_hash", "code_hash", unique=True),
    Index("ix_mcp_auth_requests_expires_at", "expires_at"),
)

#: Access and refresh tokens issued to MCP clients (SHA-256 only), each acting as one
#: connected account, audience-bound to ``resource``; one ``grant_id`` per authorization.
mcp_auth_tokens = Table(
    "mcp_auth_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("grant_id", String(64), nullable=False),
    Column(
        "client_id",
        String(255),
        ForeignKey("mcp_auth_clients.client_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("scopes", JSON, nullable=False),
    Column("resource", String(2000), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_mcp_auth_tokens_grant_id", "grant_id"),
    Index("ix_mcp_auth_tokens_account_id", "account_id"),
)


# --- triggers (docs/triggers.md) ---

#: One Attio webhook per workspace, created through the account ``account_id`` (whose token
#: manages it; another subscribed account of the workspace takes over when it is deleted)
#: and shared by every trigger subscription on that workspace. ``id`` is also
#: the last part of its inbound URL (``/triggers/attio/<id>``); ``secret_sealed`` is the
#: signing secret Attio showed once. ``attio_subscriptions`` is what was last sent to Attio.
trigger_webhooks = Table(
    "trigger_webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("workspace_id", String(64), nullable=False, unique=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("attio_webhook_id", String(64), nullable=False),
    Column("secret_sealed", Text, nullable=False),
    Column("attio_subscriptions", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: What an app wants to hear of one connected account: Attio event types (and optionally
#: Attio's filter), posted to ``target_url`` signed with the subscription's own secret
#: (``secret_sealed``); without a target URL the events are only kept for pulling.
trigger_subscriptions = Table(
    "trigger_subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_types", JSON, nullable=False),
    Column("filter", JSON, nullable=True),
    Column("target_url", String(2000), nullable=True),
    #: Post the changed record (or list entry) with each event, fetched as the account.
    Column("include_record", Boolean, nullable=False),
    Column("secret_sealed", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_trigger_subscriptions_account_id", "account_id"),
)

#: Attio's deliveries as received, one row per event; ``dedup_key`` (Attio's
#: ``Idempotency-Key``, else the body's SHA-256, with the event's index) is unique per
#: webhook, so a delivery sent twice, to any process, is stored once. ``id`` orders events.
trigger_events = Table(
    "trigger_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "webhook_id",
        String(36),
        ForeignKey("trigger_webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("dedup_key", String(200), nullable=False),
    Column("workspace_id", String(64), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("event", JSON, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("webhook_id", "dedup_key", name="uq_trigger_events_dedup_key"),
)

#: One event for one subscription: ``pending`` (to be posted; ``claimed_by`` a process
#: until ``claimed_until``), ``delivered``, ``dead`` (after the last attempt; replayable)
#: or ``stored`` (a subscription without target URL: kept for pulling only).
trigger_deliveries = Table(
    "trigger_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "event_id",
        Integer,
        ForeignKey("trigger_events.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "subscription_id",
        String(36),
        ForeignKey("trigger_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(36), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "subscription_id", name="uq_trigger_deliveries_event_id"),
    Index("ix_trigger_deliveries_subscription_id_state", "subscription_id", "state"),
    Index("ix_trigger_deliveries_state", "state"),
)


# --- permissions (docs/permissions.md) ---

#: Named sets of tools a call can be bound to (docs/permissions.md). ``tools`` maps each
#: tool name to its fixed arguments (``{}``: none); ``version`` grows by one on each change.
toolsets = Table(
    "toolsets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("description", Text, nullable=False),
    Column("tools", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Policy rules: ``rule`` is the validated rule (match, effect, message) as JSON; ``source``
#: names the YAML file a rule was loaded from (``None``: made through the SDK, API or CLI).
policy_rules = Table(
    "policy_rules",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("rule", JSON, nullable=False),
    Column("source", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Budgets: at most ``calls_per_minute`` calls and ``writes_per_day`` writes, counted per
#: identifier, for one ``identifier`` (``None``: each identifier) and one ``toolset``
#: (``None``: any call).
budgets = Table(
    "budgets",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("identifier", String(500), nullable=True),
    Column("toolset", String(100), nullable=True),
    Column("calls_per_minute", Integer, nullable=True),
    Column("writes_per_day", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Settings of the permissions (``default_effect``) and ``generation``, which grows on
#: every change of a toolset, rule or budget so other processes reload theirs.
permission_settings = Table(
    "permission_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

#: Calls a policy rule asked a person to approve: ``call`` is the exact call (tool and its
#: arguments, or method, path and body; the toolset), ``fingerprint`` its SHA-256, and
#: ``preview`` what it would change. ``status``: ``pending``, ``approved``, ``denied`` or
#: ``executed`` (the approved call ran; a resubmission is answered from its stored result).
approvals = Table(
    "approvals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("connected_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("identifier", String(500), nullable=False),
    Column("connection_name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("call", JSON, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("preview", JSON, nullable=True),
    Column("rule_id", String(100), nullable=True),
    Column("message", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_approvals_status", "status"),
)
