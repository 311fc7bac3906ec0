"""Many concurrent writers on the embedded SQLite file: they wait their turn, none fails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuditEventRow


async def test_concurrent_reads_and_writes_never_hit_database_is_locked(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    await upgrade_database(db)
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
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="ACTIVE", now=now
    )

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
