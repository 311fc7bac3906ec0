"""``AsyncGateway``: the embedded gateway — the one façade every front end calls.

It owns the state store, the vault's key ring, one outbound HTTP client and the rate
limiter, and offers connections, connected accounts, the OAuth flow, the proxy and the
tools. ``.actions`` (alias ``.connect``) carries the hosted service's method names.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis
from pydantic import SecretStr

from attio_gateway.clock import SYSTEM_CLOCK, Clock
from attio_gateway.config import Settings
from attio_gateway.errors import (
    AccountNotActiveError,
    ConfigurationError,
    GatewayError,
    InvalidInputError,
    NotFoundError,
    OAuthFlowError,
    ToolInputError,
    UpstreamError,
)
from attio_gateway.oauth import flow
from attio_gateway.oauth.provider import PROVIDERS
from attio_gateway.proxy import AttioClient
from attio_gateway.proxy.client import new_http_client
from attio_gateway.proxy.outgoing import check_outgoing
from attio_gateway.proxy.ratelimit import (
    RateLimiter,
    RedisRateLimiter,
    rate_limiter_from_settings,
)
from attio_gateway.proxy.retry import retry_policy_from_settings
from attio_gateway.sdk import grants, models
from attio_gateway.sdk.auditlog import AuditWriter
from attio_gateway.sdk.callcache import CallCache
from attio_gateway.sdk.invalidation import CacheInvalidation
from attio_gateway.sdk.models import AccountStatus, ConnectionStatus
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, AuditEventRow, ConnectionRow, CredentialRow
from attio_gateway.vault import KeyRing, Sealed, load_keyring, purposes

AUTHORIZATION_TTL = timedelta(minutes=10)
#: Refresh expiring tokens this long before they expire.
REFRESH_MARGIN = timedelta(minutes=2)


#: What a connection name may hold: it is a path segment of the API and the dashboard
#: (``/api/v1/connections/{name}``), so no ``/``, spaces or other characters to escape.
CONNECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Longest identifier (your id for a user) the gateway stores.
MAX_IDENTIFIER_LENGTH = 500


def _check_connection_name(name: str) -> None:
    if not CONNECTION_NAME.fullmatch(name):
        raise InvalidInputError(
            f"connection name {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit.",
            field="name",
        )


def _check_identifier(identifier: str) -> None:
    """Identifiers are the app's ids for its users: printable text of bounded length (a
    NUL would reach PostgreSQL, which refuses it with an error that is not the caller's)."""
    if len(identifier) > MAX_IDENTIFIER_LENGTH:
        raise InvalidInputError(
            f"identifier is {len(identifier)} characters long; at most "
            f"{MAX_IDENTIFIER_LENGTH} are allowed.",
            field="identifier",
        )
    if any(not character.isprintable() for character in identifier):
        raise InvalidInputError(
            f"identifier {identifier!r} contains control characters.", field="identifier"
        )


def _check_url(field: str, url: str) -> None:
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise InvalidInputError(
            f"{field} must be an http(s) URL without spaces or control characters, got {url!r}.",
            field=field,
        )
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(f"{field} must be an http(s) URL, got {url!r}.", field=field)


def _says_inactive(connection: ConnectionRow, path: str, response: httpx.Response) -> bool:
    """Is this the provider's token description, answering that the token is inactive?"""
    if path.split("?")[0].rstrip("/") != PROVIDERS[connection.provider].introspect_path:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return response.is_success and isinstance(body, dict) and body.get("active") is False


