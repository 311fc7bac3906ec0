"""Call logs: the audit events of tool calls and proxied requests, read by filters with a
keyset cursor, and counted over a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from attio_gateway.storage.database import Database
from attio_gateway.storage.records import AuditEventRow
from attio_gateway.storage.tables import audit_events

__all__ = [
    "CALL_KINDS",
    "CallLogFilter",
    "count_call_logs",
    "count_durations",
    "duration_at_rank",
    "list_call_logs",
]

#: The audit kinds that are calls to Attio.
CALL_KINDS = ("tool", "proxy")

_t = audit_events.c


@dataclass(frozen=True)
class CallLogFilter:
    """Every filter given must match (``since`` inclusive, ``until`` exclusive)."""

    kind: str | None = None
    identifier: str | None = None
    connection_name: str | None = None
    tool_name: str | None = None
    outcome: str | None = None
    error_tier: str | None = None
    error_code: str | None = None
    agent_run_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = [
            _t.kind == self.kind if self.kind is not None else _t.kind.in_(CALL_KINDS)
        ]
        if self.since is not None:
            clauses.append(_t.at >= self.since)
        if self.until is not None:
            clauses.append(_t.at < self.until)
        for column, value in (
            (_t.identifier, self.identifier),
            (_t.connection_name, self.connection_name),
            (_t.tool_name, self.tool_name),
            (_t.outcome, self.outcome),
            (_t.error_tier, self.error_tier),
            (_t.error_code, self.error_code),
            (_t.agent_run_id, self.agent_run_id),
        ):
            if value is not None:
                clauses.append(column == value)
        return clauses


async def list_call_logs(
    db: Database, *, where: CallLogFilter, before_id: int | None = None, limit: int = 100
) -> list[tuple[int, AuditEventRow]]:
    """Newest first, each with its row id (the cursor: pass the last one as ``before_id``
    for the next page)."""
    query = select(audit_events).where(*where.where()).order_by(_t.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(_t.id < before_id)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    out: list[tuple[int, AuditEventRow]] = []
    for row in rows:
        values = row._asdict()
        row_id = int(values.pop("id"))
        out.append((row_id, AuditEventRow(**values)))
    return out


async def count_call_logs(
    db: Database, *, where: CallLogFilter, by: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """``(value of each column in by..., count, sum of duration_ms)`` per group."""
    columns = [_t[name] for name in by]
    query = (
        select(*columns, func.count(), func.coalesce(func.sum(_t.duration_ms), 0))
        .where(*where.where())
        .group_by(*columns)
    )
    async with db.read() as conn:
        return [tuple(row) for row in (await conn.execute(query)).all()]


async def duration_at_rank(db: Database, *, where: CallLogFilter, rank: int) -> int | None:
    """The ``rank``-th smallest ``duration_ms`` (0-based) of the matching events that have
    one; ``None`` past the end."""
    query = (
        select(_t.duration_ms)
        .where(*where.where(), _t.duration_ms.is_not(None))
        .order_by(_t.duration_ms)
        .limit(1)
        .offset(rank)
    )
    async with db.read() as conn:
        value = (await conn.execute(query)).scalar()
    return None if value is None else int(value)


async def count_durations(db: Database, *, where: CallLogFilter) -> int:
    query = select(func.count()).where(*where.where(), _t.duration_ms.is_not(None))
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar() or 0)
