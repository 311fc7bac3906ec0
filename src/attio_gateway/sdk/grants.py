"""Authorization requests after the link: grants parked until the app verifies the user,
the verification deadline, and the purge of requests past their deadline.

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
from typing import TYPE_CHECKING

from pydantic import SecretStr

from attio_gateway.errors import GatewayError, OAuthFlowError, VaultError
from attio_gateway.oauth import flow
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuthorizationRequestRow, ConnectionRow
from attio_gateway.vault import purposes

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

logger = logging.getLogger(__name__)

#: How long the app has, after the user came back from Attio, to verify the user.
VERIFICATION_TTL = timedelta(minutes=10)
#: Least time between two purges started by link creation, per process (seconds).
PURGE_INTERVAL = 60.0
#: Most requests one purge run deletes.
PURGE_BATCH = 100


def code_verifier(gateway: AsyncGateway, request: AuthorizationRequestRow) -> str | None:
    """The PKCE verifier kept for the request; a clear OAuth error (4xx) if the vault can
    no longer open it."""
    if not request.code_verifier_sealed:
        return None
    try:
        return gateway.keyring.unseal_text(
            request.code_verifier_sealed, purpose=purposes.code_verifier(request.state)
        ).get_secret_value()
    except VaultError as exc:
        raise OAuthFlowError(
            "invalid_request",
            f"This authorization link can no longer be completed ({exc.message}). "
            "Ask the app for a new link.",
        ) from exc


def parked_grant(gateway: AsyncGateway, request: AuthorizationRequestRow) -> flow.TokenGrant:
    """The grant parked on the request, unsealed. Raises ``VaultError`` when it cannot be
    opened (the key that sealed it was removed, or the row was tampered with)."""
    pending = request.pending_grant or {}
    if request.pending_token_sealed is None:
        raise OAuthFlowError("invalid_request", "No grant is parked on this authorization.")
    refresh = pending.get("refresh_token_sealed")
    expires_at = pending.get("expires_at")
    return flow.TokenGrant(
        access_token=gateway.keyring.unseal_text(
            request.pending_token_sealed, purpose=purposes.pending_token(request.state)
        ),
        refresh_token=gateway.keyring.unseal_text(
            refresh, purpose=purposes.pending_refresh_token(request.state)
        )
        if refresh
        else None,
        expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
    )


async def open_claimed(gateway: AsyncGateway, request: AuthorizationRequestRow) -> flow.TokenGrant:
    """``parked_grant`` of a request just claimed for verification. One the vault cannot
    open is dropped and refused with a clear OAuth error (a 4xx, never a 5xx)."""
    try:
        return parked_grant(gateway, request)
    except VaultError as exc:
        await q.discard_pending_grant(gateway.db, state=request.state)
        raise OAuthFlowError(
            "invalid_grant",
            f"The grant waiting for verification can no longer be opened ({exc.message}). "
            "Ask the user to authorize again.",
        ) from exc


def revoke_url(connection: ConnectionRow) -> str | None:
    """Attio's revocation endpoint beside the connection's token URL; ``None`` if the token
    URL does not look like Attio's."""
    if not connection.token_url.endswith("/oauth/token"):
        return None
    return connection.token_url.removesuffix("/oauth/token") + "/oauth/revoke"


async def revoke(gateway: AsyncGateway, connection: ConnectionRow, token: SecretStr) -> bool:
    """Best effort: ask the provider to revoke ``token``; ``False`` if it could not be told."""
    url = revoke_url(connection)
    if url is None:
        return False
    return await flow.revoke_token(gateway.http, revoke_url=url, token=token)


async def burn(gateway: AsyncGateway, request: AuthorizationRequestRow) -> None:
    """Revoke the grant parked on ``request`` at the provider (its access and refresh
    tokens) and drop its sealed copy. A grant the vault cannot open is only dropped."""
    try:
        grant = parked_grant(gateway, request)
    except (VaultError, OAuthFlowError) as exc:
        logger.warning(
            "The grant parked on an authorization request could not be opened to revoke it "
            "(%s); dropping it.",
            exc.message,
        )
        grant = None
    if grant is not None:
        connection = await q.get_connection(gateway.db, connection_id=request.connection_id)
        if connection is not None:
            for token in (grant.access_token, grant.refresh_token):
                if token is not None and not await revoke(gateway, connection, token):
                    logger.warning(
                        "The provider of connection %r could not be told to revoke a refused "
                        "grant's token.",
                        connection.name,
                    )
    await q.discard_pending_grant(gateway.db, state=request.state)


async def purge(gateway: AsyncGateway, *, now: datetime) -> int:
    """Delete up to ``PURGE_BATCH`` requests past their deadline, revoking first any grant
    still parked on one and never verified. Returns how many were deleted here."""
    purged = 0
    for request in await q.list_expired_authorization_requests(
        gateway.db, now=now, limit=PURGE_BATCH
    ):
        if not await q.delete_expired_authorization_request(
            gateway.db, state=request.state, now=now
        ):
            continue  # another process purged it
        purged += 1
        if request.pending_token_sealed is not None and request.verified_at is None:
            await burn(gateway, request)
    return purged


async def purge_if_due(gateway: AsyncGateway, *, now: datetime) -> None:
    """``purge`` unless this process ran one less than ``PURGE_INTERVAL`` ago. Never
    raises: a failed purge is logged and tried again next time."""
    moment = gateway.clock.monotonic()
    if moment < gateway.next_purge:
        return
    gateway.next_purge = moment + PURGE_INTERVAL
    try:
        purged = await purge(gateway, now=now)
    except GatewayError as exc:
        logger.warning("Purging expired authorization requests failed: %s", exc.message)
        return
    if purged:
        logger.info("Purged %d expired authorization request(s).", purged)
