"""Audit retention on SQLite and PostgreSQL: events past the retention are deleted in
batches, each exported first (a failed export deletes nothing); two gateways pruning one
database export and delete every event exactly once; the background job keeps the table at
its bound while calls keep writing; ``attio-gateway db prune-audit`` exports to stdout."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.errors import ConfigurationError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuditEventRow


def events(count: int, *, days_ago: float, identifier: str = "old") -> list[AuditEventRow]:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    return [
        AuditEventRow(
            event_id=str(uuid.uuid4()),
            at=at + timedelta(milliseconds=i),
            kind="tool",
            outcome="success",
            identifier=identifier,
            tool_name="attio_list_objects",
        )
        for i in range(count)
    ]


def settings_for(tmp_path: Path, database_url: str, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, **extra)  # type: ignore[arg-type]


@pytest.fixture
async def gateway(tmp_path: Path, database_url: str) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(settings_for(tmp_path, database_url, audit_retention_days=30)) as gw:
        yield gw


async def count(gw: AsyncGateway, identifier: str) -> int:
    return len(await gw.audit_events(identifier=identifier, limit=100_000))


async def test_old_events_are_exported_then_deleted_in_batches(
    gateway: AsyncGateway, tmp_path: Path
) -> None:
    db = gateway.services.db
    old = events(250, days_ago=31)
    await q.record_audit_events(db, events=old)
    await q.record_audit_events(db, events=events(5, days_ago=29, identifier="recent"))
    export = tmp_path / "audit.jsonl"
    deleted = await gateway.services.retention.prune(export=export, batch=100)
    assert deleted == 250
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert [line["event_id"] for line in lines] == [e.event_id for e in old]  # oldest first
    assert lines[0]["tool_name"] == "attio_list_objects" and lines[0]["at"].startswith("20")
    assert await count(gateway, "old") == 0
    assert await count(gateway, "recent") == 5
    assert await gateway.services.retention.prune(export=export) == 0  # nothing left to do


async def test_a_failed_export_deletes_nothing(gateway: AsyncGateway, tmp_path: Path) -> None:
    await q.record_audit_events(gateway.services.db, events=events(10, days_ago=40))
    with pytest.raises(ConfigurationError, match=r"cannot be written.*nothing was deleted"):
        await gateway.prune_audit_events(export=tmp_path / "missing-dir" / "audit.jsonl")
    assert await count(gateway, "old") == 10
    assert await gateway.prune_audit_events(older_than_days=0) == 0  # 0: keep everything
    assert await count(gateway, "old") == 10


async def test_two_gateways_prune_one_database_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    first = AsyncGateway(settings_for(tmp_path / "a", database_url, audit_retention_days=30))
    second = AsyncGateway(settings_for(tmp_path / "b", database_url, audit_retention_days=30))
    async with first, second:
        old = events(3000, days_ago=60)
        await q.record_audit_events(first.services.db, events=old)
        exports = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
        deleted = await asyncio.gather(
            first.services.retention.prune(export=exports[0], batch=200),
            second.services.retention.prune(export=exports[1], batch=200),
        )
        assert sum(deleted) == 3000
        exported = [
            json.loads(line)["event_id"]
            for path in exports
            if path.exists()
            for line in path.read_text().splitlines()
        ]
        assert sorted(exported) == sorted(e.event_id for e in old)  # each once
        assert await count(first, "old") == 0


async def test_the_job_keeps_the_table_at_its_bound_while_calls_write(
    tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(
        tmp_path,
        database_url,
        audit_retention_days=7,
        audit_retention_every=0.05,
        audit_export_path=tmp_path / "audit.jsonl",
    )
    async with AsyncGateway(settings) as gw:
        db = gw.services.db
        written = 0
        for _ in range(600):  # generous: polls, not a deadline
            # Sustained load: old events keep arriving (a backfill) beside new ones.
            await q.record_audit_events(db, events=events(50, days_ago=8))
            await q.record_audit_events(db, events=events(5, days_ago=0, identifier="new"))
            written += 50
            await asyncio.sleep(0.02)
            if written >= 1000:
                break
        for _ in range(600):
            if await count(gw, "old") == 0:
                break
            await asyncio.sleep(0.05)
        assert await count(gw, "old") == 0
        assert await count(gw, "new") == 5 * (written // 50)
    exported = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(exported) == written == len({json.loads(line)["event_id"] for line in exported})


def test_the_cli_exports_to_stdout(tmp_path: Path, database_url: str) -> None:
    async def seed() -> None:
        async with AsyncGateway(settings_for(tmp_path, database_url)) as gw:
            await q.record_audit_events(gw.services.db, events=events(3, days_ago=100))

    asyncio.run(seed())
    env = {"ATTIO_GATEWAY_DATA_DIR": str(tmp_path), "ATTIO_GATEWAY_DATABASE_URL": database_url}
    result = CliRunner().invoke(app, ["db", "prune-audit", "--export", "-"], env=env)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3 and all(json.loads(line)["identifier"] == "old" for line in lines)
    assert "deleted 3 audit events" in result.stderr
