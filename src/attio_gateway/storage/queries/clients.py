"""API clients, session tokens, the dashboard's sessions and operators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from attio_gateway.errors import NotFoundError
from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import (
    _insert,
    _text_of,
)
from attio_gateway.storage.records import (
    ApiClientRow,
    DashboardSessionRow,
    SessionTokenRow,
)
from attio_gateway.storage.tables import (
    api_clients,
    dashboard_sessions,
    operators,
    session_tokens,
)

__all__ = [
    "add_operators_if_none",
    "create_api_client",
    "create_dashboard_session",
    "create_session_token",
    "delete_dashboard_session",
    "delete_dashboard_sessions_of",
    "get_api_client",
    "get_dashboard_session",
    "get_operator_password_hash",
    "get_session_token",
    "has_operators",
    "list_api_clients",
    "put_operator",
    "revoke_api_client",
    "revoke_session_token",
    "set_api_client_grants",
]

# --- API clients and session tokens ------------------------------------------------------


async def create_api_client(
    db: Database,
    *,
    client_id: str,
    name: str,
    secret_hash: str,
    now: datetime,
    scopes: Sequence[str] = (),
    connections: Sequence[str] | None = None,
    parent_client_id: str | None = None,
) -> ApiClientRow:
    """Store a client. With ``parent_client_id``, only while that client is active (checked
    under a row lock, so a revocation running at the same time sees the new child).

    Raises: NotFoundError when the parent is missing or revoked."""
    values: dict[str, Any] = {
        "client_id": client_id,
        "name": name,
        "secret_hash": secret_hash,
        "created_at": now,
        "revoked_at": None,
        "scopes": list(scopes),
        "connections": None if connections is None else list(connections),
        "parent_client_id": parent_client_id,
    }
    async with db.transaction() as conn:
        if parent_client_id is not None:
            parent = select(api_clients.c.revoked_at).where(
                api_clients.c.client_id == parent_client_id
            )
            if db.dialect == "postgresql":
                parent = parent.with_for_update()
            found = (await conn.execute(parent)).first()
            if found is None or found.revoked_at is not None:
                raise NotFoundError(f"No active API client {parent_client_id!r}.")
        await conn.execute(insert(api_clients).values(**values))
    return ApiClientRow(**values)


async def get_api_client(db: Database, *, client_id: str) -> ApiClientRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(select(api_clients).where(api_clients.c.client_id == client_id))
        ).first()
    return ApiClientRow(**row._asdict()) if row else None


async def list_api_clients(db: Database) -> list[ApiClientRow]:
    async with db.read() as conn:
        rows = (await conn.execute(select(api_clients).order_by(api_clients.c.created_at))).all()
    return [ApiClientRow(**row._asdict()) for row in rows]


async def revoke_api_client(db: Database, *, client_id: str, now: datetime) -> list[str]:
    """Revoke the client and every client below it (minted by it, by those, ...), in one
    transaction. Returns the ids revoked now, the client's first; empty if it was missing
    or already revoked (then nothing changes).

    Each level is revoked before its children are read: a child being created at the same
    time holds its parent's row, so it is either refused or committed before it is read."""
    revoked: list[str] = []
    async with db.transaction() as conn:
        frontier = [client_id]
        seen = {client_id}
        while frontier:
            result = await conn.execute(
                update(api_clients)
                .where(api_clients.c.client_id.in_(frontier), api_clients.c.revoked_at.is_(None))
                .values(revoked_at=now)
                .returning(api_clients.c.client_id)
            )
            now_revoked = set(result.scalars().all())
            if frontier == [client_id] and client_id not in now_revoked:
                return []
            revoked.extend(c for c in frontier if c in now_revoked)
            children = (
                await conn.execute(
                    select(api_clients.c.client_id).where(
                        api_clients.c.parent_client_id.in_(frontier)
                    )
                )
            ).scalars()
            frontier = [c for c in children if c not in seen]
            seen.update(frontier)
    return revoked


