"""The audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from attio_gateway.storage.database import Database
from attio_gateway.storage.records import (
    AuditEventRow,
)
from attio_gateway.storage.tables import (
    audit_events,
)

__all__ = ["list_audit_events", "record_audit_event", "record_audit_events"]

# --- audit -------------------------------------------------------------------------------


async def record_audit_event(db: Database, *, event: AuditEventRow) -> None:
    async with db.transaction() as conn:
        await conn.execute(insert(audit_events).values(**event.__dict__))


async def record_audit_events(db: Database, *, events: list[AuditEventRow]) -> None:
    """Several events in one transaction, in order (all or none)."""
    async with db.transaction() as conn:
        await conn.execute(insert(audit_events), [event.__dict__ for event in events])


async def list_audit_events(
    db: Database,
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
) -> list[AuditEventRow]:
    """Newest first; every filter given must match (``since`` inclusive, ``until`` exclusive)."""
    query = select(audit_events).order_by(audit_events.c.id.desc())
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    if until is not None:
        query = query.where(audit_events.c.at < until)
    for column, value in (
        (audit_events.c.connection_name, connection_name),
        (audit_events.c.api_client_id, api_client_id),
        (audit_events.c.identifier, identifier),
        (audit_events.c.tool_name, tool_name),
        (audit_events.c.outcome, outcome),
        (audit_events.c.kind, kind),
    ):
        if value is not None:
            query = query.where(column == value)
    async with db.read() as conn:
        rows = (await conn.execute(query.limit(limit).offset(offset))).all()
    return [AuditEventRow(**{k: v for k, v in row._asdict().items() if k != "id"}) for row in rows]
