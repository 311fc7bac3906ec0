"""Per-user session tokens: a bearer token the gateway issues that binds an MCP (or other
front-end) session to one connected account. Only a SHA-256 of the token is stored; the
token itself is shown once, like the hosted service's ``create_session_token``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from attio_gateway.errors import ToolInputError
from attio_gateway.sdk.models import _Model
from attio_gateway.storage import queries as q

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "DEFAULT_SESSION_TTL",
    "SessionToken",
    "create_session_token",
    "revoke_session_token",
    "verify_session_token",
]

DEFAULT_SESSION_TTL = timedelta(hours=24)
#: Recognisable in logs and secret scanners; the random part carries 256 bits.
TOKEN_PREFIX = "agst_"


class SessionToken(_Model):
    token: str
    connected_account_id: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_session_token(
    gateway: AsyncGateway,
    *,
    identifier: str | None = None,
    connection_name: str | None = None,
    connected_account_id: str | None = None,
    ttl: timedelta = DEFAULT_SESSION_TTL,
) -> SessionToken:
    """Issue a token that acts as one connected account until ``ttl`` passes or it is revoked.

    The account need not be ACTIVE yet: a tool call made with the token answers with the
    authorization link until the user connects.

    Raises:
        NotFoundError: no such connection or connected account.
        ToolInputError: ``ttl`` is not positive.
    """
    if ttl <= timedelta(0):
        raise ToolInputError("ttl must be positive.", field="ttl")
    _, account = await gateway.find_account(
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = gateway.clock.now()
    row = await q.create_session_token(
        gateway.db, token_hash=_hash(token), account_id=account.id, now=now, expires_at=now + ttl
    )
    return SessionToken(token=token, connected_account_id=account.id, expires_at=row.expires_at)


async def verify_session_token(gateway: AsyncGateway, token: str) -> SessionToken | None:
    """The token's binding if it is known, unexpired and unrevoked; otherwise ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = await q.get_session_token(gateway.db, token_hash=_hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= gateway.clock.now():
        return None
    return SessionToken(token=token, connected_account_id=row.account_id, expires_at=row.expires_at)


async def revoke_session_token(gateway: AsyncGateway, token: str) -> bool:
    """Revoke the token at once; ``False`` when it was unknown or already revoked."""
    return await q.revoke_session_token(
        gateway.db, token_hash=_hash(token), now=gateway.clock.now()
    )
