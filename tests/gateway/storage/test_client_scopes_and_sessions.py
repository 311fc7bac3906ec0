"""API clients' scopes and lineage, and dashboard sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import column, insert, table

from attio_gateway.errors import NotFoundError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.migrate import schema_drift
from attio_gateway.storage.tables import UTCDateTime

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


async def test_clients_from_before_scopes_get_the_upgrade_default(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_database(db, "0004")
        # A client as the 0004 schema had it: no scope columns yet.
        before = table(
            "api_clients",
            column("client_id"),
            column("name"),
            column("secret_hash"),
            column("created_at", UTCDateTime),
        )
        async with db.transaction() as conn:
            await conn.execute(
                insert(before).values(
                    client_id="agc_old", name="old", secret_hash="h", created_at=NOW
                )
            )
        await upgrade_database(db)
        assert await schema_drift(db) == []
        old = await q.get_api_client(db, client_id="agc_old")
        assert old is not None
        assert old.scopes == [
            "proxy",
            "tools:execute",
            "accounts:read",
            "accounts:write",
            "connections:admin",
        ]
        assert old.connections is None and old.parent_client_id is None
        # New rows say their scopes; the default only served the upgrade.
        new = await q.create_api_client(
            db, client_id="agc_new", name="new", secret_hash="h", now=NOW, scopes=["proxy"]
        )
        assert (await q.get_api_client(db, client_id="agc_new")) == new
    finally:
        await db.dispose()


async def test_revoking_a_client_revokes_what_it_minted(db: Database) -> None:
    async def make(client_id: str, parent: str | None = None) -> None:
        await q.create_api_client(
            db,
            client_id=client_id,
            name=client_id,
            secret_hash="h",
            now=NOW,
            scopes=["clients:admin"],
            connections=["crm"],
            parent_client_id=parent,
        )

    await make("root")
    await make("child", "root")
    await make("grandchild", "child")
    await make("sibling", "root")
    await make("other")
    made = await q.get_api_client(db, client_id="grandchild")
    assert made is not None and made.connections == ["crm"] and made.parent_client_id == "child"

    later = NOW + timedelta(minutes=1)
    assert await q.revoke_api_client(db, client_id="child", now=later) == ["child", "grandchild"]
    assert sorted(await q.revoke_api_client(db, client_id="root", now=later)) == [
        "root",
        "sibling",
    ]
    assert await q.revoke_api_client(db, client_id="root", now=later) == []
    states = {row.client_id: row.revoked_at for row in await q.list_api_clients(db)}
    assert states == {
        "root": later,
        "child": later,
        "grandchild": later,
        "sibling": later,
        "other": None,
    }
    # A revoked client can no longer be a parent.
    with pytest.raises(NotFoundError):
        await make("late", "child")
    assert await q.get_api_client(db, client_id="late") is None


async def test_grants_change_together_or_not_at_all(db: Database) -> None:
    await q.create_api_client(
        db, client_id="a", name="a", secret_hash="h", now=NOW, scopes=["proxy", "accounts:read"]
    )
    await q.set_api_client_grants(db, grants={"a": (["proxy"], ["crm"])})
    row = await q.get_api_client(db, client_id="a")
    assert row is not None and row.scopes == ["proxy"] and row.connections == ["crm"]
    with pytest.raises(NotFoundError):
        await q.set_api_client_grants(db, grants={"a": ([], None), "missing": ([], None)})
    row = await q.get_api_client(db, client_id="a")
    assert row is not None and row.scopes == ["proxy"]


async def test_dashboard_sessions_round_trip_and_end(db: Database) -> None:
    await q.put_operator(db, username="admin", password_hash="scrypt$00$00", now=NOW)
    await q.put_operator(db, username="ops", password_hash="scrypt$00$00", now=NOW)
    hour = timedelta(hours=1)
    await q.create_dashboard_session(
        db, session_hash="expired", username="admin", now=NOW - 2 * hour, expires_at=NOW - hour
    )
    session = await q.create_dashboard_session(
        db, session_hash="s1", username="admin", now=NOW, expires_at=NOW + hour
    )
    await q.create_dashboard_session(
        db, session_hash="s2", username="admin", now=NOW, expires_at=NOW + hour
    )
    await q.create_dashboard_session(
        db, session_hash="s3", username="ops", now=NOW, expires_at=NOW + hour
    )
    assert await q.get_dashboard_session(db, session_hash="s1") == session
    # Creating a session swept the expired one.
    assert await q.get_dashboard_session(db, session_hash="expired") is None

    assert await q.delete_dashboard_session(db, session_hash="s1")
    assert not await q.delete_dashboard_session(db, session_hash="s1")
    assert await q.get_dashboard_session(db, session_hash="s1") is None
    assert await q.delete_dashboard_sessions_of(db, username="admin") == 1
    assert await q.get_dashboard_session(db, session_hash="s2") is None
    assert await q.get_dashboard_session(db, session_hash="s3") is not None
