"""Emulator fixtures: a fresh app per test, an async client authenticated with every scope,
and a local webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.services.webhooks.models import ALLOW_LOCAL_HTTP, RETRY_DELAYS
from tests.emulator.conformance import check_response
from tests.emulator.helpers import Receiver


@pytest.fixture
def emulator_state() -> EmulatorState:
    return EmulatorState(store=Store())


@pytest.fixture
def emulator_app(emulator_state: EmulatorState) -> FastAPI:
    return create_app(emulator_state)


@pytest.fixture
def api_token(emulator_state: EmulatorState) -> str:
    token: str = emulator_state.issue_token()["token"]
    return token


@pytest.fixture
async def client(emulator_app: FastAPI, api_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the emulator in process, full-scope token; every response is
    checked against Attio's OpenAPI description."""

    async def conforms(response: httpx.Response) -> None:
        await response.aread()
        check_response(response)

    async with httpx.AsyncClient(
        transport=transport(emulator_app),
        base_url="https://api.attio.com",
        headers={"Authorization": f"Bearer {api_token}"},
        event_hooks={"response": [conforms]},
    ) as http:
        yield http


@pytest.fixture
def receiver(emulator_state: EmulatorState) -> Iterator[Receiver]:
    emulator_state.options[ALLOW_LOCAL_HTTP] = True
    emulator_state.options[RETRY_DELAYS] = [0.01, 0.01, 0.01]
    target = Receiver()
    thread = threading.Thread(target=target.server.serve_forever, daemon=True)
    thread.start()
    yield target
    target.server.shutdown()
    target.server.server_close()
    thread.join()
