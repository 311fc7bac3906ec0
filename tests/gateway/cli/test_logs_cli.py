"""``attio-gateway logs [filters]`` and ``logs overview`` on a store holding real calls (made
against the in-process emulator): tables, JSON, the cursor, and bad filters exiting 1 with
the reason."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.conftest import Emulator

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "state"

    async def calls() -> None:
        async with (
            httpx.AsyncClient(transport=emulator.transport) as http,
            AsyncGateway(Settings(data_dir=data_dir), http=http) as gw,
        ):
            await create_emulator_connection(gw, "http://attio.test")
            await connect_user(gw, "alice")
            for run in ("run-a", "run-a", "run-b"):
                await gw.actions.execute_tool(
                    {}, "attio_list_objects", identifier="alice", agent_run_id=run
                )
            await gw.actions.request(
                identifier="alice", path="/v2/objects/nope", agent_run_id="run-b"
            )

    asyncio.run(calls())
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    return data_dir


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_logs_lists_filters_and_pages(store: Path) -> None:
    code, out, _ = cli("logs")
    assert code == 0, out
    assert out.count("attio_list_objects") == 3
    assert "GET /v2/objects/nope" in out and "attio/not_found" in out

    code, out, _ = cli("logs", "--run", "run-b", "--json")
    page = json.loads(out)
    assert [(e["kind"], e["agent_run_id"]) for e in page["logs"]] == [
        ("proxy", "run-b"),
        ("tool", "run-b"),
    ]
    code, out, _ = cli("logs", "--tier", "attio", "--json")
    assert [e["error_code"] for e in json.loads(out)["logs"]] == ["not_found"]

    code, out, err = cli("logs", "--limit", "3")
    assert code == 0 and "More: --cursor " in err
    cursor = err.split("--cursor ")[1].split()[0]
    code, out, err = cli("logs", "--limit", "3", "--cursor", cursor, "--json")
    assert len(json.loads(out)["logs"]) == 1 and "More" not in err


def test_logs_overview(store: Path) -> None:
    code, out, _ = cli("logs", "overview")
    assert code == 0, out
    assert "4 calls, 1 errors" in out
    assert "gateway 0, attio 1, policy 0" in out and "p50" in out
    assert "attio_list_objects" in out and "(proxy)" in out
    code, out, _ = cli("logs", "overview", "--run", "run-a", "--json")
    summary = json.loads(out)
    assert (summary["calls"], summary["errors"]) == (2, 0)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["logs", "--tier", "upstream"], "error_tier must be one of gateway, attio, policy"),
        (["logs", "--since", "yesterday"], "since must be an ISO 8601 time"),
        (["logs", "overview", "--since", "1h", "--until", "2h"], "must be before until"),
    ],
)
def test_bad_filters_exit_1_with_the_reason(store: Path, args: list[str], says: str) -> None:
    code, _, err = cli(*args)
    assert code == 1 and says in err, err


def test_logs_refuses_a_missing_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path / "nowhere"))
    code, _, err = cli("logs")
    assert code == 1 and "no gateway state" in err
