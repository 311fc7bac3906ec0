"""``Lifecycle``: a connected account's life in OAuth, from the link to revocation.

authorization link (state + PKCE, single use, ``AUTHORIZATION_TTL``) → callback (state
checked, code exchanged, token introspected) → [grant parked until the app verifies the
user, see ``oauth.grants``] → activation (tokens sealed, account ``ACTIVE``) → tokens in
use (refreshed early, once, under a lock that holds across processes on Redis) → revoked
(a 401 or an introspection answering ``active: false``: ``EXPIRED``, and every later call
fails fast with a fresh link).

``revoked`` is the one revocation path: the proxy and the tools both ask it after Attio
refuses a token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis
from pydantic import SecretStr

from attio_gateway.clock import Clock
from attio_gateway.errors import AccountNotActiveError, NotFoundError, OAuthFlowError
from attio_gateway.oauth import flow
from attio_gateway.oauth.grants import Grants, revoke_url
from attio_gateway.oauth.provider import PROVIDERS
from attio_gateway.oauth.states import AccountStatus
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, ConnectionRow, CredentialRow
from attio_gateway.vault.credentials import Credentials, Tokens

__all__ = [
    "AUTHORIZATION_TTL",
    "REFRESH_MARGIN",
    "Callback",
    "IssuedLink",
    "Lifecycle",
]

AUTHORIZATION_TTL = timedelta(minutes=10)
#: Refresh expiring tokens this long before they expire.
REFRESH_MARGIN = timedelta(minutes=2)

#: Called after this process changed an account or its tokens (drop the caches).
OnChange = Callable[[], Awaitable[None]]
#: Picks the account a parked grant activates, from what the provider said of it.
AccountFor = Callable[[ConnectionRow, "flow.Introspection"], Awaitable[AccountRow | None]]

_WHY_NOT_ACTIVE = {
    AccountStatus.PENDING_AUTH: "has not authorized yet",
    AccountStatus.PENDING_VERIFICATION: "is waiting for user verification",
    AccountStatus.EXPIRED: "was revoked or expired in Attio",
    AccountStatus.DISCONNECTED: "was disconnected",
}


@dataclass(frozen=True)
class IssuedLink:
    url: str
    expiry: datetime


@dataclass(frozen=True)
class Callback:
    """What the callback did: the account's status and, with user verification, where to
    send the user next (the app's verification page)."""

    connection_name: str
    identifier: str
    status: AccountStatus
    redirect_url: str | None
    workspace_name: str | None


def redirect_uri(base_url: str, connection_id: str) -> str:
    """The callback URL to register on the provider's OAuth app."""
    return f"{base_url.rstrip('/')}/sso/v1/oauth/{connection_id}/callback"


class Lifecycle:
    """The OAuth lifecycle of connected accounts, for one gateway process."""

    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        http: httpx.AsyncClient,
        clock: Clock,
        base_url: str,
        on_change: OnChange,
        redis: aioredis.Redis | None = None,
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._http = http
        self._clock = clock
        self._base_url = base_url.rstrip("/")
        self._on_change = on_change
        self._redis = redis
        self._refresh_locks: dict[str, asyncio.Lock] = {}
        self.grants = Grants(db=db, credentials=credentials, http=http, clock=clock)

    def redirect_uri(self, connection_id: str) -> str:
        return redirect_uri(self._base_url, connection_id)

    async def _connection(self, connection_id: str) -> ConnectionRow:
        row = await q.get_connection(self._db, connection_id=connection_id)
        if row is None:
            known = [c.name for c in await q.list_connections(self._db)]
            raise NotFoundError(f"No connection named {connection_id!r}; known: {known or 'none'}.")
        return row

    async def connection_of_request(self, state: str) -> ConnectionRow | None:
        """The connection an authorization request belongs to; ``None`` for an unknown
        request (or a connection deleted since)."""
        request = await q.get_authorization_request(self._db, state=state)
        if request is None:
            return None
        return await q.get_connection(self._db, connection_id=request.connection_id)

    # --- the link and the callback ---------------------------------------------------------

    async def authorization_link(
        self,
        connection: ConnectionRow,
        account: AccountRow,
        *,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> IssuedLink:
        """A single-use link, valid ``AUTHORIZATION_TTL``, bound to this account."""
        await self.grants.purge_if_due()
        spec = PROVIDERS[connection.provider]
        request_state = flow.new_state()
        verifier, challenge = flow.pkce_pair() if spec.supports_pkce else (None, None)
        now = self._clock.now()
        expiry = now + AUTHORIZATION_TTL
        await q.save_authorization_request(
            self._db,
            state=request_state,
            connection_id=connection.id,
            account_id=account.id,
            identifier=account.identifier,
            code_verifier_sealed=self._credentials.seal_code_verifier(request_state, verifier)
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
        return IssuedLink(url=link, expiry=expiry)

    async def handle_callback(self, connection_id: str, params: dict[str, str]) -> Callback:
        """The provider redirected the user back: check state, exchange code, activate (or
        park the grant until the app verifies the user).

        Raises:
            OAuthFlowError: no or unknown state, an error from the provider, a refused
                exchange, or a token the provider reports inactive.
            NotFoundError: the connection was deleted.
        """
        state = params.get("state")
        if not state:
            raise OAuthFlowError("invalid_request", "The callback has no state parameter.")
        request = await q.consume_authorization_request(
            self._db, state=state, now=self._clock.now()
        )
        if request is None:
            raise OAuthFlowError(
                "invalid_state",
                "This authorization link is unknown, was already used, or has expired. "
                "Ask the app for a new link.",
            )
        if request.connection_id != connection_id:
            raise OAuthFlowError("invalid_state", "The state belongs to another connection.")
        connection = await self._connection(connection_id)
        if params.get("error"):
            raise OAuthFlowError(params["error"], params.get("error_description"))
        code = params.get("code")
        if not code:
            raise OAuthFlowError("invalid_request", "The callback has no code parameter.")
        verifier = self.grants.code_verifier(request)
        grant = await flow.exchange_code(
            self._http,
            token_url=connection.token_url,
            client_id=connection.client_id,
            client_secret=self._credentials.client_secret(connection),
            code=code,
            redirect_uri=self.redirect_uri(connection.id),
            code_verifier=verifier,
            now=self._clock.now(),
        )
        info = await self.introspect(connection, grant.access_token)
        if info is None:
            raise OAuthFlowError("invalid_grant", "The provider reports the new token inactive.")
        account = await q.get_account(self._db, account_id=request.account_id)
        if account is None:
            raise OAuthFlowError("invalid_state", "The account of this link was deleted.")
        redirect_url = None
        if request.user_verify_url:
            await self.grants.park(state, grant, info)
            if account.status != AccountStatus.ACTIVE:
                account = await q.update_account(
                    self._db,
                    account_id=account.id,
                    now=self._clock.now(),
                    status=AccountStatus.PENDING_VERIFICATION,
                )
            query = {"auth_request_id": state, "identifier": account.identifier}
            if request.redirect_after:
                query["state"] = request.redirect_after
            separator = "&" if "?" in request.user_verify_url else "?"
            redirect_url = f"{request.user_verify_url}{separator}{urlencode(query)}"
        else:
            account = await self._activate(account, grant, info)
        return Callback(
            connection_name=connection.name,
            identifier=account.identifier,
            status=AccountStatus(account.status),
            redirect_url=redirect_url,
            workspace_name=info.workspace_name,
        )

    # --- user verification -----------------------------------------------------------------

    async def verify_user(self, auth_request_id: str, identifier: str) -> str:
        """The app confirms who completed the authorization; only then is the grant used.
        Returns the page to send the user to.

        The grant is claimed once. Claimed for another user than the link was sent to (a
        forwarded link) or after its deadline (``grants.VERIFICATION_TTL`` after the
        callback), it is burnt: revoked at the provider, its sealed tokens dropped.

        Raises:
            NotFoundError: no such authorization request, or its account was deleted.
            OAuthFlowError: nothing waits for verification under this id, the user is not
                the one the link was sent to, or the deadline passed.
        """
        await self.activate_parked(auth_request_id, identifier)
        return f"{self._base_url}/sso/v1/oauth/done"

    async def activate_parked(
        self,
        auth_request_id: str,
        identifier: str,
        *,
        account_for: AccountFor | None = None,
    ) -> AccountRow:
        """Claim the grant parked under ``auth_request_id`` (the checks of ``verify_user``)
        and activate the account of the link, or the one ``account_for`` picks from what
        the provider said of the grant (its workspace and member). Returns that account.

        Raises:
            NotFoundError: no such authorization request, or its account was deleted.
            OAuthFlowError: as ``verify_user``.
        """
        request = await q.get_authorization_request(self._db, state=auth_request_id)
        if request is None:
            raise NotFoundError(f"No authorization request {auth_request_id!r}.")
        now = self._clock.now()
        claimed = await q.claim_pending_grant(self._db, state=auth_request_id, now=now)
        if claimed is None or claimed.pending_token_sealed is None or not claimed.pending_grant:
            raise OAuthFlowError(
                "invalid_request", "No authorization is waiting for verification under this id."
            )
        if request.identifier != identifier:
            # The grant is burnt: a forwarded link never binds someone else's workspace.
            await self.grants.burn(claimed)
            raise OAuthFlowError(
                "access_denied",
                "The user who completed this authorization is not the user it was sent to; "
                "the grant was revoked.",
            )
        if claimed.expires_at <= now:
            await self.grants.burn(claimed)
            raise OAuthFlowError(
                "invalid_grant",
                f"The deadline to verify this user passed at {claimed.expires_at.isoformat()}; "
                "the grant was revoked. Ask the user to authorize again.",
            )
        grant = await self.grants.open_claimed(claimed)
        info = flow.Introspection(**claimed.pending_grant["info"])
        if account_for is not None:
            account: AccountRow | None = await account_for(
                await self._connection(request.connection_id), info
            )
        else:
            account = await q.get_account(self._db, account_id=request.account_id)
        if account is None:
            await self.grants.burn(claimed)
            raise NotFoundError("The account of this authorization was deleted.")
        activated = await self._activate(account, grant, info)
        # The tokens now live in the account's credentials; the parked copy goes.
        await q.discard_pending_grant(self._db, state=auth_request_id)
        return activated

    # --- activation ------------------------------------------------------------------------

    async def _store_tokens(
        self, account_id: str, tokens: Tokens, expires_at: datetime | None, now: datetime
    ) -> None:
        sealed = self._credentials.seal_tokens(account_id, tokens)
        await q.put_credential(
            self._db,
            account_id=account_id,
            access_token_sealed=sealed.access_token_sealed,
            refresh_token_sealed=sealed.refresh_token_sealed,
            expires_at=expires_at,
            now=now,
        )

    async def _activate(
        self, account: AccountRow, grant: flow.TokenGrant, info: flow.Introspection
    ) -> AccountRow:
        now = self._clock.now()
        await self._store_tokens(
            account.id, Tokens(grant.access_token, grant.refresh_token), grant.expires_at, now
        )
        activated = await q.update_account(
            self._db,
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
        await self._on_change()  # a new token, maybe a new workspace
        return activated

    async def introspect(
        self, connection: ConnectionRow, token: SecretStr
    ) -> flow.Introspection | None:
        """What the provider says of ``token``; ``None`` when it is no longer active.

        Raises:
            OAuthFlowError: the provider could not be asked.
        """
        spec = PROVIDERS[connection.provider]
        return await flow.introspect(
            self._http, api_base_url=connection.api_base_url, path=spec.introspect_path, token=token
        )

    async def import_token(
        self, connection: ConnectionRow, account: AccountRow, access_token: SecretStr
    ) -> AccountRow:
        """Activate an account with a token the app already holds (checked first).

        Raises:
            OAuthFlowError: the provider reports the token inactive.
        """
        info = await self.introspect(connection, access_token)
        if info is None:
            raise OAuthFlowError("invalid_grant", "The provider reports this token inactive.")
        return await self._activate(account, flow.TokenGrant(access_token, None, None), info)

    # --- may it act? -----------------------------------------------------------------------

    async def active(self, connection: ConnectionRow, account: AccountRow) -> AccountRow:
        """The account if it may act.

        Raises:
            AccountNotActiveError: it may not, with a fresh authorization link.
        """
        if account.status == AccountStatus.ACTIVE:
            return account
        raise await self.not_active(connection, account)

    async def not_active(
        self, connection: ConnectionRow, account: AccountRow
    ) -> AccountNotActiveError:
        """The error for an account that may not act, carrying a fresh link."""
        link = await self.authorization_link(connection, account)
        reason = _WHY_NOT_ACTIVE.get(AccountStatus(account.status), "is not active")
        return AccountNotActiveError(
            f"The {connection.name!r} account of {account.identifier!r} {reason}; send the user "
            "the authorization link to reconnect.",
            status=account.status,
            authorization_link=link.url,
        )

    # --- tokens in use ---------------------------------------------------------------------

    def needs_refresh(self, credential: CredentialRow) -> bool:
        """Refresh early: ``REFRESH_MARGIN`` before expiry, or halfway through a shorter life
        (so a token that lives one minute is not refreshed on every call)."""
        if credential.expires_at is None:
            return False
        margin = min(REFRESH_MARGIN, (credential.expires_at - credential.updated_at) / 2)
        return credential.expires_at - margin <= self._clock.now()

    async def access_token(
        self, connection: ConnectionRow, account: AccountRow
    ) -> tuple[str, CredentialRow | None]:
        """The account's access token, refreshed first when it is about to expire; with the
        credential it came from when it may be cached as it is (``None``: just refreshed).

        Raises:
            AccountNotActiveError: no token, or the provider refused to refresh it.
        """
        credential = await q.get_credential(self._db, account_id=account.id)
        if credential is None:
            raise await self.not_active(connection, account)
        if self.needs_refresh(credential):
            return await self._refresh(connection, account), None
        return self._credentials.access_token(credential).get_secret_value(), credential

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
            credential = await q.get_credential(self._db, account_id=account.id)
            if credential is None:
                raise await self.not_active(connection, account)
            if not self.needs_refresh(credential):
                return self._credentials.access_token(credential).get_secret_value()
            refresh_token = self._credentials.refresh_token(credential)
            if refresh_token is None:
                expired = await self.mark_expired(account)
                raise await self.not_active(connection, expired)
            try:
                grant = await flow.refresh_grant(
                    self._http,
                    token_url=connection.token_url,
                    client_id=connection.client_id,
                    client_secret=self._credentials.client_secret(connection),
                    refresh_token=refresh_token,
                    now=self._clock.now(),
                )
            except OAuthFlowError as exc:
                if exc.error in ("invalid_grant", "invalid_client"):
                    expired = await self.mark_expired(account)
                    raise await self.not_active(connection, expired) from exc
                raise
            now = self._clock.now()
            await self._store_tokens(
                account.id,
                Tokens(grant.access_token, grant.refresh_token or refresh_token),
                grant.expires_at,
                now,
            )
            await q.update_account(
                self._db, account_id=account.id, now=now, token_expires_at=grant.expires_at
            )
            await self._on_change()
            return grant.access_token.get_secret_value()

    # --- revocation ------------------------------------------------------------------------

    async def mark_expired(self, account: AccountRow) -> AccountRow:
        expired = await q.update_account(
            self._db, account_id=account.id, now=self._clock.now(), status=AccountStatus.EXPIRED
        )
        await self._on_change()
        return expired

    async def revoked(
        self, connection: ConnectionRow, account: AccountRow, *, said_inactive: bool = False
    ) -> AccountNotActiveError | None:
        """Attio refused the account's token (a 401), or answered that it is inactive
        (``said_inactive``: a revoked token still gets 200 ``{"active": false}`` from
        ``/v2/self``). After a 401 the provider is asked; a revoked token moves the account
        to ``EXPIRED``. Returns the error to raise instead of the answer (with a fresh
        link), or ``None`` when the token is still good.

        Raises:
            OAuthFlowError: the provider could not be asked.
        """
        if said_inactive:
            await self.mark_expired(account)
        else:
            credential = await q.get_credential(self._db, account_id=account.id)
            if credential is not None:
                token = self._credentials.access_token(credential)
                if await self.introspect(connection, token) is not None:
                    return None
                await self.mark_expired(account)
        current = await q.get_account(self._db, account_id=account.id)
        return await self.not_active(connection, current or account)

    async def revoke_at_provider(self, connection: ConnectionRow, account: AccountRow) -> None:
        """Best effort: tell the provider to revoke the account's token (Attio's
        ``/oauth/revoke``); nothing is raised when it cannot be told."""
        credential = await q.get_credential(self._db, account_id=account.id)
        if credential is None or revoke_url(connection) is None:
            return
        await self.grants.revoke(connection, self._credentials.access_token(credential))
