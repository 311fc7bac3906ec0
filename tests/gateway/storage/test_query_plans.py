"""The hot queries keep flat as tables grow: on PostgreSQL, with 20,000 accounts over two
connections (one with 1% of them), their credentials and 20,000 audit events loaded and
analysed, each is served by the index meant
for it, with no sequential scan and no sort of the table (checked with ``EXPLAIN`` of the
statement the query function really sends, captured from the driver).
Keyset pages of ``list_connected_accounts`` are also checked on both databases: every
account once, in order, across pages, with a connection filter and without."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from tests.gateway.storage.test_idempotency_storage import NOW, make_account


async def plan_of(db: Database, run: Callable[[], Awaitable[Any]]) -> str:
    """The plan PostgreSQL picks for the SELECT ``run`` sends, seq scans off."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await run()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    assert sent, "the query function sent no SELECT"
    statement, parameters = sent[-1]
    async with db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
    return "\n".join(row[0] for row in rows)


@pytest.mark.postgres
async def test_hot_queries_use_an_index_on_postgresql(postgres_url: str) -> None:
    from attio_gateway.storage import upgrade_database

    db = Database(postgres_url)
    try:
        await upgrade_database(db)
        account_id = await make_account(db)
        account = await q.get_account(db, account_id=account_id)
        assert account is not None
        second = await q.create_connection(
            db,
            name="second",
            provider="attio",
            client_id="client-2",
            client_secret_sealed="k1:c2VhbGVk",
            scopes=[],
            authorize_url="https://app.attio.com/authorize",
            token_url="https://app.attio.com/oauth/token",
            api_base_url="https://api.attio.com",
            status="ACTIVE",
            status_detail=None,
            now=NOW,
        )
        async with db.engine.begin() as conn:  # bulk rows, the way a year of use leaves them
            await conn.execute(
                text(
                    "INSERT INTO connected_accounts (id, connection_id, identifier, status, "
                    "granted_scopes, api_config, created_at, updated_at) "
                    "SELECT md5(n::text), CASE WHEN n % 100 = 0 THEN :a ELSE :b END, "
                    "'user-' || n, 'ACTIVE', '[]', '{}', "
                    "CAST(:now AS timestamptz) + n * interval '1 second', :now "
                    "FROM generate_series(1, 20000) n"
                ),
                {"a": account.connection_id, "b": second.id, "now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO audit_events (event_id, at, kind, outcome, identifier) "
                    "SELECT 'e' || n, CAST(:now AS timestamptz) - n * interval '1 minute', 'tool', "
                    "'success', "
                    "'user-' || (n % 500) FROM generate_series(1, 20000) n"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO credentials (account_id, access_token_sealed, updated_at) "
                    "SELECT id, 'k1:c2VhbGVk', updated_at FROM connected_accounts"
                )
            )
            await conn.execute(text("ANALYZE"))
        #: query → (the call, the index or indexes, "|"-separated, that may serve it)
        checks: dict[str, tuple[Callable[[], Awaitable[Any]], str]] = {
            "account by id": (
                lambda: q.get_account(db, account_id=account_id),
                "pk_connected_accounts",
            ),
            "account by connection and identifier": (
                lambda: q.get_account(db, connection_id=account.connection_id, identifier="u"),
                # Either is flat: identifiers are nearly unique across connections.
                "uq_connected_accounts_identifier|ix_connected_accounts_identifier",
            ),
            "credential of an account": (
                lambda: q.get_credential(db, account_id=account_id),
                "pk_credentials",
            ),
            "accounts page of a connection": (
                lambda: q.list_accounts(
                    db,
                    connection_id=account.connection_id,
                    limit=51,
                    after=(NOW + timedelta(hours=1), "m"),
                ),
                "ix_connected_accounts_connection_created",
            ),
            "accounts page": (
                lambda: q.list_accounts(db, limit=51, after=(NOW + timedelta(hours=1), "m")),
                "ix_connected_accounts_created",
            ),
            "audit retention batch": (
                lambda: q.prune_audit_events(db, before=NOW - timedelta(days=13), limit=1000),
                "ix_audit_events_at",
            ),
        }
        for name, (run, index) in checks.items():
            plan = await plan_of(db, run)
            assert any(i in plan for i in index.split("|")), f"{name}: expected {index}\n{plan}"
            assert "Seq Scan" not in plan, f"{name}\n{plan}"
            if name.startswith("accounts page"):
                assert "Sort" not in plan, f"{name}: the index gives the order\n{plan}"
    finally:
        await db.dispose()


async def test_account_pages_return_every_account_once_in_order(db: Database) -> None:
    first = await make_account(db)
    row = await q.get_account(db, account_id=first)
    assert row is not None
    # Several accounts created in the same instant: the id breaks the tie.
    for n in range(24):
        await q.create_account(
            db,
            connection_id=row.connection_id,
            identifier=f"user-{n:02}",
            status="ACTIVE",
            now=NOW + timedelta(seconds=n // 5),
        )
    for connection_id in (row.connection_id, None):
        seen: list[str] = []
        after: tuple[datetime, str] | None = None
        while True:
            page = await q.list_accounts(db, connection_id=connection_id, limit=7, after=after)
            seen += [a.id for a in page]
            if len(page) < 7:
                break
            after = (page[-1].created_at, page[-1].id)
        everything = await q.list_accounts(db, connection_id=connection_id, limit=1000)
        assert seen == [a.id for a in everything] and len(seen) == 25
        assert all(a.created_at.tzinfo is not None for a in everything)
        assert everything[0].created_at == NOW.astimezone(UTC)
