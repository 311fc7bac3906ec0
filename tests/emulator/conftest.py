"""Emulator fixtures: a fresh app per test and an async client authenticated with every scope."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from tests.emulator.conformance import check_response


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
