"""Many processes starting together on one empty PostgreSQL database: every one applies
(or finds applied) the migrations, none fails (``upgrade_database`` takes an advisory lock)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage.migrate import alembic_config, current_revision

pytestmark = pytest.mark.postgres

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_concurrent_upgrades_in_one_process_all_succeed(postgres_url: str) -> None:
    databases = [Database(postgres_url) for _ in range(6)]
    try:
        # Without the lock these deadlock on alembic_version: the timeout turns that into a failure.
        await asyncio.wait_for(
            asyncio.gather(*(upgrade_database(db) for db in databases)), timeout=60
        )
        assert await current_revision(databases[0]) == HEAD
    finally:
        for db in databases:
            await db.dispose()


def test_db_upgrade_commands_started_together_all_succeed(
    postgres_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")}
    env |= {"ATTIO_GATEWAY_DATABASE_URL": postgres_url, "ATTIO_GATEWAY_DATA_DIR": str(tmp_path)}
    processes = [
        subprocess.Popen(
            [GATEWAY, "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert stdout.strip() == f"database at revision {HEAD}"
