"""The state store on SQLite and PostgreSQL: migrations, round trips, conflicts, single use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.errors import ConflictError, NotFoundError, StorageError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.migrate import current_revision, head_revision, schema_drift
from attio_gateway.storage.records import AuditEventRow

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def make_connection(db: Database, name: str = "attio") -> q.ConnectionRow:
    return await q.create_connection(
        db,
        name=name,
        provider="attio",
        client_id="client-1",
        client_secret_sealed="k1:c2VhbGVk",
        scopes=["record_permission:read"],
        authorize_url="https://app.attio.com/authorize",
        token_url="https://app.attio.com/oauth/token",
        api_base_url="https://api.attio.com",
        status="ACTIVE",
        status_detail=None,
        now=NOW,
    )


async def test_migrations_from_empty_match_the_tables(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert await current_revision(db) is None
        await upgrade_database(db, "0001")  # step by step, as an existing install would
        assert await current_revision(db) == "0001"
        await upgrade_database(db)
        await upgrade_database(db)  # idempotent
        assert await current_revision(db) == head_revision()
        assert await schema_drift(db) == []
    finally:
        await db.dispose()


async def test_connection_round_trip_and_unique_name(db: Database) -> None:
    created = await make_connection(db)
    assert await q.get_connection(db, name="attio") == created
    assert await q.get_connection(db, connection_id=created.id) == created
    with pytest.raises(ConflictError):
        await make_connection(db)
    updated = await q.update_connection(
        db, connection_id=created.id, now=NOW + timedelta(minutes=1), scopes=["note:read"]
    )
    assert updated.scopes == ["note:read"]
    assert updated.updated_at == NOW + timedelta(minutes=1)
    assert [c.name for c in await q.list_connections(db)] == ["attio"]
    with pytest.raises(NotFoundError):
        await q.update_connection(db, connection_id="missing", now=NOW, status="X")
    assert await q.delete_connection(db, connection_id=created.id)
    assert await q.get_connection(db, name="attio") is None


async def test_accounts_are_unique_per_connection_and_identifier(db: Database) -> None:
    connection = await make_connection(db)
    other = await make_connection(db, name="attio-2")
    account = await q.create_account(
        db, connection_id=connection.id, identifier="user_123", status="PENDING_AUTH", now=NOW
    )
    with pytest.raises(ConflictError):
        await q.create_account(
            db, connection_id=connection.id, identifier="user_123", status="ACTIVE", now=NOW
        )
    # The same identifier on another connection is another account.
    await q.create_account(
        db, connection_id=other.id, identifier="user_123", status="ACTIVE", now=NOW
    )
    found = await q.get_account(db, connection_id=connection.id, identifier="user_123")
    assert found == account
    active = await q.update_account(
        db,
        account_id=account.id,
        now=NOW,
        status="ACTIVE",
        granted_scopes=["note:read"],
        workspace_name="Acme",
    )
    assert (active.status, active.granted_scopes, active.workspace_name) == (
        "ACTIVE",
        ["note:read"],
        "Acme",
    )
    assert len(await q.list_accounts(db, identifier="user_123")) == 2
    assert len(await q.list_accounts(db, connection_id=connection.id)) == 1
    await q.touch_account_last_used(db, account_id=account.id, now=NOW + timedelta(hours=1))
    touched = await q.get_account(db, account_id=account.id)
    assert touched is not None and touched.last_used_at == NOW + timedelta(hours=1)


async def test_authorization_request_is_single_use_and_expires(db: Database) -> None:
    connection = await make_connection(db)
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="PENDING_AUTH", now=NOW
    )
    for state in ("fresh", "stale"):
        await q.save_authorization_request(
            db,
            state=state,
            connection_id=connection.id,
            account_id=account.id,
            identifier="u",
            code_verifier_sealed=None,
            user_verify_url=None,
            redirect_after=None,
            now=NOW,
            expires_at=NOW + timedelta(minutes=10),
        )
    first = await q.consume_authorization_request(db, state="fresh", now=NOW)
    assert first is not None and first.used_at == NOW
    assert await q.consume_authorization_request(db, state="fresh", now=NOW) is None
    late = NOW + timedelta(minutes=11)
    assert await q.consume_authorization_request(db, state="stale", now=late) is None
    assert await q.consume_authorization_request(db, state="unknown", now=NOW) is None


async def test_credentials_audit_clients_and_session_tokens(db: Database) -> None:
    connection = await make_connection(db)
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="ACTIVE", now=NOW
    )
    await q.put_credential(
        db,
        account_id=account.id,
        access_token_sealed="k1:YQ==",
        refresh_token_sealed=None,
        expires_at=None,
        now=NOW,
    )
    await q.put_credential(
        db,
        account_id=account.id,
        access_token_sealed="k1:Yg==",
        refresh_token_sealed="k1:Yw==",
        expires_at=NOW,
        now=NOW,
    )
    credential = await q.get_credential(db, account_id=account.id)
    assert credential is not None and credential.access_token_sealed == "k1:Yg=="
    assert len(await q.list_credentials(db)) == 1

    for outcome in ("success", "error"):
        await q.record_audit_event(
            db,
            event=AuditEventRow(
                event_id=q.new_id(),
                at=NOW,
                kind="tool",
                outcome=outcome,
                identifier="u",
                tool_name="attio_list_notes",
            ),
        )
    assert [e.outcome for e in await q.list_audit_events(db)] == ["error", "success"]
    assert len(await q.list_audit_events(db, outcome="success", identifier="u")) == 1

    await q.create_api_client(db, client_id="cli_1", name="app", secret_hash="h", now=NOW)
    assert await q.revoke_api_client(db, client_id="cli_1", now=NOW)
    assert not await q.revoke_api_client(db, client_id="cli_1", now=NOW)

    await q.create_session_token(
        db, token_hash="th", account_id=account.id, now=NOW, expires_at=NOW + timedelta(hours=1)
    )
    assert await q.revoke_session_token(db, token_hash="th", now=NOW)
    token = await q.get_session_token(db, token_hash="th")
    assert token is not None and token.revoked_at == NOW

    # Deleting the connection removes its accounts, credentials and tokens (no orphans).
    await q.delete_connection(db, connection_id=connection.id)
    assert await q.get_credential(db, account_id=account.id) is None
    assert await q.get_session_token(db, token_hash="th") is None


async def test_unreachable_database_is_a_storage_error() -> None:
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageError):
            await upgrade_database(db)
    finally:
        await db.dispose()


async def test_concurrent_consumers_get_a_state_exactly_once(db: Database) -> None:
    connection = await make_connection(db)
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="PENDING_AUTH", now=NOW
    )
    await q.save_authorization_request(
        db,
        state="raced",
        connection_id=connection.id,
        account_id=account.id,
        identifier="u",
        code_verifier_sealed=None,
        user_verify_url=None,
        redirect_after=None,
        now=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    # A second engine stands in for a second gateway process on the same database.
    other = Database(db.url)
    try:
        results = await asyncio.gather(
            *(
                q.consume_authorization_request(target, state="raced", now=NOW)
                for target in (db, other, db, other, db, other)
            )
        )
    finally:
        await other.dispose()
    assert sum(result is not None for result in results) == 1


async def test_pending_grant_is_claimed_once(db: Database) -> None:
    connection = await make_connection(db)
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="PENDING_VERIFICATION", now=NOW
    )
    await q.save_authorization_request(
        db,
        state="s",
        connection_id=connection.id,
        account_id=account.id,
        identifier="u",
        code_verifier_sealed="k1:dmVyaWZpZXI=",
        user_verify_url="https://app.example/verify",
        redirect_after=None,
        now=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    assert await q.claim_pending_grant(db, state="s", now=NOW) is None  # nothing parked yet
    assert await q.consume_authorization_request(db, state="s", now=NOW) is not None
    grant = {"scope": "record_permission:read", "workspace_id": "w1"}
    await q.hold_pending_grant(db, state="s", pending_token_sealed="k1:dG9r", pending_grant=grant)
    claimed = await q.claim_pending_grant(db, state="s", now=NOW)
    assert claimed is not None
    assert (claimed.pending_grant, claimed.verified_at) == (grant, NOW)
    assert "dG9r" not in repr(claimed)
    assert await q.claim_pending_grant(db, state="s", now=NOW) is None


async def test_upsert_account_creates_once_even_when_raced(db: Database) -> None:
    connection = await make_connection(db)
    results = await asyncio.gather(
        *(
            q.upsert_account(
                db, connection_id=connection.id, identifier="racer", status="PENDING_AUTH", now=NOW
            )
            for _ in range(5)
        )
    )
    assert len({account.id for account, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    account = results[0][0]
    changed = await q.set_account_status(
        db, account_id=account.id, status="ACTIVE", now=NOW + timedelta(minutes=1)
    )
    assert (changed.status, changed.updated_at) == ("ACTIVE", NOW + timedelta(minutes=1))
    with pytest.raises(NotFoundError):
        await q.set_account_status(db, account_id="missing", status="ACTIVE", now=NOW)


async def test_audit_events_filter_by_connection_client_and_time(db: Database) -> None:
    for minute, connection_name, client in ((0, "a", "c1"), (1, "a", "c2"), (2, "b", "c1")):
        await q.record_audit_event(
            db,
            event=AuditEventRow(
                event_id=q.new_id(),
                at=NOW + timedelta(minutes=minute),
                kind="proxy",
                outcome="success",
                connection_name=connection_name,
                api_client_id=client,
                method="GET",
                path="/v2/self",
                http_status=200,
            ),
        )
    by_connection = await q.list_audit_events(db, connection_name="a")
    assert [e.api_client_id for e in by_connection] == ["c2", "c1"]
    assert len(await q.list_audit_events(db, api_client_id="c1")) == 2
    window = await q.list_audit_events(
        db, since=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=2)
    )
    assert [e.at for e in window] == [NOW + timedelta(minutes=1)]
    assert len(await q.list_audit_events(db, limit=1, offset=2)) == 1


async def test_upgrade_from_settings_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    await upgrade_database(settings)
    await upgrade_database(settings)  # idempotent
    assert (tmp_path / "fresh" / "gateway.db").exists()
    db = Database.from_settings(settings)
    try:
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_a_reference_to_a_missing_row_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        await q.create_account(
            db, connection_id="no-such-connection", identifier="u", status="ACTIVE", now=NOW
        )
    with pytest.raises(NotFoundError):
        await q.upsert_account(
            db, connection_id="no-such-connection", identifier="u", status="ACTIVE", now=NOW
        )