async def set_api_client_grants(
    db: Database, *, grants: Mapping[str, tuple[Sequence[str], Sequence[str] | None]]
) -> None:
    """Set ``client_id → (scopes, connections)`` for several clients in one transaction.

    Raises: NotFoundError when one of them does not exist (and nothing changes)."""
    async with db.transaction() as conn:
        for client_id, (scopes, names) in grants.items():
            result = await conn.execute(
                update(api_clients)
                .where(api_clients.c.client_id == client_id)
                .values(scopes=list(scopes), connections=None if names is None else list(names))
            )
            if not result.rowcount:
                raise NotFoundError(f"No API client {client_id!r}.")


# --- the dashboard's sessions ------------------------------------------------------------


async def create_dashboard_session(
    db: Database, *, session_hash: str, username: str, now: datetime, expires_at: datetime
) -> DashboardSessionRow:
    """Store a session, and drop every session that has expired (there are few)."""
    values: dict[str, Any] = {
        "session_hash": session_hash,
        "username": username,
        "created_at": now,
        "expires_at": expires_at,
    }
    async with db.transaction() as conn:
        await conn.execute(delete(dashboard_sessions).where(dashboard_sessions.c.expires_at < now))
        await conn.execute(insert(dashboard_sessions).values(**values))
    return DashboardSessionRow(**values)


async def get_dashboard_session(db: Database, *, session_hash: str) -> DashboardSessionRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(dashboard_sessions).where(dashboard_sessions.c.session_hash == session_hash)
            )
        ).first()
    return DashboardSessionRow(**row._asdict()) if row else None


async def delete_dashboard_session(db: Database, *, session_hash: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(dashboard_sessions).where(dashboard_sessions.c.session_hash == session_hash)
        )
    return bool(result.rowcount)


async def delete_dashboard_sessions_of(db: Database, *, username: str) -> int:
    """Sign the operator out everywhere (their password changed)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(dashboard_sessions).where(dashboard_sessions.c.username == username)
        )
    return int(result.rowcount)


async def create_session_token(
    db: Database, *, token_hash: str, account_id: str, now: datetime, expires_at: datetime
) -> SessionTokenRow:
    values: dict[str, Any] = {
        "token_hash": token_hash,
        "account_id": account_id,
        "created_at": now,
        "expires_at": expires_at,
        "revoked_at": None,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(session_tokens).values(**values))
    return SessionTokenRow(**values)


async def get_session_token(db: Database, *, token_hash: str) -> SessionTokenRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(session_tokens).where(session_tokens.c.token_hash == token_hash)
            )
        ).first()
    return SessionTokenRow(**row._asdict()) if row else None


async def revoke_session_token(db: Database, *, token_hash: str, now: datetime) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            update(session_tokens)
            .where(session_tokens.c.token_hash == token_hash, session_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return bool(result.rowcount)


async def put_operator(db: Database, *, username: str, password_hash: str, now: datetime) -> None:
    """Create the operator or replace its password hash (one statement, safe when raced)."""
    statement = _insert(db, operators).values(
        username=username, password_hash=password_hash, created_at=now, updated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["username"],
        set_={"password_hash": password_hash, "updated_at": now},
    )
    async with db.transaction() as conn:
        await conn.execute(statement)


async def add_operators_if_none(
    db: Database, *, password_hashes: Mapping[str, str], now: datetime
) -> bool:
    """Store these operators (username → hash) only if there are no operators at all;
    ``False`` (and nothing stored) if there were. Processes racing here are serialised:
    SQLite's transactions take the write lock at BEGIN, and on PostgreSQL the table is
    locked against other writers first, so exactly one of them finds the table empty."""
    if not password_hashes:
        raise ValueError("add_operators_if_none needs at least one operator")
    async with db.transaction() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("LOCK TABLE operators IN SHARE ROW EXCLUSIVE MODE"))
        if (await conn.execute(select(operators.c.username).limit(1))).first() is not None:
            return False
        await conn.execute(
            insert(operators),
            [
                {"username": name, "password_hash": hashed, "created_at": now, "updated_at": now}
                for name, hashed in password_hashes.items()
            ],
        )
    return True


async def has_operators(db: Database) -> bool:
    async with db.read() as conn:
        return (await conn.execute(select(operators.c.username).limit(1))).first() is not None


async def get_operator_password_hash(db: Database, *, username: str) -> str | None:
    return await _text_of(db, operators.c.password_hash, operators.c.username == username)
