"""Migration 0011 (an audit event's agent_run_id and error_tier): down to 0010 drops the two
columns and keeps the events, up again matches the tables; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy

from attio_gateway.config import Settings
from attio_gateway.sdk import maintenance
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.migrate import current_revision, head_revision, schema_drift
from attio_gateway.storage.records import AuditEventRow

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_down_to_0010_and_up_again(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    try:
        await upgrade_database(db)
        event = AuditEventRow(
            event_id="e1",
            at=AT,
            kind="tool",
            outcome="error",
            tool_name="attio_list_objects",
            agent_run_id="run-1",
            error_tier="attio",
            error_code="not_found",
            duration_ms=7,
        )
        await q.record_audit_event(db, event=event)
    finally:
        await db.dispose()

    settings = Settings(data_dir=tmp_path, database_url=database_url)
    assert await maintenance.downgrade(settings, "0010") == "0010"
    db = Database(database_url)
    try:
        async with db.read() as conn:
            columns = await conn.run_sync(
                lambda sync: {
                    c["name"] for c in sqlalchemy.inspect(sync).get_columns("audit_events")
                }
            )
        assert "agent_run_id" not in columns and "error_tier" not in columns
        assert "error_code" in columns

        await upgrade_database(db)
        assert await schema_drift(db) == []
        (kept,) = await q.list_audit_events(db)
        assert (kept.event_id, kept.error_code, kept.duration_ms) == ("e1", "not_found", 7)
        assert (kept.agent_run_id, kept.error_tier) == (None, None)  # dropped with the columns
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()
