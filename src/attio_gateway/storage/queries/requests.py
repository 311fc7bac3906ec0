"""Authorization requests: state and PKCE verifier, single use, parked grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from attio_gateway.storage.database import Database
from attio_gateway.storage.records import (
    AuthorizationRequestRow,
)
from attio_gateway.storage.tables import (
    authorization_requests,
)

__all__ = [
    "claim_pending_grant",
    "consume_authorization_request",
    "delete_expired_authorization_request",
    "discard_pending_grant",
    "get_authorization_request",
    "hold_pending_grant",
    "list_expired_authorization_requests",
    "save_authorization_request",
]

# --- authorization requests --------------------------------------------------------------


async def save_authorization_request(
    db: Database,
    *,
    state: str,
    connection_id: str,
    account_id: str,
    identifier: str,
    code_verifier_sealed: str | None,
    user_verify_url: str | None,
    redirect_after: str | None,
    now: datetime,
    expires_at: datetime,
) -> AuthorizationRequestRow:
    values: dict[str, Any] = {
        "state": state,
        "connection_id": connection_id,
        "account_id": account_id,
        "identifier": identifier,
        "code_verifier_sealed": code_verifier_sealed,
        "user_verify_url": user_verify_url,
        "redirect_after": redirect_after,
        "created_at": now,
        "expires_at": expires_at,
        "used_at": None,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(authorization_requests).values(**values))
    return AuthorizationRequestRow(**values)


async def get_authorization_request(db: Database, *, state: str) -> AuthorizationRequestRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(authorization_requests).where(authorization_requests.c.state == state)
            )
        ).first()
    return AuthorizationRequestRow(**row._asdict()) if row else None


async def consume_authorization_request(
    db: Database, *, state: str, now: datetime
) -> AuthorizationRequestRow | None:
    """Mark the request used and return it — once. Unknown, used or expired: ``None``.

    The conditional UPDATE makes this atomic across processes sharing the database.
    """
    async with db.transaction() as conn:
        result = await conn.execute(
            update(authorization_requests)
            .where(
                authorization_requests.c.state == state,
                authorization_requests.c.used_at.is_(None),
                authorization_requests.c.expires_at > now,
            )
            .values(used_at=now)
        )
        if result.rowcount != 1:
            return None
        row = (
            await conn.execute(
                select(authorization_requests).where(authorization_requests.c.state == state)
            )
        ).one()
    return AuthorizationRequestRow(**row._asdict())


async def hold_pending_grant(
    db: Database,
    *,
    state: str,
    pending_token_sealed: str,
    pending_grant: dict[str, Any],
    expires_at: datetime | None = None,
) -> None:
    """Park a grant on its (already consumed) request until the user is verified; with
    ``expires_at``, that is the verification's deadline from now on."""
    deadline = {} if expires_at is None else {"expires_at": expires_at}
    async with db.transaction() as conn:
        await conn.execute(
            update(authorization_requests)
            .where(authorization_requests.c.state == state)
            .values(
                pending_token_sealed=pending_token_sealed, pending_grant=pending_grant, **deadline
            )
        )


async def discard_pending_grant(db: Database, *, state: str) -> None:
    """Drop the sealed tokens parked on a request (used, burnt or unreadable); the row
    stays, so the id still answers "already used", until it is purged."""
    async with db.transaction() as conn:
        await conn.execute(
            update(authorization_requests)
            .where(authorization_requests.c.state == state)
            .values(pending_token_sealed=None, pending_grant=None)
        )


async def claim_pending_grant(
    db: Database, *, state: str, now: datetime
) -> AuthorizationRequestRow | None:
    """Mark a parked grant verified and return it — once; ``None`` if none is waiting."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(authorization_requests)
            .where(
                authorization_requests.c.state == state,
                authorization_requests.c.pending_token_sealed.is_not(None),
                authorization_requests.c.verified_at.is_(None),
            )
            .values(verified_at=now)
        )
        if result.rowcount != 1:
            return None
        row = (
            await conn.execute(
                select(authorization_requests).where(authorization_requests.c.state == state)
            )
        ).one()
    return AuthorizationRequestRow(**row._asdict())


async def list_expired_authorization_requests(
    db: Database, *, now: datetime, limit: int = 100
) -> list[AuthorizationRequestRow]:
    """Requests whose deadline (``expires_at``) has passed, oldest first."""
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(authorization_requests)
                .where(authorization_requests.c.expires_at <= now)
                .order_by(authorization_requests.c.expires_at)
                .limit(limit)
            )
        ).all()
    return [AuthorizationRequestRow(**row._asdict()) for row in rows]


async def delete_expired_authorization_request(db: Database, *, state: str, now: datetime) -> bool:
    """Delete one request whose deadline has passed; ``False`` if it is not (any more) there
    — another process purging at the same time deleted it — or not expired."""
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(authorization_requests).where(
                authorization_requests.c.state == state,
                authorization_requests.c.expires_at <= now,
            )
        )
    return bool(result.rowcount)