def _needs_refresh(credential: CredentialRow, now: datetime) -> bool:
    """Refresh early: ``REFRESH_MARGIN`` before expiry, or halfway through a shorter life
    (so a token that lives one minute is not refreshed on every call)."""
    if credential.expires_at is None:
        return False
    margin = min(REFRESH_MARGIN, (credential.expires_at - credential.updated_at) / 2)
    return credential.expires_at - margin <= now


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
    - ``audit_events(**filters)``.

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
        self._db: Database | None = None
        self._keyring: KeyRing | None = None
        self._http: httpx.AsyncClient | None = None
        self._limiter: RateLimiter | None = None
        self._retry_policy = retry_policy_from_settings(self.settings)
        self._redis: aioredis.Redis | None = None
        self._refresh_locks: dict[str, asyncio.Lock] = {}
        #: ``clock.monotonic()`` from which link creation purges expired authorization
        #: requests again (``grants.purge_if_due``); 0: at the first chance (``open``).
        self.next_purge = 0.0
        self._schema_caches: dict[str, dict[str, Any]] = {}
        #: ACTIVE accounts and unsealed tokens for a few seconds; see ``callcache``.
        self.call_cache = CallCache()
        #: The key that signs API bearer tokens and dashboard cookies, kept once read from
        #: the database (it never changes); see ``sdk.admin.server_key``.
        self.signing_key: bytes | None = None
        #: With Redis: tells the other processes to drop their caches; see ``invalidation``.
        self.invalidation: CacheInvalidation | None = None
        self._audit_writer: AuditWriter | None = None
        from attio_gateway.sdk.actions import AsyncActions

        self.actions = AsyncActions(self)
        self.connect = self.actions

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> AsyncGateway:
        """Open the database (applying migrations), the vault and the HTTP client."""
        if self._db is not None:
            return self
        self._keyring = load_keyring(self.settings)
        db = Database.from_settings(self.settings)
        await upgrade_database(db)
        self._db = db
        self._audit_writer = AuditWriter(db)
        self._http = self._http_given or new_http_client()
        self._limiter = rate_limiter_from_settings(self.settings)
        if isinstance(self._limiter, RedisRateLimiter):
            # One Redis pool for the shared limiter, the refresh locks and the cache
            # invalidation messages; closed in close().
            self._redis = self._limiter.client
            self.invalidation = CacheInvalidation(self._redis, self._drop_caches)
            self.invalidation.start()
        await grants.purge_if_due(self, now=self.clock.now())
        return self

    async def close(self) -> None:
        try:
            if self._audit_writer is not None:
                writer, self._audit_writer = self._audit_writer, None
                await writer.close()  # every queued audit event is stored first
        finally:
            await self._close_resources()

    async def _close_resources(self) -> None:
        if self.invalidation is not None:
            await self.invalidation.close()
            self.invalidation = None
        if self._db is not None:
            await self._db.dispose()
            self._db = None
        if self._http is not None and self._http_given is None:
            await self._http.aclose()
        self._http = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def __aenter__(self) -> AsyncGateway:
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def db(self) -> Database:
        if self._db is None:
            raise ConfigurationError("The gateway is not open: use `async with AsyncGateway()`.")
        return self._db

    @property
    def keyring(self) -> KeyRing:
        if self._keyring is None:
            raise ConfigurationError("The gateway is not open.")
        return self._keyring

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise ConfigurationError("The gateway is not open.")
        return self._http

    # --- caches ---------------------------------------------------------------------------

    async def forget_cached(self, *, connections: bool = False) -> None:
        """Something changed (``connections``: a connection, not only an account): drop this
        process's caches and, with Redis, tell the other processes to drop theirs."""
        self._drop_caches(connections)
        if self.invalidation is not None:
            await self.invalidation.publish(connections=connections)

    def _drop_caches(self, connections: bool) -> None:
        self.call_cache.forget()
        if connections:
            # Schemas are kept per workspace; a connection that changed or went away may
            # leave ones no account uses any more: cheap to read again.
            self._schema_caches.clear()

    # --- connections ----------------------------------------------------------------------

    def redirect_uri(self, connection_id: str) -> str:
        """The callback URL to register on the provider's OAuth app."""
        return f"{self.settings.base_url.rstrip('/')}/sso/v1/oauth/{connection_id}/callback"

    def _connection_model(self, row: ConnectionRow) -> models.Connection:
        return models.Connection(
            id=row.id,
            name=row.name,
            provider=row.provider,
            client_id=row.client_id,
            scopes=row.scopes,
            redirect_uri=self.redirect_uri(row.id),
            authorize_url=row.authorize_url,
            token_url=row.token_url,
            api_base_url=row.api_base_url,
            status=ConnectionStatus(row.status),
            status_detail=row.status_detail,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

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
        """
        spec = PROVIDERS.get(provider)
        if spec is None:
            raise InvalidInputError(
                f"Unknown provider {provider!r}; known: {sorted(PROVIDERS)}.", field="provider"
            )
        _check_connection_name(name)
        if not client_id.strip():
            raise InvalidInputError("A connection needs a client_id.", field="client_id")
        secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        if not secret.get_secret_value():
            raise InvalidInputError("A connection needs a client_secret.", field="client_secret")
        connection_id = q.new_id()
        urls = {
            "authorize_url": authorize_url or spec.authorize_url,
            "token_url": token_url or spec.token_url,
            "api_base_url": (api_base_url or spec.api_base_url).rstrip("/"),
        }
        for field, url in urls.items():
            _check_url(field, url)
        status, detail = await self._check_credentials(
            urls["token_url"], client_id, secret, validate
        )
        sealed = self.keyring.seal(secret, purpose=purposes.client_secret(connection_id))
        row = await q.create_connection(
            self.db,
            connection_id=connection_id,
            name=name,
            provider=provider,
            client_id=client_id,
            client_secret_sealed=sealed.to_text(),
            scopes=sorted(set(scopes or [])),
            status=status,
            status_detail=detail,
            now=self.clock.now(),
            **urls,
        )
        # "the only connection" may no longer be the only one
        await self.forget_cached(connections=True)
        return self._connection_model(row)

    async def _check_credentials(
        self, token_url: str, client_id: str, secret: SecretStr, validate: bool
    ) -> tuple[str, str | None]:
        if not validate:
            return ConnectionStatus.UNVERIFIED, "Credentials were not checked."
        accepted, detail = await flow.check_client_credentials(
            self.http, token_url=token_url, client_id=client_id, client_secret=secret
        )
        if accepted is None:
            return ConnectionStatus.UNVERIFIED, detail
        return (
            ConnectionStatus.ACTIVE if accepted else ConnectionStatus.INVALID_CREDENTIALS
        ), detail

    async def update_connection(
        self,
        name: str,
        *,
        client_id: str | None = None,
        client_secret: str | SecretStr | None = None,
        scopes: list[str] | None = None,
        validate: bool = True,
    ) -> models.Connection:
        row = await self._connection_row(name)
        changes: dict[str, Any] = {}
        if client_id is not None:
            changes["client_id"] = client_id
        if scopes is not None:
            changes["scopes"] = sorted(set(scopes))
        secret = self._client_secret(row)
        if client_secret is not None:
            secret = (
                client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
            )
            changes["client_secret_sealed"] = self.keyring.seal(
                secret, purpose=purposes.client_secret(row.id)
            ).to_text()
        if client_id is not None or client_secret is not None:
            status, detail = await self._check_credentials(
                row.token_url, client_id or row.client_id, secret, validate
            )
            changes |= {"status": status, "status_detail": detail}
        updated = await q.update_connection(
            self.db, connection_id=row.id, now=self.clock.now(), **changes
        )
        await self.forget_cached(connections=True)
        return self._connection_model(updated)

    async def get_connection(self, name: str) -> models.Connection:
        return self._connection_model(await self._connection_row(name))

    async def list_connections(self) -> list[models.Connection]:
        return [self._connection_model(row) for row in await q.list_connections(self.db)]

    async def delete_connection(self, name: str) -> None:
        row = await self._connection_row(name)
        await q.delete_connection(self.db, connection_id=row.id)
        await self.forget_cached(connections=True)

    async def _connection_row(
        self, name: str | None = None, *, connection_id: str | None = None
    ) -> ConnectionRow:
        if name is None and connection_id is None:
            rows = await q.list_connections(self.db)
            if len(rows) == 1:
                return rows[0]
            raise NotFoundError(
                "Say which connection: connection_name is required when there are "
                f"{len(rows)} connections."
            )
        row = await q.get_connection(self.db, name=name, connection_id=connection_id)
        if row is None:
            known = [c.name for c in await q.list_connections(self.db)]
            raise NotFoundError(
                f"No connection named {name or connection_id!r}; known: {known or 'none'}."
            )
        return row

    def _client_secret(self, row: ConnectionRow) -> SecretStr:
        return self.keyring.unseal(
            Sealed.from_text(row.client_secret_sealed), purpose=purposes.client_secret(row.id)
        )

    # --- connected accounts ---------------------------------------------------------------

    async def account_model(
        self, row: AccountRow, *, connection: ConnectionRow | None = None, with_tokens: bool
    ) -> models.ConnectedAccount:
        connection = connection or await self._connection_row(connection_id=row.connection_id)
        details: dict[str, Any] = {"oauth_token": {"scopes": row.granted_scopes}}
        if with_tokens:
            credential = await q.get_credential(self.db, account_id=row.id)
            if credential is not None:
                access = self.keyring.unseal(
                    Sealed.from_text(credential.access_token_sealed),
                    purpose=purposes.access_token(row.id),
                )
                details["oauth_token"]["access_token"] = access.get_secret_value()
                if credential.refresh_token_sealed:
                    details["oauth_token"]["refresh_token"] = self.keyring.unseal(
                        Sealed.from_text(credential.refresh_token_sealed),
                        purpose=purposes.refresh_token(row.id),
                    ).get_secret_value()
        return models.ConnectedAccount(
            id=row.id,
            identifier=row.identifier,
            provider=connection.provider,
            connector=connection.name,
            status=AccountStatus(row.status),
            authorization_details=details,
            granted_scopes=row.granted_scopes,
            expected_scopes=connection.scopes,
            workspace=models.Workspace(
                id=row.workspace_id, name=row.workspace_name, slug=row.workspace_slug
            ),
            authorized_by_member_id=row.authorized_by_member_id,
            token_expires_at=row.token_expires_at,
            api_config=row.api_config,
            created_at=row.created_at,
            updated_at=row.updated_at,
            last_used_at=row.last_used_at,
        )

    async def find_account(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> tuple[ConnectionRow, AccountRow]:
        """The account named by ``connected_account_id``, or by ``identifier`` on
        ``connection_name``. Given both ways, they must name the same account: acting as
        alice because her id came along with ``identifier="bob"`` would cross users.

        Raises:
            NotFoundError: no such account (or connection).
            ToolInputError: the id and the identifier or connection name disagree.
        """
        if connected_account_id is not None:
            row = await q.get_account(self.db, account_id=connected_account_id)
            if row is None:
                raise NotFoundError(f"No connected account with id {connected_account_id!r}.")
            connection = await self._connection_row(connection_id=row.connection_id)
            if identifier and identifier != row.identifier:
                raise ToolInputError(
                    f"connected_account_id {connected_account_id!r} belongs to identifier "
                    f"{row.identifier!r}, not to identifier {identifier!r}: give one or the "
                    "other, or both for the same user.",
                    field="identifier",
                )
            if connection_name and connection_name != connection.name:
                raise ToolInputError(
                    f"connected_account_id {connected_account_id!r} is on connection "
                    f"{connection.name!r}, not on connection_name {connection_name!r}.",
                    field="connection_name",
                )
            return connection, row
        if not identifier:
            raise NotFoundError("Say whose account: identifier or connected_account_id.")
        _check_identifier(identifier)
        connection = await self._connection_row(connection_name)
        row = await q.get_account(self.db, connection_id=connection.id, identifier=identifier)
        if row is None:
            raise NotFoundError(
                f"No connected account for identifier {identifier!r} on connection "
                f"{connection.name!r}; send the user an authorization link first."
            )
        return connection, row

    async def ensure_account(
        self, connection: ConnectionRow, identifier: str, *, api_config: dict[str, Any] | None
    ) -> AccountRow:
        """The account for ``identifier`` on ``connection``, created pending if absent —
        race-free: callers asking for a new identifier at once all get the one row."""
        _check_identifier(identifier)
        row, _ = await q.upsert_account(
            self.db,
            connection_id=connection.id,
            identifier=identifier,
            status=AccountStatus.PENDING_AUTH,
            now=self.clock.now(),
            api_config=api_config,
        )
        return row

    # --- the OAuth flow -------------------------------------------------------------------

    async def authorization_link(
        self,
        connection: ConnectionRow,
        account: AccountRow,
        *,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> models.AuthorizationLink:
        """A single-use, 10-minute authorization link bound to this account's identifier."""
        await grants.purge_if_due(self, now=self.clock.now())
        spec = PROVIDERS[connection.provider]
        request_state = flow.new_state()
        verifier, challenge = flow.pkce_pair() if spec.supports_pkce else (None, None)
        now = self.clock.now()
        expiry = now + AUTHORIZATION_TTL
        await q.save_authorization_request(
            self.db,
            state=request_state,
            connection_id=connection.id,
            account_id=account.id,
            identifier=account.identifier,
            code_verifier_sealed=self.keyring.seal(
                verifier, purpose=purposes.code_verifier(request_state)
            ).to_text()
            if verifier
            else None,
            user_verify_url=user_verify_url,
            redirect_after=state,
            now=now,
            expires_at=expiry,
        )
        link = flow.authorization_url(
            connection.authorize_url,
            client_id=connection.client_id,
            redirect_uri=self.redirect_uri(connection.id),
            state=request_state,
            code_challenge=challenge,
        )
        return models.AuthorizationLink(link=link, expiry=expiry)

    async def handle_callback(
        self, connection_id: str, params: dict[str, str]
    ) -> models.CallbackResult:
        """The provider redirected the user back: check state, exchange code, activate."""
        state = params.get("state")
        if not state:
            raise OAuthFlowError("invalid_request", "The callback has no state parameter.")
        request = await q.consume_authorization_request(self.db, state=state, now=self.clock.now())
        if request is None:
            raise OAuthFlowError(
                "invalid_state",
                "This authorization link is unknown, was already used, or has expired. "
                "Ask the app for a new link.",
            )
        if request.connection_id != connection_id:
            raise OAuthFlowError("invalid_state", "The state belongs to another connection.")
        connection = await self._connection_row(connection_id=connection_id)
        if params.get("error"):
            raise OAuthFlowError(params["error"], params.get("error_description"))
        code = params.get("code")
        if not code:
            raise OAuthFlowError("invalid_request", "The callback has no code parameter.")
        verifier = grants.code_verifier(self, request)
        grant = await flow.exchange_code(
            self.http,
            token_url=connection.token_url,
            client_id=connection.client_id,
            client_secret=self._client_secret(connection),
            code=code,
            redirect_uri=self.redirect_uri(connection.id),
            code_verifier=verifier,
            now=self.clock.now(),
        )
        info = await self._introspect(connection, grant.access_token)
        if info is None:
            raise OAuthFlowError("invalid_grant", "The provider reports the new token inactive.")
        account = await q.get_account(self.db, account_id=request.account_id)
        if account is None:
            raise OAuthFlowError("invalid_state", "The account of this link was deleted.")
        if request.user_verify_url:
            await self._hold_for_verification(state, grant, info)
            if account.status != AccountStatus.ACTIVE:
                account = await q.update_account(
                    self.db,
                    account_id=account.id,
                    now=self.clock.now(),
                    status=AccountStatus.PENDING_VERIFICATION,
                )
            query = {"auth_request_id": state, "identifier": account.identifier}
            if request.redirect_after:
                query["state"] = request.redirect_after
            separator = "&" if "?" in request.user_verify_url else "?"
            return models.CallbackResult(
                connection_name=connection.name,
                identifier=account.identifier,
                status=AccountStatus(account.status),
                redirect_url=f"{request.user_verify_url}{separator}{urlencode(query)}",
                workspace_name=info.workspace_name,
            )
        account = await self._activate(account, grant, info)
        return models.CallbackResult(
            connection_name=connection.name,
            identifier=account.identifier,
            status=AccountStatus(account.status),
            redirect_url=None,
            workspace_name=info.workspace_name,
        )

    async def _hold_for_verification(
        self, state: str, grant: flow.TokenGrant, info: flow.Introspection
    ) -> None:
        sealed = self.keyring.seal(
            grant.access_token, purpose=purposes.pending_token(state)
        ).to_text()
        refresh = (
            self.keyring.seal(
                grant.refresh_token, purpose=purposes.pending_refresh_token(state)
            ).to_text()
            if grant.refresh_token
            else None
        )
        await q.hold_pending_grant(
            self.db,
            state=state,
            pending_token_sealed=sealed,
            pending_grant={
                "refresh_token_sealed": refresh,
                "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
                "info": info.__dict__,
            },
            expires_at=self.clock.now() + grants.VERIFICATION_TTL,
        )

    async def verify_user(self, auth_request_id: str, identifier: str) -> models.VerifyUserResponse:
        """The app confirms who completed the authorization; only then is the grant used.

        The grant is claimed once. Claimed for another user than the link was sent to (a
        forwarded link) or after its deadline (``grants.VERIFICATION_TTL`` after the
        callback), it is burnt: revoked at the provider, its sealed tokens dropped.
        """
        request = await q.get_authorization_request(self.db, state=auth_request_id)
        if request is None:
            raise NotFoundError(f"No authorization request {auth_request_id!r}.")
        now = self.clock.now()
        claimed = await q.claim_pending_grant(self.db, state=auth_request_id, now=now)
        if claimed is None or claimed.pending_token_sealed is None or not claimed.pending_grant:
            raise OAuthFlowError(
                "invalid_request", "No authorization is waiting for verification under this id."
            )
        if request.identifier != identifier:
            # The grant is burnt: a forwarded link never binds someone else's workspace.
            await grants.burn(self, claimed)
            raise OAuthFlowError(
                "access_denied",
                "The user who completed this authorization is not the user it was sent to; "
                "the grant was revoked.",
            )
        if claimed.expires_at <= now:
            await grants.burn(self, claimed)
            raise OAuthFlowError(
                "invalid_grant",
                f"The deadline to verify this user passed at {claimed.expires_at.isoformat()}; "
                "the grant was revoked. Ask the user to authorize again.",
            )
        grant = await grants.open_claimed(self, claimed)
        account = await q.get_account(self.db, account_id=request.account_id)
        if account is None:
            await grants.burn(self, claimed)
            raise NotFoundError("The account of this authorization was deleted.")
        await self._activate(account, grant, flow.Introspection(**claimed.pending_grant["info"]))
        # The tokens now live in the account's credentials; the parked copy goes.
        await q.discard_pending_grant(self.db, state=auth_request_id)
        return models.VerifyUserResponse(
            post_user_verify_redirect_url=f"{self.settings.base_url.rstrip('/')}/sso/v1/oauth/done"
        )

    async def _activate(
        self, account: AccountRow, grant: flow.TokenGrant, info: flow.Introspection
    ) -> AccountRow:
        now = self.clock.now()
        await q.put_credential(
            self.db,
            account_id=account.id,
            access_token_sealed=self.keyring.seal(
                grant.access_token, purpose=purposes.access_token(account.id)
            ).to_text(),
            refresh_token_sealed=self.keyring.seal(
                grant.refresh_token, purpose=purposes.refresh_token(account.id)
            ).to_text()
            if grant.refresh_token
            else None,
            expires_at=grant.expires_at,
            now=now,
        )
        activated = await q.update_account(
            self.db,
            account_id=account.id,
            now=now,
            status=AccountStatus.ACTIVE,
            granted_scopes=info.scopes,
            workspace_id=info.workspace_id,
            workspace_name=info.workspace_name,
            workspace_slug=info.workspace_slug,
            authorized_by_member_id=info.member_id,
            token_expires_at=grant.expires_at,
        )
        await self.forget_cached()  # a new token, maybe a new workspace
        return activated

    async def _introspect(
        self, connection: ConnectionRow, token: SecretStr
    ) -> flow.Introspection | None:
        spec = PROVIDERS[connection.provider]
        return await flow.introspect(
            self.http, api_base_url=connection.api_base_url, path=spec.introspect_path, token=token
        )

    async def import_token(
        self, connection: ConnectionRow, account: AccountRow, access_token: SecretStr
    ) -> AccountRow:
        """Activate an account with a token the app already holds (checked first)."""
        info = await self._introspect(connection, access_token)
        if info is None:
            raise OAuthFlowError("invalid_grant", "The provider reports this token inactive.")
        return await self._activate(account, flow.TokenGrant(access_token, None, None), info)

    # --- tokens in use --------------------------------------------------------------------

    async def account_for_call(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> tuple[ConnectionRow, AccountRow]:
        """``find_account`` then ``active_account``, from the call cache while it is fresh."""
        key = (connection_name, identifier, connected_account_id)
        cached = self.call_cache.account(key)
        if cached is not None:
            return cached

        async def load() -> tuple[ConnectionRow, AccountRow]:
            generation = self.call_cache.generation
            connection, account = await self.find_account(
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
            )
            account = await self.active_account(connection, account)
            self.call_cache.put_account(key, connection, account, generation=generation)
            return connection, account

        return await self.call_cache.load_once(("account", key), load)

    async def touch_last_used(self, account_id: str) -> None:
        """Write ``last_used_at`` at most once a minute per account (it is shown in minutes)."""
        if self.call_cache.due_for_touch(account_id):
            await q.touch_account_last_used(self.db, account_id=account_id, now=self.clock.now())

    async def active_account(self, connection: ConnectionRow, account: AccountRow) -> AccountRow:
        """The account if it may act; otherwise ``AccountNotActiveError`` with a fresh link."""
        if account.status == AccountStatus.ACTIVE:
            return account
        raise await self._not_active(connection, account)

    async def _not_active(
        self, connection: ConnectionRow, account: AccountRow
    ) -> AccountNotActiveError:
        link = await self.authorization_link(connection, account)
        reason = {
            AccountStatus.PENDING_AUTH: "has not authorized yet",
            AccountStatus.PENDING_VERIFICATION: "is waiting for user verification",
            AccountStatus.EXPIRED: "was revoked or expired in Attio",
            AccountStatus.DISCONNECTED: "was disconnected",
        }.get(AccountStatus(account.status), "is not active")
        return AccountNotActiveError(
            f"The {connection.name!r} account of {account.identifier!r} {reason}; send the user "
            "the authorization link to reconnect.",
            status=account.status,
            authorization_link=link.link,
        )

    async def access_token(self, connection: ConnectionRow, account: AccountRow) -> str:
        cached = self.call_cache.token(account.id)
        if cached is not None and not _needs_refresh(cached.credential, self.clock.now()):
            return cached.token

        async def load() -> str:
            generation = self.call_cache.generation
            credential = await q.get_credential(self.db, account_id=account.id)
            if credential is None:
                raise await self._not_active(connection, account)
            if _needs_refresh(credential, self.clock.now()):
                return await self._refresh(connection, account)
            token = self.keyring.unseal(
                Sealed.from_text(credential.access_token_sealed),
                purpose=purposes.access_token(account.id),
            ).get_secret_value()
            self.call_cache.put_token(account.id, token, credential, generation=generation)
            return token

        return await self.call_cache.load_once(("token", account.id), load)

    @asynccontextmanager
    async def _refresh_lock(self, account_id: str) -> AsyncIterator[None]:
        """One refresh at a time per account: in this process, and across processes on Redis."""
        local = self._refresh_locks.setdefault(account_id, asyncio.Lock())
        async with local:
            if self._redis is None:
                yield
                return
            async with self._redis.lock(
                f"attio-gw:refresh:{account_id}", timeout=30, blocking_timeout=35
            ):
                yield

    async def _refresh(self, connection: ConnectionRow, account: AccountRow) -> str:
        async with self._refresh_lock(account.id):
            # Someone may have refreshed while we waited: read again.
            credential = await q.get_credential(self.db, account_id=account.id)
            if credential is None:
                raise await self._not_active(connection, account)
            if not _needs_refresh(credential, self.clock.now()):
                return self.keyring.unseal(
                    Sealed.from_text(credential.access_token_sealed),
                    purpose=purposes.access_token(account.id),
                ).get_secret_value()
            if not credential.refresh_token_sealed:
                expired = await self.mark_expired(account)
                raise await self._not_active(connection, expired)
            refresh_token = self.keyring.unseal(
                Sealed.from_text(credential.refresh_token_sealed),
                purpose=purposes.refresh_token(account.id),
            )
            try:
                grant = await flow.refresh_grant(
                    self.http,
                    token_url=connection.token_url,
                    client_id=connection.client_id,
                    client_secret=self._client_secret(connection),
                    refresh_token=refresh_token,
                    now=self.clock.now(),
                )
            except OAuthFlowError as exc:
                if exc.error in ("invalid_grant", "invalid_client"):
                    expired = await self.mark_expired(account)
                    raise await self._not_active(connection, expired) from exc
                raise
            now = self.clock.now()
            await q.put_credential(
                self.db,
                account_id=account.id,
                access_token_sealed=self.keyring.seal(
                    grant.access_token, purpose=purposes.access_token(account.id)
                ).to_text(),
                refresh_token_sealed=self.keyring.seal(
                    grant.refresh_token or refresh_token,
                    purpose=purposes.refresh_token(account.id),
                ).to_text(),
                expires_at=grant.expires_at,
                now=now,
            )
            await q.update_account(
                self.db, account_id=account.id, now=now, token_expires_at=grant.expires_at
            )
            await self.forget_cached()
            return grant.access_token.get_secret_value()

    async def mark_expired(self, account: AccountRow) -> AccountRow:
        expired = await q.update_account(
            self.db, account_id=account.id, now=self.clock.now(), status=AccountStatus.EXPIRED
        )
        await self.forget_cached()
        return expired

    def attio_client(self, connection: ConnectionRow, account: AccountRow) -> AttioClient:
        """An authenticated client for this account (token from the vault, shared limiter)."""
        assert self._limiter is not None

        async def token() -> str:
            return await self.access_token(connection, account)

        return AttioClient(
            token_provider=token,
            base_url=connection.api_base_url,
            rate_limiter=self._limiter,
            workspace_key=account.workspace_id or account.id,
            retry_policy=self._retry_policy,
            http=self.http,
        )

    async def check_revoked(self, connection: ConnectionRow, account: AccountRow) -> bool:
        """After a 401: ask the provider; a revoked token moves the account to EXPIRED."""
        credential = await q.get_credential(self.db, account_id=account.id)
        if credential is None:
            return True
        token = self.keyring.unseal(
            Sealed.from_text(credential.access_token_sealed),
            purpose=purposes.access_token(account.id),
        )
        if await self._introspect(connection, token) is None:
            await self.mark_expired(account)
            return True
        return False

    # --- the proxy ------------------------------------------------------------------------

    async def proxy_request(
        self,
        *,
        connection_name: str | None,
        identifier: str | None,
        path: str,
        method: str = "GET",
        query_params: dict[str, Any] | None = None,
        json: Any = None,
        form_data: dict[str, Any] | None = None,
        raw_body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        connected_account_id: str | None = None,
    ) -> ProxyResponse:
        # Refused before anything is sent: a path outside /v2/, headers the gateway owns.
        method, path, headers = check_outgoing(method=method, path=path, headers=headers, json=json)
        connection, account = await self.account_for_call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        started = time.perf_counter()
        client = self.attio_client(connection, account)
        outcome, status, error_code, request_id = "error", None, None, None
        try:
            response = await client.request(
                method,
                path,
                params=query_params,
                json=json,
                data=form_data,
                content=raw_body.encode() if isinstance(raw_body, str) else raw_body,
                headers=headers,
            )
            status = response.status_code
            request_id = response.headers.get("x-request-id")
            if status == 401:
                # The token may have been replaced or revoked elsewhere. Only this process:
                # a revocation found below is announced by mark_expired.
                self.call_cache.forget()
            revoked = status == 401 and await self.check_revoked(connection, account)
            if not revoked and _says_inactive(connection, path, response):
                # A revoked token still answers /v2/self with 200 {"active": false}.
                await self.mark_expired(account)
                revoked = True
            if revoked:
                error_code = "account_expired"
                refreshed = await q.get_account(self.db, account_id=account.id)
                raise await self._not_active(connection, refreshed or account)
            outcome = "success" if response.is_success else "error"
            await self.touch_last_used(account.id)
            return ProxyResponse(response)
        except GatewayError as exc:
            error_code = error_code or exc.code
            raise
        finally:
            # Not awaited: the proxied call would otherwise wait for a commit (see auditlog).
            await self.audit(
                wait=False,
                kind="proxy",
                outcome=outcome,
                connection_name=connection.name,
                identifier=account.identifier,
                method=method.upper(),
                path=path,
                http_status=status,
                duration_ms=int((time.perf_counter() - started) * 1000),
                error_code=error_code,
                request_id=request_id,
            )

    async def audit(self, *, wait: bool = True, **fields: Any) -> str:
        """Record one audit event (never tokens, never bodies); returns its id. With
        ``wait=False`` it is only queued (stored within ~50 ms, never dropped)."""
        event_id = fields.pop("event_id", None) or q.new_id()
        event = AuditEventRow(event_id=event_id, at=self.clock.now(), **fields)
        if self._audit_writer is None:
            raise ConfigurationError("The gateway is not open.")
        await self._audit_writer.put(event, wait=wait)
        return event_id

    async def audit_events(self, **filters: Any) -> list[models.AuditEvent]:
        if self._audit_writer is not None:
            await self._audit_writer.flush()  # this process always reads its own events
        rows = await q.list_audit_events(self.db, **filters)
        return [
            models.AuditEvent(**{k: getattr(r, k) for k in models.AuditEvent.model_fields})
            for r in rows
        ]

    async def revoke_at_provider(self, connection: ConnectionRow, account: AccountRow) -> None:
        """Best effort: tell the provider to revoke the account's token (Attio's /oauth/revoke)."""
        credential = await q.get_credential(self.db, account_id=account.id)
        if credential is None or grants.revoke_url(connection) is None:
            return
        token = self.keyring.unseal(
            Sealed.from_text(credential.access_token_sealed),
            purpose=purposes.access_token(account.id),
        )
        await grants.revoke(self, connection, token)

    async def keep_account_secret(self, account: AccountRow, name: str, secret: str) -> None:
        """Seal and keep a secret the provider shows once (a webhook's signing secret)."""
        sealed = self.keyring.seal(
            secret, purpose=purposes.account_secret(f"{account.id}|{name}")
        ).to_text()
        await q.put_account_secret(
            self.db, account_id=account.id, name=name, secret_sealed=sealed, now=self.clock.now()
        )

    async def account_secret(
        self, name: str, *, identifier: str, connection_name: str | None = None
    ) -> SecretStr:
        """A kept secret, e.g. ``webhook:<webhook_id>`` to verify ``Attio-Signature``."""
        _, account = await self.find_account(connection_name=connection_name, identifier=identifier)
        sealed = await q.get_account_secret(self.db, account_id=account.id, name=name)
        if sealed is None:
            raise NotFoundError(f"No secret {name!r} is kept for {identifier!r}.")
        return self.keyring.unseal(
            Sealed.from_text(sealed), purpose=purposes.account_secret(f"{account.id}|{name}")
        )

    def schema_cache(self, workspace_key: str) -> dict[str, Any]:
        """The workspace schema cache the tools share (per workspace, per process)."""
        return self._schema_caches.setdefault(workspace_key, {})

    @staticmethod
    def new_execution_id() -> str:
        return secrets.token_hex(12)


__all__ = ["AsyncGateway", "UpstreamError"]
