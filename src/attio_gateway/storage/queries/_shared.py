"""What the query modules share: ids, one-column reads, updates by id, upserts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from attio_gateway.errors import NotFoundError
from attio_gateway.storage.database import Database
from attio_gateway.storage.records import (
    AccountRow,
    ConnectionRow,
)

__all__ = ["new_id"]


def new_id() -> str:
    return str(uuid.uuid4())


async def _text_of(
    db: Database, column: ColumnElement[Any], *where: ColumnElement[bool]
) -> str | None:
    """The text in ``column`` of the row matching ``where``, or ``None`` when there is none."""
    async with db.read() as conn:
        value = (await conn.execute(select(column).where(*where))).scalar()
    return None if value is None else str(value)


def _connection(row: Row[Any]) -> ConnectionRow:
    return ConnectionRow(**row._asdict())


def _account(row: Row[Any]) -> AccountRow:
    return AccountRow(**row._asdict())


async def _update_by_id(
    db: Database,
    table: Table,
    *,
    row_id: str,
    now: datetime,
    fixed: set[str],
    noun: str,
    changes: dict[str, Any],
) -> Row[Any]:
    """Set ``changes`` (and ``updated_at``) on one row by id; return the row as it is now."""
    unknown = set(changes) - (set(table.c.keys()) - fixed - {"id", "created_at", "updated_at"})
    if unknown:
        raise ValueError(f"not {noun} columns: {sorted(unknown)}")
    async with db.transaction() as conn:
        result = await conn.execute(
            update(table).where(table.c.id == row_id).values(**changes, updated_at=now)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"No {noun} with id {row_id!r}.")
        return (await conn.execute(select(table).where(table.c.id == row_id))).one()


def _insert(db: Database, table: Table) -> Any:
    """An INSERT that can say what to do on a primary-key conflict (``ON CONFLICT``, which
    both supported databases speak)."""
    if db.dialect == "postgresql":
        return postgresql.insert(table)
    if db.dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {db.dialect!r}")
