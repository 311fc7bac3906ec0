"""Triggers end to end: two emulators (two users, two workspaces) as real servers, the
gateway as a real server (uvicorn on a thread: its inbound endpoint, its delivery worker),
a second gateway on the same database for the test's own calls (as another process
would be), and a small HTTP server playing the app that receives the events."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_emulator.services.webhooks.models import ALLOW_LOCAL_HTTP, RETRY_DELAYS
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

SCOPES = [
    "record_permission:read-write",
    "object_configuration:read",
    "webhook:read-write",
]
#: Generous: the machine is shared; nothing here depends on how fast it is.
WAIT = 90.0


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = WAIT) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class App:
    """The app's endpoint: records every request it accepts; answers ``status``, or 500
    on the paths in ``down``."""

    url: str
    status: int = 200
    down: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if path is None or r.path == path]


@pytest.fixture
def app_server() -> Iterator[App]:
    port = free_port()
    app = App(url=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = 500 if self.path in app.down else app.status
            if status < 300:
                with app.lock:
                    app.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="trigger-app", daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()


def _emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        running.state.options[ALLOW_LOCAL_HTTP] = True
        running.state.options[RETRY_DELAYS] = (0.2, 0.5, 1.0, 2.0, 4.0)
        yield running


@pytest.fixture
def emulator_a() -> Iterator[RunningEmulator]:
    yield from _emulator()


@pytest.fixture
def emulator_b() -> Iterator[RunningEmulator]:
    yield from _emulator()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    port = free_port()
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        trigger_retry_base=0.2,
        trigger_poll_interval=0.1,
        trigger_max_attempts=40,
    )


@pytest.fixture
def gateway_server(settings: Settings) -> Iterator[str]:
    """The gateway serving the inbound endpoint and running the delivery worker."""
    port = int(settings.base_url.rsplit(":", 1)[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="attio-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.01)
    try:
        yield settings.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
async def gateway(
    settings: Settings,
    gateway_server: str,
    emulator_a: RunningEmulator,
    emulator_b: RunningEmulator,
) -> AsyncIterator[AsyncGateway]:
    """The test's own gateway on the server's database, without a worker: alice is
    connected on connection ``a`` (workspace A), bob on ``b`` (workspace B)."""
    mine = settings.model_copy(update={"trigger_worker": False})
    async with AsyncGateway(mine) as gw:
        await create_emulator_connection(gw, emulator_a.base_url, name="a", scopes=SCOPES)
        await create_emulator_connection(gw, emulator_b.base_url, name="b", scopes=SCOPES)
        await connect_user(gw, "alice", connection_name="a")
        await connect_user(gw, "bob", connection_name="b")
        yield gw
