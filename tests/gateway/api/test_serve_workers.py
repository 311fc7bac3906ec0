"""``attio-gateway serve --workers 2`` on PostgreSQL + Redis: two worker processes start,
the one-time setup happens once, and proxied calls on fresh connections succeed (which
worker takes each one is the kernel's choice, not asserted)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.api.conftest import token_request

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")


def test_several_workers_need_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ATTIO_GATEWAY_REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "ATTIO_GATEWAY_REDIS_URL" in result.output


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        running.state.limits.enabled = False
        yield running


def _worker_pids(parent: int) -> set[int]:
    """uvicorn's worker processes under ``parent`` (not multiprocessing's resource tracker).
    ``-ww``: ps otherwise cuts the command line at the terminal's (or $COLUMNS') width,
    which can cut off the "resource_tracker" it is told apart by."""
    listed = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = (line.split(maxsplit=1) for line in listed.stdout.splitlines() if line.strip())
    return {int(pid) for pid, args in rows if "resource_tracker" not in args}


class Served:
    """``attio-gateway serve --workers 2`` in its own process group of workers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.base_url = f"http://127.0.0.1:{free_port()}"
        port = self.base_url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [GATEWAY, "serve", "--port", port, "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 180  # generous: workers import the gateway slowly under load
        while not self._healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"the server did not come up: {self.stop()}")
            time.sleep(0.2)
        while len(_worker_pids(self.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.workers = _worker_pids(self.process.pid)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> str:
        """Stop the server; everything it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        output, _ = self.process.communicate(timeout=30)
        return output


@pytest.fixture
def workers_env(postgres_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")}
    return env | {
        "ATTIO_GATEWAY_DATABASE_URL": postgres_url,
        "ATTIO_GATEWAY_REDIS_URL": redis_url,
        "ATTIO_GATEWAY_DATA_DIR": str(tmp_path),
    }


@pytest.fixture
def served(workers_env: dict[str, str]) -> Iterator[Served]:
    server = Served(workers_env)
    try:
        yield server
    finally:
        server.stop()


async def test_two_workers_share_one_setup_and_serve_proxied_calls(
    served: Served, workers_env: dict[str, str], emulator: RunningEmulator
) -> None:
    assert len(served.workers) == 2
    # The app's side: the same database, Redis and (file) vault key as the server.
    settings = Settings(
        database_url=workers_env["ATTIO_GATEWAY_DATABASE_URL"],
        redis_url=workers_env["ATTIO_GATEWAY_REDIS_URL"],
        data_dir=Path(workers_env["ATTIO_GATEWAY_DATA_DIR"]),
        base_url=served.base_url,
    )
    async with AsyncGateway(settings) as gateway:
        await create_emulator_connection(gateway, emulator.base_url)
        await connect_user(gateway, "user_1")
        credentials = await create_api_client(gateway, name="workers")
    async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
        token = await token_request(http, credentials.client_id, credentials.client_secret)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for _ in range(20):  # a new connection each time: either worker may answer
        async with httpx.AsyncClient(
            base_url=served.base_url, headers=headers, timeout=60
        ) as fresh:
            answer = await fresh.post(
                "/api/v1/proxy", json={"identifier": "user_1", "path": "/v2/self"}
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["body"]["active"] is True
    output = await asyncio.to_thread(served.stop)
    # The first admin was created once, by the setup before the workers started.
    assert output.count("created the dashboard admin") == 1, output
