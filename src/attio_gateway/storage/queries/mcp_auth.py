"""MCP authorization: OAuth clients of MCP clients, their authorization requests (and
codes), and the access and refresh tokens issued to them (only SHA-256 hashes stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import _insert
from attio_gateway.storage.tables import mcp_auth_clients, mcp_auth_requests, mcp_auth_tokens

__all__ = [
    "McpClientRow",
    "McpRequestRow",
    "McpTokenRow",
    "consume_code",
    "create_request",
    "create_token",
    "delete_expired_requests",
    "delete_request",
    "expired_requests",
    "get_client",
    "get_request",
    "get_request_by_code",
    "get_token",
    "issue_code",
    "keep_client",
    "list_tokens",
    "mark_consented",
    "put_client",
    "revoke_grant",
    "revoke_token",
]


@dataclass(frozen=True)
class McpClientRow:
    client_id: str
    info: dict[str, Any]
    client_secret_sealed: str | None = field(repr=False)
    created_at: datetime


@dataclass(frozen=True)
class McpRequestRow:
    id: str
    client_id: str
    params: dict[str, Any]
    signin_account_id: str | None
    account_id: str | None
    code_hash: str | None = field(repr=False)
    created_at: datetime
    expires_at: datetime
    consented_at: datetime | None
    code_expires_at: datetime | None
    used_at: datetime | None


@dataclass(frozen=True)
class McpTokenRow:
    token_hash: str = field(repr=False)
    kind: str
    grant_id: str
    client_id: str
    account_id: str
    scopes: list[str]
    resource: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


# --- clients -----------------------------------------------------------------------------


async def put_client(
    db: Database,
    *,
    client_id: str,
    info: dict[str, Any],
    client_secret_sealed: str | None,
    now: datetime,
) -> McpClientRow:
    values: dict[str, Any] = {
        "client_id": client_id,
        "info": info,
        "client_secret_sealed": client_secret_sealed,
        "created_at": now,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(mcp_auth_clients).values(**values))
    return McpClientRow(**values)


async def keep_client(db: Database, *, client_id: str, info: dict[str, Any], now: datetime) -> None:
    """Record a client known from elsewhere (its metadata document) unless already known."""
    statement = (
        _insert(db, mcp_auth_clients)
        .values(client_id=client_id, info=info, client_secret_sealed=None, created_at=now)
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    async with db.transaction() as conn:
        await conn.execute(statement)


async def get_client(db: Database, *, client_id: str) -> McpClientRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(mcp_auth_clients).where(mcp_auth_clients.c.client_id == client_id)
            )
        ).first()
    return McpClientRow(**row._asdict()) if row else None


# --- authorization requests and codes ----------------------------------------------------


async def create_request(
    db: Database,
    *,
    request_id: str,
    client_id: str,
    params: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            insert(mcp_auth_requests).values(
                id=request_id,
                client_id=client_id,
                params=params,
                signin_account_id=None,
                account_id=None,
                code_hash=None,
                created_at=now,
                expires_at=expires_at,
                consented_at=None,
                code_expires_at=None,
                used_at=None,
            )
        )


async def get_request(db: Database, *, request_id: str) -> McpRequestRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(mcp_auth_requests).where(mcp_auth_requests.c.id == request_id)
            )
        ).first()
    return McpRequestRow(**row._asdict()) if row else None


async def mark_consented(
    db: Database, *, request_id: str, signin_account_id: str | None, now: datetime
) -> bool:
    """The user accepted; once only, and only before the request expires."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(mcp_auth_requests)
            .where(
                mcp_auth_requests.c.id == request_id,
                mcp_auth_requests.c.consented_at.is_(None),
                mcp_auth_requests.c.expires_at > now,
            )
            .values(consented_at=now, signin_account_id=signin_account_id)
        )
    return bool(result.rowcount)


