"""MCP server fixtures: a real emulator over HTTP, a gateway with an ``attio`` connection to
it, and helpers to connect users (consent played headlessly) and to revoke their grant."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import create_emulator_connection


@pytest.fixture
def running_emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")


@pytest.fixture
async def gateway(
    settings: Settings, running_emulator: RunningEmulator
) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, running_emulator.base_url)
        yield gw


@pytest.fixture
def gateway_env(settings: Settings) -> dict[str, str]:
    """The environment a gateway subprocess needs to share this test's state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")}
    env["ATTIO_GATEWAY_DATA_DIR"] = str(settings.data_dir)
    env["ATTIO_GATEWAY_BASE_URL"] = settings.base_url
    return env


async def revoke_grant(gateway: AsyncGateway, emulator_url: str, identifier: str) -> None:
    """The user revokes the app in Attio: the gateway only learns on its next call."""
    account = await gateway.actions.get_connected_account(identifier=identifier)
    token = account.connected_account.authorization_details["oauth_token"]["access_token"]
    async with httpx.AsyncClient(base_url=emulator_url, timeout=60) as http:
        response = await http.post("/oauth/revoke", data={"token": token})
    assert response.status_code == 204
