"""Schemathesis against the gateway's own OpenAPI, over real HTTP: no 5xx, and every
response matches the schema it declares. Bounded (few examples per operation)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from attio_emulator.app import create_app as create_emulator
from attio_emulator.app import transport as emulator_transport
from attio_emulator.server import free_port
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client, issue_access_token
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


class RunningGateway:
    def __init__(self, data_dir: Path) -> None:
        emulator = create_emulator()
        self.settings = Settings(data_dir=data_dir, base_url="http://127.0.0.1")
        # Every outbound call (any host) reaches the in-process emulator: nothing leaves.
        self.outbound = lambda: httpx.AsyncClient(transport=emulator_transport(emulator))
        self.token = asyncio.run(self._prepare())
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        app = create_app(self.settings, http=self.outbound())
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _prepare(self) -> str:
        """An API client, a connection and an ACTIVE account, so routes have data."""
        async with self.outbound() as http, AsyncGateway(self.settings, http=http) as gateway:
            credentials = await create_api_client(gateway, name="schemathesis", scopes=ALL_SCOPES)
            await create_emulator_connection(gateway, "http://attio.test")
            await connect_user(gateway, "alice")
            token = await issue_access_token(
                gateway,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
            )
            return token.access_token

    def __enter__(self) -> RunningGateway:
        self.thread.start()
        deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "no server"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with RunningGateway(tmp_path_factory.mktemp("schemathesis")) as gateway:
        yield gateway


# The document does not depend on settings: build it once from a throwaway app.
schema = schemathesis.openapi.from_dict(create_app(Settings(data_dir=Path("unused"))).openapi())


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(case: schemathesis.Case, running: RunningGateway) -> None:
    case.call_and_validate(
        base_url=running.base_url,
        headers={"Authorization": f"Bearer {running.token}"},
        checks=CHECKS,
    )
