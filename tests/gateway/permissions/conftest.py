"""A gateway on the emulator over HTTP with one connected user ``u`` and a deal in ``Lead``,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


@pytest.fixture
def emulator_http() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
async def gateway(
    settings: Settings, emulator_http: RunningEmulator
) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator_http.base_url)
        await connect_user(gw, "u")
        yield gw


async def tool(gw: AsyncGateway, name: str, arguments: dict[str, Any], **kwargs: Any) -> Any:
    kwargs.setdefault("identifier", "u")
    return (await gw.actions.execute_tool(arguments, name, **kwargs)).data


@pytest.fixture
async def member(gateway: AsyncGateway) -> str:
    members = await tool(gateway, "attio_list_workspace_members", {})
    return str(members["data"][0]["id"]["workspace_member_id"])


@pytest.fixture
async def deal(gateway: AsyncGateway, member: str) -> str:
    created = await tool(
        gateway,
        "attio_create_deal",
        {"values": {"name": "Big deal", "stage": "Lead", "owner": member}},
    )
    return str(created["data"]["id"]["record_id"])
