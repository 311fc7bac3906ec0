"""Gateway fixtures: a real emulator (in process) with a full-scope workspace token, and a
database on SQLite and on the machine's real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_gateway.proxy import AttioClient
from attio_gateway.storage import Database, upgrade_database


@dataclass
class Emulator:
    app: FastAPI
    state: EmulatorState
    token: str

    @property
    def transport(self) -> httpx.ASGITransport:
        return transport(self.app)


class FakeClock:
    """A ``Clock`` the test moves: the machine's time until ``set``, then that moment
    (standing still); ``monotonic`` jumps by as much as ``set`` moved the time."""

    def __init__(self) -> None:
        self._moment: datetime | None = None
        self._shift = 0.0

    def set(self, moment: datetime) -> None:
        self._moment = moment
        self._shift = (moment - datetime.now(UTC)).total_seconds()

    def reset(self) -> None:
        """Back to the machine's time."""
        self._moment, self._shift = None, 0.0

    def now(self) -> datetime:
        return self._moment or datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic() + self._shift


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator() -> Emulator:
    state = EmulatorState(store=Store())
    return Emulator(app=create_app(state), state=state, token=state.issue_token()["token"])


@pytest.fixture
async def attio(emulator: Emulator) -> AsyncIterator[AttioClient]:
    """An ``AttioClient`` on the in-process emulator, authenticated with every scope."""
    async with AttioClient(token=emulator.token, transport=emulator.transport) as client:
        yield client


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database (SQLite outside any gateway's data dir, or PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """That database, migrated."""
    database = Database(database_url)
    await upgrade_database(database)
    yield database
    await database.dispose()