async def issue_code(
    db: Database,
    *,
    request_id: str,
    account_id: str,
    code_hash: str,
    code_expires_at: datetime,
) -> bool:
    """Bind the consented request to its account and its code; once only."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(mcp_auth_requests)
            .where(
                mcp_auth_requests.c.id == request_id,
                mcp_auth_requests.c.consented_at.is_not(None),
                mcp_auth_requests.c.code_hash.is_(None),
            )
            .values(account_id=account_id, code_hash=code_hash, code_expires_at=code_expires_at)
        )
    return bool(result.rowcount)


async def get_request_by_code(db: Database, *, code_hash: str) -> McpRequestRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(mcp_auth_requests).where(mcp_auth_requests.c.code_hash == code_hash)
            )
        ).first()
    return McpRequestRow(**row._asdict()) if row else None


async def consume_code(db: Database, *, code_hash: str, now: datetime) -> bool:
    """Mark the code used; ``False`` when it already was (a replay)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(mcp_auth_requests)
            .where(
                mcp_auth_requests.c.code_hash == code_hash, mcp_auth_requests.c.used_at.is_(None)
            )
            .values(used_at=now)
        )
    return bool(result.rowcount)


async def expired_requests(db: Database, *, now: datetime) -> list[McpRequestRow]:
    """Requests past their deadline whose code was never exchanged."""
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(mcp_auth_requests).where(
                    mcp_auth_requests.c.expires_at <= now, mcp_auth_requests.c.used_at.is_(None)
                )
            )
        ).all()
    return [McpRequestRow(**row._asdict()) for row in rows]


async def delete_expired_requests(db: Database, *, now: datetime, used_before: datetime) -> int:
    """Requests never exchanged, past their deadline; and exchanged ones whose deadline is
    before ``used_before`` (kept until then so a replayed code still revokes its tokens)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(mcp_auth_requests).where(
                or_(
                    (mcp_auth_requests.c.expires_at <= now) & mcp_auth_requests.c.used_at.is_(None),
                    mcp_auth_requests.c.expires_at <= used_before,
                )
            )
        )
    return int(result.rowcount)


# --- tokens ------------------------------------------------------------------------------


async def create_token(
    db: Database,
    *,
    token_hash: str,
    kind: str,
    grant_id: str,
    client_id: str,
    account_id: str,
    scopes: list[str],
    resource: str,
    now: datetime,
    expires_at: datetime,
) -> McpTokenRow:
    values: dict[str, Any] = {
        "token_hash": token_hash,
        "kind": kind,
        "grant_id": grant_id,
        "client_id": client_id,
        "account_id": account_id,
        "scopes": scopes,
        "resource": resource,
        "created_at": now,
        "expires_at": expires_at,
        "revoked_at": None,
    }
    async with db.transaction() as conn:
        await conn.execute(insert(mcp_auth_tokens).values(**values))
    return McpTokenRow(**values)


async def get_token(db: Database, *, token_hash: str) -> McpTokenRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(mcp_auth_tokens).where(mcp_auth_tokens.c.token_hash == token_hash)
            )
        ).first()
    return McpTokenRow(**row._asdict()) if row else None


async def revoke_token(db: Database, *, token_hash: str, now: datetime) -> bool:
    """Revoke one token; ``False`` when it was unknown or already revoked (so a refresh
    token is rotated once, even when two refreshes race)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(mcp_auth_tokens)
            .where(
                mcp_auth_tokens.c.token_hash == token_hash, mcp_auth_tokens.c.revoked_at.is_(None)
            )
            .values(revoked_at=now)
        )
    return bool(result.rowcount)


async def revoke_grant(db: Database, *, grant_id: str, now: datetime) -> int:
    """Revoke every token of one authorization (access and refresh alike)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(mcp_auth_tokens)
            .where(mcp_auth_tokens.c.grant_id == grant_id, mcp_auth_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return int(result.rowcount)


async def list_tokens(
    db: Database, *, account_id: str | None = None, client_id: str | None = None
) -> list[McpTokenRow]:
    query = select(mcp_auth_tokens).order_by(mcp_auth_tokens.c.created_at)
    if account_id is not None:
        query = query.where(mcp_auth_tokens.c.account_id == account_id)
    if client_id is not None:
        query = query.where(mcp_auth_tokens.c.client_id == client_id)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [McpTokenRow(**row._asdict()) for row in rows]


async def delete_request(db: Database, *, request_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(mcp_auth_requests).where(mcp_auth_requests.c.id == request_id)
        )
    return bool(result.rowcount)
