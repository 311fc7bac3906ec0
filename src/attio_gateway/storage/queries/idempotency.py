"""Idempotency keys: the race-safe claim, the outcome, the takeover of a stale claim, the purge.

The claim is an insert that does nothing on a conflict with the primary key (account, key),
followed by a read of the row in the same transaction: of any number of concurrent claims
of one key, on SQLite (one writer at a time) or PostgreSQL (the second insert waits for the
first to commit, then does nothing), exactly one inserts its row; every other one reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update

from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import _insert
from attio_gateway.storage.records import IdempotencyRow
from attio_gateway.storage.tables import idempotency_keys

__all__ = [
    "claim_idempotency_key",
    "delete_expired_idempotency_keys",
    "finish_idempotency_key",
    "get_idempotency_key",
    "release_idempotency_key",
    "renew_idempotency_key",
    "take_over_idempotency_key",
]

_t = idempotency_keys


def _row(row: Row[Any]) -> IdempotencyRow:
    return IdempotencyRow(**row._asdict())


def _this(account_id: str, key: str) -> tuple[Any, Any]:
    return (_t.c.account_id == account_id, _t.c.key == key)


async def claim_idempotency_key(
    db: Database,
    *,
    account_id: str,
    key: str,
    fingerprint: str,
    request: dict[str, Any],
    owner: str,
    now: datetime,
    expires_at: datetime,
) -> tuple[IdempotencyRow, bool]:
    """Claim ``key`` as ``in_flight`` for ``owner`` unless it is held: ``(row, True)`` when
    this call inserted it, ``(the existing row, False)`` otherwise. An expired row is
    dropped first, so its key starts over."""
    async with db.transaction() as conn:
        await conn.execute(delete(_t).where(*_this(account_id, key), _t.c.expires_at <= now))
        await conn.execute(
            _insert(db, _t)
            .values(
                account_id=account_id,
                key=key,
                fingerprint=fingerprint,
                request=request,
                state="in_flight",
                owner=owner,
                result=None,
                created_at=now,
                updated_at=now,
                expires_at=expires_at,
            )
            .on_conflict_do_nothing(index_elements=["account_id", "key"])
        )
        row = _row((await conn.execute(select(_t).where(*_this(account_id, key)))).one())
    return row, row.owner == owner


async def get_idempotency_key(db: Database, *, account_id: str, key: str) -> IdempotencyRow | None:
    async with db.read() as conn:
        row = (await conn.execute(select(_t).where(*_this(account_id, key)))).first()
    return _row(row) if row else None


async def finish_idempotency_key(
    db: Database,
    *,
    account_id: str,
    key: str,
    owner: str,
    state: str,
    result: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """Record the outcome (``done`` with its result, or ``unknown``) of the claim ``owner``
    holds; ``False`` when it no longer holds it (expired and claimed again)."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            update(_t)
            .where(*_this(account_id, key), _t.c.owner == owner)
            .values(state=state, result=result, updated_at=now)
        )
    return bool(changed.rowcount)


async def take_over_idempotency_key(
    db: Database,
    *,
    account_id: str,
    key: str,
    previous_owner: str,
    owner: str,
    now: datetime,
) -> bool:
    """Move a claim left ``unknown`` or stale by ``previous_owner`` to ``owner``, in flight
    again. Of concurrent takeovers one succeeds; the others get ``False``."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            update(_t)
            .where(*_this(account_id, key), _t.c.owner == previous_owner, _t.c.state != "done")
            .values(state="in_flight", owner=owner, updated_at=now)
        )
    return bool(changed.rowcount)


async def renew_idempotency_key(
    db: Database, *, account_id: str, key: str, owner: str, now: datetime
) -> bool:
    """Say that the claim ``owner`` holds in flight is alive (its lease starts again)."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            update(_t)
            .where(*_this(account_id, key), _t.c.owner == owner, _t.c.state == "in_flight")
            .values(updated_at=now)
        )
    return bool(changed.rowcount)


async def release_idempotency_key(db: Database, *, account_id: str, key: str, owner: str) -> bool:
    """Drop the claim ``owner`` holds (the request was refused before it was applied, so the
    key may be used again)."""
    async with db.transaction() as conn:
        changed = await conn.execute(delete(_t).where(*_this(account_id, key), _t.c.owner == owner))
    return bool(changed.rowcount)


async def delete_expired_idempotency_keys(db: Database, *, now: datetime) -> int:
    async with db.transaction() as conn:
        result = await conn.execute(delete(_t).where(_t.c.expires_at <= now))
    return int(result.rowcount or 0)
