"""The gateway's server in process (httpx ``ASGITransport``), its outbound HTTP wired to the
in-process emulator, with a tmp data dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.conftest import Emulator

BASE = "http://gateway.test"
#: Any host reaches the in-process emulator; this one reads well.
ATTIO = "http://attio.test"


async def token_request(
    http: httpx.AsyncClient, client_id: str, client_secret: str
) -> httpx.Response:
    """``POST /api/v1/oauth/token`` with the client-credentials grant."""
    return await http.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


@dataclass
class Server:
    app: FastAPI
    client: httpx.AsyncClient  # authenticated with a bearer token
    anonymous: httpx.AsyncClient
    client_id: str
    client_secret: str

    @property
    def gateway(self) -> AsyncGateway:
        gateway: AsyncGateway = self.app.state.gateway
        return gateway


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, base_url=BASE)


@pytest.fixture
async def server(settings: Settings, emulator: Emulator) -> AsyncIterator[Server]:
    async with httpx.AsyncClient(transport=emulator.transport) as outbound:
        app = create_app(settings, http=outbound)
        async with app.router.lifespan_context(app):
            credentials = await create_api_client(
                app.state.gateway, name="tests", scopes=ALL_SCOPES
            )
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url=BASE) as anonymous,
                httpx.AsyncClient(transport=transport, base_url=BASE) as client,
            ):
                answer = await token_request(
                    anonymous, credentials.client_id, credentials.client_secret
                )
                client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
                yield Server(
                    app=app,
                    client=client,
                    anonymous=anonymous,
                    client_id=credentials.client_id,
                    client_secret=credentials.client_secret,
                )


@pytest.fixture
async def connected(server: Server) -> Server:
    """An ACTIVE emulator connection named 'attio' and an ACTIVE account 'alice'."""
    connection = await create_emulator_connection(server.gateway, ATTIO)
    assert connection.status == "ACTIVE", connection.status_detail
    await connect_user(server.gateway, "alice")
    return server


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The one JSON error shape: ``{"error": {"code", "message", "request_id", ...}}``."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and error["request_id"] == response.headers["x-request-id"]
    return dict(error)
