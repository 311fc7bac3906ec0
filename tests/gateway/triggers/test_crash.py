"""A gateway process killed (SIGKILL) while it is posting an event to the app loses
nothing: the event was stored before Attio got its 200, the delivery stays pending under
the dead process's claim, and another gateway sends it once the claim's lease passes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator.server import RunningEmulator, free_port
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.triggers.conftest import SCOPES, eventually

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")


class HoldingApp:
    """Holds the first request it gets (never answers it); answers 200 to later ones."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.held = threading.Event()
        self.release = threading.Event()
        self.accepted: list[bytes] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not app.held.is_set():
                    app.held.set()
                    app.release.wait(120)
                    return
                app.accepted.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def holding_app() -> Iterator[HoldingApp]:
    app = HoldingApp()
    try:
        yield app
    finally:
        app.close()


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[subprocess.Popen[bytes], Settings]]:
    """``attio-gateway serve`` in a process of its own (a 3 s delivery lease)."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        trigger_lease=3,
        trigger_poll_interval=0.1,
        trigger_retry_base=0.2,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")} | {
        "ATTIO_GATEWAY_DATA_DIR": str(tmp_path),
        "ATTIO_GATEWAY_DATABASE_URL": database_url,
        "ATTIO_GATEWAY_BASE_URL": settings.base_url,
        "ATTIO_GATEWAY_TRIGGER_LEASE": "3",
        "ATTIO_GATEWAY_TRIGGER_POLL_INTERVAL": "0.1",
    }
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [GATEWAY, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 180  # generous: a loaded machine starts slowly
        while not _healthy(settings.base_url):
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.2)
        yield process, settings
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def test_killed_mid_delivery_the_event_is_delivered_by_another_process(
    served: tuple[subprocess.Popen[bytes], Settings],
    emulator_a: RunningEmulator,
    holding_app: HoldingApp,
) -> None:
    process, settings = served
    # The app's own gateway on the same database: sets up, sends nothing yet.
    async with AsyncGateway(settings.model_copy(update={"trigger_worker": False})) as gw:
        await create_emulator_connection(gw, emulator_a.base_url, name="a", scopes=SCOPES)
        await connect_user(gw, "alice", connection_name="a")
        subscription = await gw.triggers.subscribe(
            connection_name="a",
            identifier="alice",
            events=["record.created"],
            target_url=f"{holding_app.url}/events",
        )
        await gw.actions.execute_tool(
            {"values": {"name": "Acme"}},
            "attio_create_company",
            identifier="alice",
            connection_name="a",
        )

        async def held() -> bool:
            return holding_app.held.is_set()

        await eventually(held, "the served gateway posting the event to the app")
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 30)
        (delivery,) = await gw.triggers.deliveries(subscription.id)
        assert (delivery.state, delivery.attempts) == ("pending", 0)
        assert holding_app.accepted == []

    # Another gateway process (here: this test's, now with its worker) takes it over.
    async with AsyncGateway(settings) as other:

        async def delivered() -> bool:
            (row,) = await other.triggers.deliveries(subscription.id)
            return row.state == "delivered"

        await eventually(delivered, "the delivery sent by the other process")
        (row,) = await other.triggers.deliveries(subscription.id)
        assert row.attempts == 1
    assert len(holding_app.accepted) == 1
