"""Connections and connected accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, tuple_, update

from attio_gateway.errors import ConflictError
from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import (
    _account,
    _connection,
    _update_by_id,
    new_id,
)
from attio_gateway.storage.records import (
    AccountRow,
    ConnectionRow,
)
from attio_gateway.storage.tables import (
    connected_accounts,
    connections,
)

__all__ = [
    "create_account",
    "create_connection",
    "delete_account",
    "delete_connection",
    "get_account",
    "get_connection",
    "list_accounts",
    "list_connections",
    "set_account_status",
    "touch_account_last_used",
    "update_account",
    "update_connection",
    "upsert_account",
]

# --- connections -------------------------------------------------------------------------


async def create_connection(
    db: Database,
    *,
    name: str,
    provider: str,
    client_id: str,
    client_secret_sealed: str,
    scopes: Sequence[str],
    authorize_url: str,
    token_url: str,
    api_base_url: str,
    status: str,
    status_detail: str | None,
    now: datetime,
    connection_id: str | None = None,
) -> ConnectionRow:
    values = {
        "id": connection_id or new_id(),
        "name": name,
        "provider": provider,
        "client_id": client_id,
        "client_secret_sealed": client_secret_sealed,
        "scopes": list(scopes),
        "authorize_url": authorize_url,
        "token_url": token_url,
        "api_base_url": api_base_url,
        "status": status,
        "status_detail": status_detail,
        "created_at": now,
        "updated_at": now,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(connections).values(**values))
    return ConnectionRow(**values)  # type: ignore[arg-type]


async def get_connection(
    db: Database, *, name: str | None = None, connection_id: str | None = None
) -> ConnectionRow | None:
    query = select(connections)
    if connection_id is not None:
        query = query.where(connections.c.id == connection_id)
    if name is not None:
        query = query.where(connections.c.name == name)
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    return _connection(row) if row else None


async def list_connections(db: Database) -> list[ConnectionRow]:
    async with db.read() as conn:
        rows = (await conn.execute(select(connections).order_by(connections.c.created_at))).all()
    return [_connection(row) for row in rows]


async def update_connection(
    db: Database, *, connection_id: str, now: datetime, **changes: Any
) -> ConnectionRow:
    row = await _update_by_id(
        db,
        connections,
        row_id=connection_id,
        now=now,
        fixed=set(),
        noun="connection",
        changes=changes,
    )
    return _connection(row)


async def delete_connection(db: Database, *, connection_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(delete(connections).where(connections.c.id == connection_id))
    return bool(result.rowcount)


# --- connected accounts ------------------------------------------------------------------


async def create_account(
    db: Database,
    *,
    connection_id: str,
    identifier: str,
    status: str,
    now: datetime,
    api_config: dict[str, Any] | None = None,
) -> AccountRow:
    values: dict[str, Any] = {
        "id": new_id(),
        "connection_id": connection_id,
        "identifier": identifier,
        "status": status,
        "granted_scopes": [],
        "workspace_id": None,
        "workspace_name": None,
        "workspace_slug": None,
        "authorized_by_member_id": None,
        "token_expires_at": None,
        "api_config": api_config or {},
        "created_at": now,
        "updated_at": now,
        "last_used_at": None,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(connected_accounts).values(**values))
    return AccountRow(**values)


async def get_account(
    db: Database,
    *,
    account_id: str | None = None,
    connection_id: str | None = None,
    identifier: str | None = None,
) -> AccountRow | None:
    if account_id is None and (connection_id is None or identifier is None):
        raise ValueError("give account_id, or connection_id and identifier")
    query = select(connected_accounts)
    if account_id is not None:
        query = query.where(connected_accounts.c.id == account_id)
    if connection_id is not None:
        query = query.where(connected_accounts.c.connection_id == connection_id)
    if identifier is not None:
        query = query.where(connected_accounts.c.identifier == identifier)
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    return _account(row) if row else None


async def list_accounts(
    db: Database,
    *,
    connection_id: str | None = None,
    identifier: str | None = None,
    limit: int = 100,
    after: tuple[datetime, str] | None = None,
) -> list[AccountRow]:
    """Oldest first; ``after`` the ``(created_at, id)`` of the last row of the page before
    (keyset: a page deep in 100k accounts costs what the first does, through
    ``ix_connected_accounts_created`` or ``ix_connected_accounts_connection_created``)."""
    c = connected_accounts.c
    query = select(connected_accounts).order_by(c.created_at, c.id)
    if connection_id is not None:
        query = query.where(c.connection_id == connection_id)
    if identifier is not None:
        query = query.where(c.identifier == identifier)
    if after is not None:
        created_at, row_id = after
        # A row-value comparison (not an OR of two), so the index's range starts right there.
        start = tuple_(
            bindparam("after_created_at", created_at, type_=c.created_at.type),
            bindparam("after_id", row_id, type_=c.id.type),
        )
        query = query.where(tuple_(c.created_at, c.id) > start)
    async with db.read() as conn:
        rows = (await conn.execute(query.limit(limit))).all()
    return [_account(row) for row in rows]


async def update_account(
    db: Database, *, account_id: str, now: datetime, **changes: Any
) -> AccountRow:
    row = await _update_by_id(
        db,
        connected_accounts,
        row_id=account_id,
        now=now,
        fixed={"connection_id"},
        noun="connected account",
        changes=changes,
    )
    return _account(row)


async def upsert_account(
    db: Database,
    *,
    connection_id: str,
    identifier: str,
    status: str,
    now: datetime,
    api_config: dict[str, Any] | None = None,
) -> tuple[AccountRow, bool]:
    """The account for (connection, identifier), created with ``status`` if absent.

    Returns ``(account, created)``. Safe when two callers race: the unique constraint
    decides, and the loser reads the winner's row.
    """
    existing = await get_account(db, connection_id=connection_id, identifier=identifier)
    if existing is not None:
        return existing, False
    try:
        created = await create_account(
            db,
            connection_id=connection_id,
            identifier=identifier,
            status=status,
            now=now,
            api_config=api_config,
        )
    except ConflictError:
        winner = await get_account(db, connection_id=connection_id, identifier=identifier)
        if winner is None:  # the conflict was something else (e.g. unknown connection)
            raise
        return winner, False
    return created, True


async def set_account_status(
    db: Database, *, account_id: str, status: str, now: datetime
) -> AccountRow:
    return await update_account(db, account_id=account_id, now=now, status=status)


async def touch_account_last_used(db: Database, *, account_id: str, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            update(connected_accounts)
            .where(connected_accounts.c.id == account_id)
            .values(last_used_at=now)
        )


async def delete_account(db: Database, *, account_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(connected_accounts).where(connected_accounts.c.id == account_id)
        )
    return bool(result.rowcount)
