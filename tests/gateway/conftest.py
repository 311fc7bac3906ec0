"""Gateway fixtures: a real emulator (in process) with a full-scope workspace token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_gateway.proxy import AttioClient


@dataclass
class Emulator:
    app: FastAPI
    state: EmulatorState
    token: str

    @property
    def transport(self) -> httpx.ASGITransport:
        return transport(self.app)


@pytest.fixture
def emulator() -> Emulator:
    state = EmulatorState(store=Store())
    return Emulator(app=create_app(state), state=state, token=state.issue_token()["token"])


@pytest.fixture
async def attio(emulator: Emulator) -> AsyncIterator[AttioClient]:
    """An ``AttioClient`` on the in-process emulator, authenticated with every scope."""
    async with AttioClient(token=emulator.token, transport=emulator.transport) as client:
        yield client
