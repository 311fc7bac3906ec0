"""``AsyncGateway``: the embedded gateway — the one façade every front end calls.

It opens the resources (the database, the vault's key ring, one outbound HTTP client, the
rate limiter, Redis when configured, the clock) and composes the services that own each
concern, handing each what it needs:

- ``credentials`` (``vault.credentials``): the only code that seals and unseals;
- ``lifecycle`` (``oauth.lifecycle``): links, the callback, user verification,
  activation, refresh and the one revocation path;
- ``connections`` and ``accounts`` (``sdk.connections``, ``sdk.accounts``);
- ``calls`` (``sdk.calls``): the one call path of the proxy and the tools;
- ``caches`` (``sdk.callcache``) and the audit log (``sdk.auditlog``).

No service knows this class. ``.actions`` (alias ``.connect``) carries the hosted
service's method names.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
import redis.asyncio as aioredis
from pydantic import SecretStr

from attio_gateway.clock import SYSTEM_CLOCK, Clock
from attio_gateway.config import Settings
from attio_gateway.errors import ConfigurationError
from attio_gateway.mcp_auth.provider import McpAuthorization
from attio_gateway.oauth.lifecycle import Lifecycle
from attio_gateway.permissions.service import (
    Approvals,
    Budgets,
    Permissions,
    Policies,
    Toolsets,
)
from attio_gateway.proxy.client import new_http_client
from attio_gateway.proxy.ratelimit import RedisRateLimiter, rate_limiter_from_settings
from attio_gateway.proxy.retry import retry_policy_from_settings
from attio_gateway.sdk import models
from attio_gateway.sdk.accounts import Accounts
from attio_gateway.sdk.actions import AsyncActions
from attio_gateway.sdk.auditlog import Audit
from attio_gateway.sdk.callcache import Caches, CallCache
from attio_gateway.sdk.calls import CallObserver, Calls
from attio_gateway.sdk.connections import Connections
from attio_gateway.sdk.idempotency import Idempotency
from attio_gateway.sdk.invalidation import CacheInvalidation
from attio_gateway.sdk.logs import Logs
from attio_gateway.sdk.retention import AuditRetention
from attio_gateway.sdk.triggers import trigger_calls
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.triggers.service import Triggers
from attio_gateway.triggers.worker import DeliveryWorker
from attio_gateway.vault import KeyRing, load_keyring
from attio_gateway.vault.credentials import Credentials

__all__ = ["AsyncGateway", "Services"]

_NOT_OPEN = "The gateway is not open: use `async with AsyncGateway()`."


class Services:
    """What an open gateway is made of; built by ``AsyncGateway.open``."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        caches: Caches,
        http: httpx.AsyncClient,
        observers: list[CallObserver] | None = None,
    ) -> None:
        self.credentials = Credentials(load_keyring(settings))
        self.db = Database.from_settings(settings)
        self.http = http
        limiter = rate_limiter_from_settings(settings)
        #: One Redis pool for the shared limiter, the refresh locks and the cache
        #: invalidation messages; closed with the gateway.
        self.redis: aioredis.Redis | None = (
            limiter.client if isinstance(limiter, RedisRateLimiter) else None
        )
        self.audit = Audit(self.db, clock)
        self.retention = AuditRetention(
            self.db,
            clock,
            days=settings.audit_retention_days,
            every=settings.audit_retention_every,
            export_path=settings.audit_export_path,
        )
        self.lifecycle = Lifecycle(
            db=self.db,
            credentials=self.credentials,
            http=http,
            clock=clock,
            base_url=settings.base_url,
            on_change=caches.forget,
            redis=self.redis,
        )
        self.connections = Connections(
            db=self.db,
            credentials=self.credentials,
            http=http,
            clock=clock,
            base_url=settings.base_url,
            on_change=lambda: caches.forget(connections=True),
        )
        self.accounts = Accounts(
            db=self.db,
            credentials=self.credentials,
            clock=clock,
            connections=self.connections,
            lifecycle=self.lifecycle,
            on_change=caches.forget,
        )
        self.calls = Calls(
            db=self.db,
            http=http,
            clock=clock,
            lifecycle=self.lifecycle,
            accounts=self.accounts,
            caches=caches,
            audit=self.audit,
            limiter=limiter,
            retry_policy=retry_policy_from_settings(settings),
            idempotency=Idempotency(
                db=self.db,
                clock=clock,
                ttl=settings.idempotency_ttl,
                wait=settings.idempotency_wait,
                lease=settings.idempotency_lease,
            ),
            observers=observers,
        )
        self.actions = AsyncActions(
            accounts=self.accounts, lifecycle=self.lifecycle, calls=self.calls
        )
        #: The call logs: tool calls and proxied requests read from the audit log.
        self.logs = Logs(self.db, clock, self.audit)
        # MCP authorization (docs/mcp.md)
        self.mcp_auth = McpAuthorization(
            db=self.db,
            credentials=self.credentials,
            clock=clock,
            lifecycle=self.lifecycle,
            base_url=settings.base_url,
            http=http,
            metadata_private_networks=settings.mcp_client_metadata_private_networks,
        )

        # Triggers (docs/triggers.md)
        attio_for_triggers = trigger_calls(self.calls)
        self.trigger_worker = DeliveryWorker(
            db=self.db,
            credentials=self.credentials,
            clock=clock,
            http=http,
            attio=attio_for_triggers,
            max_attempts=settings.trigger_max_attempts,
            retry_base=settings.trigger_retry_base,
            lease=settings.trigger_lease,
            poll_interval=settings.trigger_poll_interval,
            retention=settings.trigger_retention_days * 86400,
        )
        self.triggers = Triggers(
            db=self.db,
            credentials=self.credentials,
            clock=clock,
            attio=attio_for_triggers,
            find_account=self.accounts.find,
            base_url=settings.base_url,
            on_queued=self.trigger_worker.wake,
        )
        self.accounts.before_delete = self.triggers.forget_account

        # Permissions (docs/permissions.md)
        self.permissions = Permissions(db=self.db, clock=clock, redis=self.redis)
        self.calls.permissions = self.permissions


