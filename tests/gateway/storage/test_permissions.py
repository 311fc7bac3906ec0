"""The state directory is its owner's alone: 0700, and every file in it 0600 — the SQLite
database, the ``-wal`` / ``-shm`` files SQLite creates later, and the vault's key file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.storage import queries as q


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask (022), which left the files 0644 and the directory 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def _write_some_state(data_dir: Path) -> None:
    async with AsyncGateway(Settings(data_dir=data_dir)) as gateway:
        await q.put_operator(
            gateway.db, username="admin", password_hash="scrypt$00$00", now=datetime.now(UTC)
        )
        await gateway.audit(kind="test", outcome="success")
        # While the gateway is open, the WAL and its index exist beside the database.
        assert (data_dir / "gateway.db-wal").exists() and (data_dir / "gateway.db-shm").exists()
        _assert_private(data_dir)
    _assert_private(data_dir)


def _assert_private(data_dir: Path) -> None:
    assert mode(data_dir) == 0o700
    files = sorted(p.name for p in data_dir.iterdir())
    assert {"gateway.db", "vault.keys"} <= set(files)
    assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)


async def test_a_fresh_data_dir_and_its_files_are_private(tmp_path: Path) -> None:
    await _write_some_state(tmp_path / "state")


async def test_an_existing_loose_data_dir_is_narrowed(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    await _write_some_state(data_dir)
    data_dir.chmod(0o755)
    for path in data_dir.iterdir():
        path.chmod(0o644)
    await _write_some_state(data_dir)


async def test_a_sqlite_url_outside_the_data_dir_is_private_too(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere.db"
    settings = Settings(data_dir=tmp_path / "state", database_url=f"sqlite+aiosqlite:///{database}")
    async with AsyncGateway(settings) as gateway:
        await gateway.audit(kind="test", outcome="success")
        assert mode(database) == 0o600
        assert mode(database.with_name("elsewhere.db-wal")) == 0o600
        assert mode(database.with_name("elsewhere.db-shm")) == 0o600
