"""The unmodified ``scalekit-sdk-python`` against the gateway served over HTTP: its
constructor authenticates at ``POST {env_url}/oauth/token`` and ``actions.request()``
goes through ``{env_url}/proxy{path}``. (Its other methods speak gRPC, not served yet.)"""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from attio_emulator.app import create_app as create_emulator
from attio_emulator.app import transport as emulator_transport
from attio_emulator.server import free_port
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, ApiClientCredentials, create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the SDK's pydantic models use a deprecated Config
    import scalekit.client
    from scalekit.common.exceptions import ScalekitUnauthorizedException


class RunningGateway:
    """``attio-gateway serve``'s app under uvicorn on a free port; Attio is the emulator."""

    def __init__(self, data_dir: Path) -> None:
        emulator = create_emulator()
        self.settings = Settings(data_dir=data_dir, base_url="http://127.0.0.1")
        self.outbound = lambda: httpx.AsyncClient(transport=emulator_transport(emulator))
        self.credentials = asyncio.run(self._prepare())
        port = free_port()
        self.env_url = f"http://127.0.0.1:{port}"
        app = create_app(self.settings, http=self.outbound())
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _prepare(self) -> ApiClientCredentials:
        async with self.outbound() as http, AsyncGateway(self.settings, http=http) as gateway:
            credentials = await create_api_client(gateway, name="sdk", scopes=ALL_SCOPES)
            await create_emulator_connection(gateway, "http://attio.test")
            await connect_user(gateway, "user_123")
            return credentials

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
    with RunningGateway(tmp_path_factory.mktemp("scalekit-wire")) as gateway:
        yield gateway


def test_the_unmodified_sdk_authenticates_and_proxies(running: RunningGateway) -> None:
    client = scalekit.client.ScalekitClient(
        env_url=running.env_url,
        client_id=running.credentials.client_id,
        client_secret=running.credentials.client_secret,
    )
    actions = client.actions
    me = actions.request(connection_name="attio", identifier="user_123", path="/v2/self")
    assert me.status_code == 200, me.text
    assert me.json()["active"] is True
    company = actions.request(
        connection_name="attio",
        identifier="user_123",
        path="/v2/objects/companies/records",
        method="POST",
        body={"data": {"values": {"name": [{"value": "Acme Corp"}]}}},
    )
    assert company.status_code == 200, company.text
    record_id = company.json()["data"]["id"]["record_id"]
    found = actions.request(
        connection_name="attio",
        identifier="user_123",
        path=f"/v2/objects/companies/records/{record_id}",
        query_params={"unused": "1"},
    )
    assert found.json()["data"]["id"]["record_id"] == record_id
    nobody = actions.request(connection_name="attio", identifier="nobody", path="/v2/self")
    assert nobody.status_code == 404 and nobody.json()["error"]["code"] == "not_found"


def test_wrong_credentials_raise_the_sdks_own_exception(running: RunningGateway) -> None:
    with pytest.raises(ScalekitUnauthorizedException):
        scalekit.client.ScalekitClient(
            env_url=running.env_url,
            client_id=running.credentials.client_id,
            client_secret="wrong",
        )