class AsyncGateway:
    """The embedded gateway: ``async with AsyncGateway(settings) as gw: ...``.

    The surface front ends (HTTP API, MCP, CLI, dashboard) call:

    - connections: ``create_connection``, ``get_connection``, ``list_connections``,
      ``update_connection``, ``delete_connection``, ``redirect_uri(connection_id)``;
    - the OAuth callback: ``handle_callback(connection_id, query_params) -> CallbackResult``
      (mount it at ``/sso/v1/oauth/{connection_id}/callback``; ``redirect_url`` set means
      send the user to the app's verification page);
    - ``actions`` (alias ``connect``): the hosted SDK's methods — links, user verification,
      connected accounts, ``request`` (the proxy), ``execute_tool``, ``list_tools``;
    - ``audit_events(**filters)``;
    - ``logs``: the call logs (``query`` by filters with a cursor, ``overview`` of a
      window), and ``call_observers``, told of every finished call (docs/operations.md).

    Errors are ``attio_gateway.errors.GatewayError`` subclasses; an account that may not act
    raises ``AccountNotActiveError`` carrying ``status`` and a fresh ``authorization_link``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or Settings()
        #: Every "now" of this gateway and its services (tests pass one they move).
        self.clock = clock or SYSTEM_CLOCK
        self._http_given = http
        self._services: Services | None = None
        self.caches = Caches()
        #: Told of every finished tool call and proxied request (``sdk.logs.CallRecord``),
        #: whichever front end made it; the server's metrics are one.
        self.call_observers: list[CallObserver] = []
        #: The key that signs API bearer tokens and dashboard cookies, kept once read from
        #: the database (it never changes); see ``sdk.signing.server_key``.
        self.signing_key: bytes | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> AsyncGateway:
        """Open the database (applying migrations), the vault and the HTTP client.

        Raises:
            ConfigurationError: the vault's keys cannot be read.
            StorageError: the database cannot be reached or migrated.
        """
        if self._services is not None:
            return self
        services = Services(
            self.settings,
            self.clock,
            self.caches,
            self._http_given or new_http_client(),
            self.call_observers,
        )
        try:
            await upgrade_database(services.db)
        except BaseException:
            await self._close_resources(services)
            raise
        self._services = services
        if services.redis is not None:
            self.caches.invalidation = CacheInvalidation(services.redis, self.caches.drop)
            self.caches.invalidation.start()
        await services.lifecycle.grants.purge_if_due()
        if self.settings.audit_retention_job:
            services.retention.start()
        if self.settings.trigger_worker:
            services.trigger_worker.start()
        return self

    async def close(self) -> None:
        services, self._services = self._services, None
        if services is None:
            return
        try:
            await services.retention.close()
            await services.trigger_worker.close()
            await services.audit.writer.close()  # every queued audit event is stored first
        finally:
            if self.caches.invalidation is not None:
                await self.caches.invalidation.close()
                self.caches.invalidation = None
            await self._close_resources(services)

    async def _close_resources(self, services: Services) -> None:
        await services.db.dispose()
        if self._http_given is None:
            await services.http.aclose()
        if services.redis is not None:
            await services.redis.aclose()

    async def __aenter__(self) -> AsyncGateway:
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def services(self) -> Services:
        if self._services is None:
            raise ConfigurationError(_NOT_OPEN)
        return self._services

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def credentials(self) -> Credentials:
        return self.services.credentials

    @property
    def keyring(self) -> KeyRing:
        return self.services.credentials.keyring

    @property
    def http(self) -> httpx.AsyncClient:
        return self.services.http

    @property
    def lifecycle(self) -> Lifecycle:
        return self.services.lifecycle

    @property
    def actions(self) -> AsyncActions:
        return self.services.actions

    @property
    def logs(self) -> Logs:
        """The call logs: ``query(...)`` by filters with a cursor, ``overview(since=...)``."""
        return self.services.logs

    @property
    def triggers(self) -> Triggers:
        """Trigger subscriptions, Attio's inbound deliveries, pulled events, the delivery
        log (docs/triggers.md)."""
        return self.services.triggers

    @property
    def connect(self) -> AsyncActions:
        """``actions`` under the hosted SDK's other name."""
        return self.services.actions

    # --- caches ---------------------------------------------------------------------------

    @property
    def call_cache(self) -> CallCache:
        return self.caches.calls

    @property
    def invalidation(self) -> CacheInvalidation | None:
        return self.caches.invalidation

    async def forget_cached(self, *, connections: bool = False) -> None:
        """Something changed (``connections``: a connection, not only an account): drop this
        process's caches and, with Redis, tell the other processes to drop theirs."""
        await self.caches.forget(connections=connections)

    # --- connections ----------------------------------------------------------------------

    def redirect_uri(self, connection_id: str) -> str:
        """The callback URL to register on the provider's OAuth app."""
        return self.services.connections.redirect_uri(connection_id)

    async def create_connection(
        self,
        *,
        name: str = "attio",
        client_id: str,
        client_secret: str | SecretStr,
        scopes: list[str] | None = None,
        provider: str = "attio",
        authorize_url: str | None = None,
        token_url: str | None = None,
        api_base_url: str | None = None,
        validate: bool = True,
    ) -> models.Connection:
        """Register an OAuth app as a connection; the secret is sealed before it is stored.

        With ``validate`` the credentials are checked against the provider's token
        endpoint: the connection is ``ACTIVE`` or ``INVALID_CREDENTIALS`` with the reason.

        Raises:
            InvalidInputError: an unknown provider, a name, URL, client id or secret that
                is not allowed (naming the field).
            ConflictError: the name is taken.
        """
        return await self.services.connections.create(
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            provider=provider,
            authorize_url=authorize_url,
            token_url=token_url,
            api_base_url=api_base_url,
            validate=validate,
        )

    async def update_connection(
        self,
        name: str,
        *,
        client_id: str | None = None,
        client_secret: str | SecretStr | None = None,
        scopes: list[str] | None = None,
        validate: bool = True,
    ) -> models.Connection:
        """Change a connection's credentials (checked again with ``validate``) or scopes.

        Raises:
            NotFoundError: no such connection.
        """
        return await self.services.connections.update(
            name, client_id=client_id, client_secret=client_secret, scopes=scopes, validate=validate
        )

    async def get_connection(self, name: str) -> models.Connection:
        """Raises: NotFoundError: no such connection."""
        return await self.services.connections.get(name)

    async def list_connections(self) -> list[models.Connection]:
        return await self.services.connections.list_all()

    async def delete_connection(self, name: str) -> None:
        """Delete a connection and its accounts.

        Raises:
            NotFoundError: no such connection.
        """
        await self.services.connections.delete(name)

    # --- the OAuth callback, accounts ------------------------------------------------------

    async def handle_callback(
        self, connection_id: str, params: dict[str, str]
    ) -> models.CallbackResult:
        """The provider redirected the user back: check state, exchange code, activate.

        Raises:
            OAuthFlowError: no or unknown state, an error from the provider, a refused
                exchange, or a token the provider reports inactive.
            NotFoundError: the connection was deleted.
        """
        done = await self.services.lifecycle.handle_callback(connection_id, params)
        if done.status == models.AccountStatus.ACTIVE:  # triggers: the webhook is checked
            await self.services.triggers.after_authorization(
                connection_name=done.connection_name, identifier=done.identifier
            )
        return models.CallbackResult(
            connection_name=done.connection_name,
            identifier=done.identifier,
            status=done.status,
            redirect_url=done.redirect_url,
            workspace_name=done.workspace_name,
        )

    async def find_account(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> tuple[ConnectionRow, AccountRow]:
        """The account named by ``connected_account_id``, or by ``identifier`` on
        ``connection_name`` (both ways: the same account).

        Raises:
            NotFoundError: no such account (or connection).
            ToolInputError: the id and the identifier or connection name disagree.
        """
        return await self.services.accounts.find(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )

    async def authorization_request_connection(self, auth_request_id: str) -> str | None:
        """The name of the connection an authorization request (``auth_request_id``) is
        for; ``None`` when there is no such request."""
        row = await self.services.lifecycle.connection_of_request(auth_request_id)
        return row.name if row is not None else None

    async def account_secret(
        self, name: str, *, identifier: str, connection_name: str | None = None
    ) -> SecretStr:
        """A kept secret, e.g. ``webhook:<webhook_id>`` to verify ``Attio-Signature``.

        Raises:
            NotFoundError: no such account, or no secret of that name kept for it.
        """
        return await self.services.accounts.secret(
            name, identifier=identifier, connection_name=connection_name
        )

    # --- the audit log --------------------------------------------------------------------

    async def audit(self, *, wait: bool = True, **fields: Any) -> str:
        """Record one audit event (never tokens, never bodies); returns its id. With
        ``wait=False`` it is only queued (stored within ~50 ms, never dropped)."""
        return await self.services.audit.record(wait=wait, **fields)

    async def prune_audit_events(
        self, *, older_than_days: float | None = None, export: TextIO | Path | None = None
    ) -> int:
        """Delete audit events older than ``older_than_days`` (default: the retention
        setting), each batch appended to ``export`` first (default: the export setting).
        The retention job does this by itself; this is for operators (``attio-gateway db
        prune-audit``). How many were deleted."""
        await self.services.audit.writer.flush()
        return await self.services.retention.prune(older_than_days=older_than_days, export=export)

    async def audit_events(
        self,
        *,
        identifier: str | None = None,
        tool_name: str | None = None,
        outcome: str | None = None,
        kind: str | None = None,
        connection_name: str | None = None,
        api_client_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[models.AuditEvent]:
        """Audit events, newest first; every filter given must match (``since`` inclusive,
        ``until`` exclusive)."""
        return await self.services.audit.events(
            identifier=identifier,
            tool_name=tool_name,
            outcome=outcome,
            kind=kind,
            connection_name=connection_name,
            api_client_id=api_client_id,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )

    # --- permissions (docs/permissions.md) ------------------------------------------------

    @property
    def toolsets(self) -> Toolsets:
        """Named, versioned sets of tools: ``create``, ``get``, ``list``, ``update``, ``delete``."""
        return self.services.permissions.toolsets

    @property
    def policies(self) -> Policies:
        """Allow / deny / ask rules: CRUD, ``load`` (YAML), ``evaluate`` (dry), the default."""
        return self.services.permissions.policies

    @property
    def budgets(self) -> Budgets:
        """Calls-a-minute and writes-a-day budgets per identifier (and toolset)."""
        return self.services.permissions.budgets

    @property
    def approvals(self) -> Approvals:
        """Calls a rule asked about: ``list``, ``get``, ``approve``, ``deny``."""
        return self.services.permissions.approvals
