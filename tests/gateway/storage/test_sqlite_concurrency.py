"""The embedded SQLite file under concurrency: writers wait their turn and none fails;
readers never wait for a writer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, AuditEventRow


async def _account(db: Database) -> AccountRow:
    now = datetime.now(UTC)
    connection = await q.create_connection(
        db,
        name="attio",
        provider="attio",
        client_id="c",
        client_secret_sealed="k:YQ==",
        scopes=[],
        authorize_url="a",
        token_url="t",
        api_base_url="b",
        status="ACTIVE",
        status_detail=None,
        now=now,
    )
    return await q.create_account(
        db, connection_id=connection.id, identifier="u", status="ACTIVE", now=now
    )


async def test_concurrent_reads_and_writes_never_hit_database_is_locked(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    await upgrade_database(db)
    account = await _account(db)

    async def one_call(i: int) -> None:
        # What one proxy call does: read the account, touch it, write an audit event.
        await q.get_account(db, account_id=account.id)
        await q.touch_account_last_used(db, account_id=account.id, now=datetime.now(UTC))
        await q.record_audit_event(
            db,
            event=AuditEventRow(
                event_id=f"e{i}", at=datetime.now(UTC), kind="proxy", outcome="success"
            ),
        )

    try:
        await asyncio.gather(*(one_call(i) for i in range(200)))
        assert len(await q.list_audit_events(db, limit=500)) == 200
    finally:
        await db.dispose()


async def test_reads_do_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    await upgrade_database(db)
    account = await _account(db)
    try:
        async with db.transaction():  # holds SQLite's write lock until the block ends
            # Under the lock's busy timeout (5 s) a read that took the lock too would wait
            # here until it gave up; a read-only transaction takes none.
            read = await asyncio.wait_for(q.get_account(db, account_id=account.id), 2)
            assert read is not None and read.identifier == "u"
            assert await asyncio.wait_for(q.list_audit_events(db, limit=5), 2) == []
    finally:
        await db.dispose()
