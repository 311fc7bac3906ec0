"""Bounded growth: the audit events past their retention, taken in batches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import delete, select

from attio_gateway.storage.database import Database
from attio_gateway.storage.records import AuditEventRow
from attio_gateway.storage.tables import audit_events

__all__ = ["prune_audit_events"]


async def prune_audit_events(
    db: Database,
    *,
    before: datetime,
    limit: int,
    export: Callable[[list[AuditEventRow]], Awaitable[None]] | None = None,
) -> int:
    """Delete up to ``limit`` of the oldest events dated before ``before``, in one
    transaction, after ``export`` has taken them (an export that fails deletes nothing).

    Concurrent prunes take disjoint batches: PostgreSQL skips the rows another
    transaction holds (``FOR UPDATE SKIP LOCKED``), SQLite runs one write at a time. The
    batch is found through ``ix_audit_events_at`` and deleted by primary key."""
    query = (
        select(audit_events)
        .where(audit_events.c.at < before)
        .order_by(audit_events.c.at, audit_events.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with db.transaction() as conn:
        rows = (await conn.execute(query)).all()
        if not rows:
            return 0
        if export is not None:
            await export(
                [AuditEventRow(**{k: v for k, v in r._asdict().items() if k != "id"}) for r in rows]
            )
        ids = [row.id for row in rows]
        await conn.execute(delete(audit_events).where(audit_events.c.id.in_(ids)))
    return len(ids)
