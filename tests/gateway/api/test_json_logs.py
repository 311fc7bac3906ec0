"""``attio-gateway serve --log-format json`` (and ``ATTIO_GATEWAY_LOG_FORMAT=json``): the
server process writes one JSON object per stderr line, and the lines written during a
tool call carry its request id, identifier and execution id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.api.conftest import token_request

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


def serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    base_url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [GATEWAY, "serve", "--port", base_url.rsplit(":", 1)[1], *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180  # generous: a loaded machine imports slowly
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"the server did not come up: {process.communicate()[1]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[str]) -> list[str]:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return [line for line in err.splitlines() if line.strip()]


@pytest.fixture
def env(tmp_path: Path, emulator: RunningEmulator) -> dict[str, str]:
    import asyncio

    settings = Settings(data_dir=tmp_path)

    async def prepare() -> dict[str, str]:
        async with AsyncGateway(settings) as gw:
            await create_emulator_connection(gw, emulator.base_url)
            await connect_user(gw, "alice")
            made = await create_api_client(gw, name="logs", scopes=ALL_SCOPES)
            return {"id": made.client_id, "secret": made.client_secret}

    client = asyncio.run(prepare())
    values = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")}
    values |= {
        "ATTIO_GATEWAY_DATA_DIR": str(tmp_path),
        "CLIENT_ID": client["id"],
        "CLIENT_SECRET": client["secret"],
    }
    return values


async def call_a_tool(base_url: str, env: dict[str, str], request_id: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        token = await token_request(http, env["CLIENT_ID"], env["CLIENT_SECRET"])
        answer = await http.post(
            "/api/v1/tools/execute",
            json={"tool_name": "attio_list_objects", "identifier": "alice"},
            headers={
                "Authorization": f"Bearer {token.json()['access_token']}",
                "X-Request-ID": request_id,
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-request-id"] == request_id
        return str(answer.json()["execution_id"])


@pytest.mark.parametrize("how", ["option", "environment"])
async def test_every_line_is_json_and_a_calls_lines_carry_its_ids(
    env: dict[str, str], how: str
) -> None:
    if how == "option":
        process, base_url = serve(env, "--log-format", "json")
    else:
        process, base_url = serve(env | {"ATTIO_GATEWAY_LOG_FORMAT": "json"})
    try:
        execution_id = await call_a_tool(base_url, env, "req-json-1")
    finally:
        lines = stop(process)

    records: list[dict[str, Any]] = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"] == "uvicorn.error" for r in records)  # uvicorn's own lines too

    mine = [r for r in records if r.get("request_id") == "req-json-1"]
    call = [r for r in mine if r["logger"] == "attio_gateway.sdk.calls"]
    assert len(call) == 1, mine
    assert call[0]["identifier"] == "alice" and call[0]["execution_id"] == execution_id
    assert "attio_list_objects" in call[0]["message"] and call[0]["level"] == "INFO"
    access = [r for r in mine if r["logger"] == "uvicorn.access"]
    assert len(access) == 1 and "/api/v1/tools/execute" in access[0]["message"]
    # Lines of other requests do not carry this one's ids.
    assert all(r.get("execution_id") in (None, execution_id) for r in records)


def test_a_bad_log_format_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--log-format", "xml"])
    assert result.exit_code == 2 and "--log-format" in result.output
