"""``attio-gateway serve``'s app under uvicorn on a free port, for tests that need real HTTP
(an unmodified vendor SDK, schemathesis). Every outbound call (any host) reaches an
in-process emulator, so nothing leaves the machine; the store has an API client with every
scope, the emulator connection ``attio`` and one ACTIVE account."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from attio_emulator.app import create_app as create_emulator
from attio_emulator.app import transport as emulator_transport
from attio_emulator.server import free_port
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, ApiClientCredentials, create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


class ServedGateway:
    def __init__(self, data_dir: Path, *, identifier: str, client_name: str) -> None:
        emulator = create_emulator()
        self.settings = Settings(data_dir=data_dir, base_url="http://127.0.0.1")
        self.outbound = lambda: httpx.AsyncClient(transport=emulator_transport(emulator))
        self.credentials = asyncio.run(self._prepare(identifier, client_name))
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        app = create_app(self.settings, http=self.outbound())
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _prepare(self, identifier: str, client_name: str) -> ApiClientCredentials:
        async with self.outbound() as http, AsyncGateway(self.settings, http=http) as gateway:
            credentials = await create_api_client(gateway, name=client_name, scopes=ALL_SCOPES)
            await create_emulator_connection(gateway, "http://attio.test")
            await connect_user(gateway, identifier)
            return credentials

    def __enter__(self) -> ServedGateway:
        self.thread.start()
        deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "no server"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
