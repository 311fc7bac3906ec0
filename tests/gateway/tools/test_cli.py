"""``attio-gateway tools list | describe | call`` (call against the emulator over HTTP)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_emulator.server import run_in_thread
from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.tools import catalog

runner = CliRunner()


def test_list_shows_every_tool_as_json() -> None:
    result = runner.invoke(app, ["tools", "list", "--json"])
    assert result.exit_code == 0, result.output
    names = [d["name"] for d in json.loads(result.output)]
    assert names == catalog().names()


def test_list_read_only_and_query() -> None:
    result = runner.invoke(app, ["tools", "list", "--json", "--read-only", "--query", "task"])
    names = {d["name"] for d in json.loads(result.output)}
    assert names == {"attio_list_tasks", "attio_get_task"}


def test_describe_prints_the_definition_and_scopes() -> None:
    result = runner.invoke(app, ["tools", "describe", "attio_create_task"])
    assert result.exit_code == 0, result.output
    described = json.loads(result.output)
    assert described["input_schema"]["required"] == ["content"]
    assert "task:read-write" in described["scopes"]


def test_describe_unknown_tool_suggests_names() -> None:
    result = runner.invoke(app, ["tools", "describe", "attio_create_tsk"])
    assert result.exit_code == 1
    assert "did you mean attio_create_task" in result.output
    assert "Traceback" not in result.output


def test_call_rejects_bad_input_before_touching_anything() -> None:
    bad_json = runner.invoke(
        app, ["tools", "call", "attio_list_people", "--identifier", "u1", "--input", "{"]
    )
    assert bad_json.exit_code == 1 and "--input is not JSON" in bad_json.output
    not_object = runner.invoke(
        app, ["tools", "call", "attio_list_people", "--identifier", "u1", "--input", "[]"]
    )
    assert not_object.exit_code == 1 and "JSON object" in not_object.output
    unknown = runner.invoke(app, ["tools", "call", "attio_list_persons", "--identifier", "u1"])
    assert unknown.exit_code == 1 and "attio_list_people" in unknown.output


def test_call_runs_a_tool_for_a_connected_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ATTIO_GATEWAY_BASE_URL", "http://127.0.0.1:8000")
    with run_in_thread() as emulator:

        async def connect() -> None:
            async with AsyncGateway(Settings()) as gateway:
                await create_emulator_connection(gateway, emulator.base_url)
                await connect_user(gateway, "cli_user")

        asyncio.run(connect())
        created = runner.invoke(
            app,
            [
                "tools",
                "call",
                "attio_create_company",
                "--identifier",
                "cli_user",
                "--input",
                '{"values": {"name": "Acme"}}',
            ],
        )
        assert created.exit_code == 0, created.output
        listed = runner.invoke(
            app,
            ["tools", "call", "attio_list_companies", "--identifier", "cli_user", "--compact"],
        )
        assert listed.exit_code == 0, listed.output
        assert json.loads(listed.output)["data"][0]["values"]["name"] == "Acme"
        refused = runner.invoke(
            app,
            [
                "tools",
                "call",
                "attio_create_deal",
                "--identifier",
                "cli_user",
                "--input",
                '{"values": {"stage": "Nurture"}}',
            ],
        )
        assert refused.exit_code == 1
        assert "'Nurture' is not a stage" in refused.output
        assert "Traceback" not in refused.output
