"""Keyword-only query functions. No business rules: callers decide, storage stores."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from attio_gateway.errors import ConflictError, NotFoundError
from attio_gateway.storage.database import Database
from attio_gateway.storage.records import (
    AccountRow,
    ApiClientRow,
    AuditEventRow,
    AuthorizationRequestRow,
    ConnectionRow,
    CredentialRow,
    DashboardSessionRow,
    SessionTokenRow,
)
from attio_gateway.storage.tables import (
    account_secrets,
    api_clients,
    audit_events,
    authorization_requests,
    connected_accounts,
    connections,
    credentials,
    dashboard_sessions,
    operators,
    server_secrets,
    session_tokens,
)


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
    offset: int = 0,
) -> list[AccountRow]:
    query = select(connected_accounts).order_by(
        connected_accounts.c.created_at, connected_accounts.c.id
    )
    if connection_id is not None:
        query = query.where(connected_accounts.c.connection_id == connection_id)
    if identifier is not None:
        query = query.where(connected_accounts.c.identifier == identifier)
    async with db.read() as conn:
        rows = (await conn.execute(query.limit(limit).offset(offset))).all()
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


# --- the server's own secrets and the dashboard's operators ------------------------------


def _insert(db: Database, table: Table) -> Any:
    """An INSERT that can say what to do on a primary-key conflict (``ON CONFLICT``, which
    both supported databases speak)."""
    if db.dialect == "postgresql":
        return postgresql.insert(table)
    if db.dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {db.dialect!r}")


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
