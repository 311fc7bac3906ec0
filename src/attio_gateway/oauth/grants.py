"""Authorization requests after the link: grants parked until the app verifies the user,
the verification deadline, revocation at the provider, and the purge of requests past
their deadline.

A grant parked by the callback waits, sealed, on its authorization request for at most
``VERIFICATION_TTL``. A grant that is refused (verified for another user: burnt), comes
too late, or is never verified is revoked at the provider (Attio's ``/oauth/revoke``,
best effort) and its sealed tokens are dropped; the request row itself is deleted once
its deadline has passed.

The purge has no scheduler of its own: it runs when a gateway opens (``attio-gateway
serve`` and each of its workers, the SDK, the CLI) and, at most once per
``PURGE_INTERVAL`` in each process, when an authorization link is created — the moment
new requests appear. Each run handles up to ``PURGE_BATCH`` requests; the next run takes
the rest. Several processes may purge at once: each request is deleted (and its grant
revoked) by exactly one of them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from attio_gateway.clock import Clock
from attio_gateway.errors import GatewayError, OAuthFlowError, VaultError
from attio_gateway.oauth import flow
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuthorizationRequestRow, ConnectionRow
from attio_gateway.vault.credentials import Credentials, SealedTokens, Tokens

__all__ = [
    "PURGE_BATCH",
    "PURGE_INTERVAL",
    "VERIFICATION_TTL",
    "Grants",
    "revoke_url",
]

logger = logging.getLogger(__name__)

#: How long the app has, after the user came back from Attio, to verify the user.
VERIFICATION_TTL = timedelta(minutes=10)
#: Least time between two purges started by link creation, per process (seconds).
PURGE_INTERVAL = 60.0
#: Most requests one purge run deletes.
PURGE_BATCH = 100


def revoke_url(connection: ConnectionRow) -> str | None:
    """Attio's revocation endpoint beside the connection's token URL; ``None`` if the token
    URL does not look like Attio's."""
    if not connection.token_url.endswith("/oauth/token"):
        return None
    return connection.token_url.removesuffix("/oauth/token") + "/oauth/revoke"


class Grants:
    """Parked grants and the provider's revocation endpoint, for one gateway process."""

    def __init__(
        self, *, db: Database, credentials: Credentials, http: httpx.AsyncClient, clock: Clock
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._http = http
        self._clock = clock
        #: ``clock.monotonic()`` from which ``purge_if_due`` runs again; 0: at once.
        self.next_purge = 0.0

    # --- parking ---------------------------------------------------------------------------

    async def park(self, state: str, grant: flow.TokenGrant, info: flow.Introspection) -> None:
        """Keep ``grant`` sealed on its request until the user is verified, for at most
        ``VERIFICATION_TTL`` from now."""
        sealed = self._credentials.seal_parked(
            state, Tokens(grant.access_token, grant.refresh_token)
        )
        await q.hold_pending_grant(
            self._db,
            state=state,
            pending_token_sealed=sealed.access_token_sealed,
            pending_grant={
                "refresh_token_sealed": sealed.refresh_token_sealed,
                "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
                "info": info.__dict__,
            },
            expires_at=self._clock.now() + VERIFICATION_TTL,
        )

    def code_verifier(self, request: AuthorizationRequestRow) -> str | None:
        """The PKCE verifier kept for the request.

        Raises:
            OAuthFlowError: the vault can no longer open it (a 4xx naming the cause).
        """
        try:
            verifier = self._credentials.code_verifier(request)
        except VaultError as exc:
            raise OAuthFlowError(
                "invalid_request",
                f"This authorization link can no longer be completed ({exc.message}). "
                "Ask the app for a new link.",
            ) from exc
        return verifier.get_secret_value() if verifier is not None else None

    def parked(self, request: AuthorizationRequestRow) -> flow.TokenGrant:
        """The grant parked on the request, unsealed.

        Raises:
            OAuthFlowError: no grant is parked on it.
            VaultError: it cannot be opened (the key that sealed it was removed, or the
                row was tampered with).
        """
        pending = request.pending_grant or {}
        if request.pending_token_sealed is None:
            raise OAuthFlowError("invalid_request", "No grant is parked on this authorization.")
        tokens = self._credentials.parked(
            request.state,
            SealedTokens(request.pending_token_sealed, pending.get("refresh_token_sealed")),
        )
        expires_at = pending.get("expires_at")
        return flow.TokenGrant(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
        )

    async def open_claimed(self, request: AuthorizationRequestRow) -> flow.TokenGrant:
        """``parked`` of a request just claimed for verification.

        Raises:
            OAuthFlowError: the vault cannot open it; the grant is dropped (a 4xx).
        """
        try:
            return self.parked(request)
        except VaultError as exc:
            await q.discard_pending_grant(self._db, state=request.state)
            raise OAuthFlowError(
                "invalid_grant",
                f"The grant waiting for verification can no longer be opened ({exc.message}). "
                "Ask the user to authorize again.",
            ) from exc

    # --- revocation at the provider --------------------------------------------------------

    async def revoke(self, connection: ConnectionRow, token: SecretStr) -> bool:
        """Best effort: ask the provider to revoke ``token``; ``False`` if it could not be
        told."""
        url = revoke_url(connection)
        if url is None:
            return False
        return await flow.revoke_token(self._http, revoke_url=url, token=token)

    async def burn(self, request: AuthorizationRequestRow) -> None:
        """Revoke the grant parked on ``request`` at the provider (its access and refresh
        tokens) and drop its sealed copy. A grant the vault cannot open is only dropped."""
        grant: flow.TokenGrant | None
        try:
            grant = self.parked(request)
        except (VaultError, OAuthFlowError) as exc:
            logger.warning(
                "The grant parked on an authorization request could not be opened to revoke "
                "it (%s); dropping it.",
                exc.message,
            )
            grant = None
        if grant is not None:
            connection = await q.get_connection(self._db, connection_id=request.connection_id)
            if connection is not None:
                for token in (grant.access_token, grant.refresh_token):
                    if token is not None and not await self.revoke(connection, token):
                        logger.warning(
                            "The provider of connection %r could not be told to revoke a "
                            "refused grant's token.",
                            connection.name,
                        )
        await q.discard_pending_grant(self._db, state=request.state)

    # --- the purge -------------------------------------------------------------------------

    async def purge(self) -> int:
        """Delete up to ``PURGE_BATCH`` requests past their deadline, revoking first any
        grant still parked on one and never verified. Returns how many were deleted here."""
        now = self._clock.now()
        purged = 0
        for request in await q.list_expired_authorization_requests(
            self._db, now=now, limit=PURGE_BATCH
        ):
            if not await q.delete_expired_authorization_request(
                self._db, state=request.state, now=now
            ):
                continue  # another process purged it
            purged += 1
            if request.pending_token_sealed is not None and request.verified_at is None:
                await self.burn(request)
        return purged

    async def purge_if_due(self) -> None:
        """``purge`` unless this process ran one less than ``PURGE_INTERVAL`` ago. Never
        raises: a failed purge is logged and tried again next time."""
        moment = self._clock.monotonic()
        if moment < self.next_purge:
            return
        self.next_purge = moment + PURGE_INTERVAL
        try:
            purged = await self.purge()
        except GatewayError as exc:
            logger.warning("Purging expired authorization requests failed: %s", exc.message)
            return
        if purged:
            logger.info("Purged %d expired authorization request(s).", purged)
