"""Sealed values: account credentials, account secrets, the server's own secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import (
    _insert,
    _text_of,
)
from attio_gateway.storage.records import (
    CredentialRow,
)
from attio_gateway.storage.tables import (
    account_secrets,
    credentials,
    server_secrets,
)

__all__ = [
    "add_server_secret",
    "delete_credential",
    "get_account_secret",
    "get_credential",
    "get_server_secret",
    "list_credentials",
    "put_account_secret",
    "put_credential",
]

# --- credentials -------------------------------------------------------------------------


async def put_credential(
    db: Database,
    *,
    account_id: str,
    access_token_sealed: str,
    refresh_token_sealed: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> CredentialRow:
    values: dict[str, Any] = {
        "account_id": account_id,
        "access_token_sealed": access_token_sealed,
        "refresh_token_sealed": refresh_token_sealed,
        "expires_at": expires_at,
        "updated_at": now,
    }
    async with db.transaction() as conn:
        await conn.execute(delete(credentials).where(credentials.c.account_id == account_id))
        await conn.execute(insert(credentials).values(**values))
    return CredentialRow(**values)


async def get_credential(db: Database, *, account_id: str) -> CredentialRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(select(credentials).where(credentials.c.account_id == account_id))
        ).first()
    return CredentialRow(**row._asdict()) if row else None


async def delete_credential(db: Database, *, account_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(credentials).where(credentials.c.account_id == account_id)
        )
    return bool(result.rowcount)


async def list_credentials(db: Database) -> list[CredentialRow]:
    async with db.read() as conn:
        rows = (await conn.execute(select(credentials))).all()
    return [CredentialRow(**row._asdict()) for row in rows]


# --- account secrets ---------------------------------------------------------------------


async def put_account_secret(
    db: Database, *, account_id: str, name: str, secret_sealed: str, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            delete(account_secrets).where(
                account_secrets.c.account_id == account_id, account_secrets.c.name == name
            )
        )
        await conn.execute(
            insert(account_secrets).values(
                account_id=account_id, name=name, secret_sealed=secret_sealed, created_at=now
            )
        )


async def get_account_secret(db: Database, *, account_id: str, name: str) -> str | None:
    """The sealed text of a stored secret, or ``None``."""
    return await _text_of(
        db,
        account_secrets.c.secret_sealed,
        account_secrets.c.account_id == account_id,
        account_secrets.c.name == name,
    )


# --- the server's own secrets ------------------------------------------------------------


async def add_server_secret(db: Database, *, name: str, value_sealed: str, now: datetime) -> bool:
    """Store the secret ``name`` unless it exists; ``False`` if it did (another process may
    have stored its own a moment ago: read it back, the first one stays)."""
    statement = (
        _insert(db, server_secrets)
        .values(name=name, value_sealed=value_sealed, created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    async with db.transaction() as conn:
        result = await conn.execute(statement)
    return bool(result.rowcount)


async def get_server_secret(db: Database, *, name: str) -> str | None:
    """The sealed text of the server secret ``name``, or ``None``."""
    return await _text_of(db, server_secrets.c.value_sealed, server_secrets.c.name == name)
