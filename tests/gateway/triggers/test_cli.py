"""``attio-gateway triggers …`` on a store with a connected user (the emulator over HTTP)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_emulator.server import RunningEmulator
from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.triggers.conftest import SCOPES

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_subscribe_list_events_deliveries_and_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator_a: RunningEmulator
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")

    async def setup() -> None:
        async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
            await create_emulator_connection(gw, emulator_a.base_url, scopes=SCOPES)
            await connect_user(gw, "user_123")

    asyncio.run(setup())

    code, out, err = cli("triggers", "subscribe", "user_123", "-e", "record.changed")
    assert code == 1
    assert "'record.changed'" in out + err and "record.updated" in out + err

    code, out, err = cli(
        "triggers", "subscribe", "user_123", "-e", "record.updated", "-e", "note.created", "--json"
    )
    assert code == 0, out + err
    created = json.loads(out)
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["record.updated", "note.created"]
    (hook,) = emulator_a.state.store.table("webhooks").values()
    assert {s["event_type"] for s in hook["subscriptions"]} == {"record.updated", "note.created"}

    code, out, _ = cli("triggers", "list", "--json")
    listed = json.loads(out)
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    code, out, _ = cli("triggers", "list")
    assert created["id"] in out and "(pull only)" in out

    code, out, _ = cli("triggers", "events", "user_123")
    assert code == 0 and json.loads(out) == {"events": [], "next_cursor": 0}
    code, out, _ = cli("triggers", "deliveries", created["id"], "--json")
    assert code == 0 and json.loads(out) == []

    code, out, err = cli("triggers", "delete", created["id"])
    assert code == 0, out + err
    assert list(emulator_a.state.store.table("webhooks").values()) == []
    code, out, err = cli("triggers", "delete", created["id"])
    assert code == 1 and "No trigger subscription" in out + err
