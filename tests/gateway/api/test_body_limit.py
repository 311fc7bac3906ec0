"""Request bodies over ``max_request_body_bytes`` are refused with 413 before they are read
or forwarded, declared (Content-Length) or streamed (chunked)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk.admin import create_api_client
from tests.gateway.api.conftest import BASE, Server, assert_error, token_request
from tests.gateway.conftest import Emulator


@pytest.fixture
async def small_limit_server(tmp_path: Path, emulator: Emulator) -> AsyncIterator[Server]:
    """The server with a 64 kB body limit (the default is 4 MiB) and the usual test client.
    The limit wraps the whole app, mounts included, so it answers ``/mcp/`` before routing
    (MCP's session manager is left out here: it must run in the server's own task)."""
    settings = Settings(data_dir=tmp_path, base_url=BASE, max_request_body_bytes=65536)
    async with httpx.AsyncClient(transport=emulator.transport) as outbound:
        app = create_app(settings, http=outbound)
        async with app.router.lifespan_context(app):
            credentials = await create_api_client(app.state.gateway, name="tests")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                answer = await token_request(
                    client, credentials.client_id, credentials.client_secret
                )
                client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
                yield Server(
                    app=app,
                    client=client,
                    anonymous=client,
                    client_id=credentials.client_id,
                    client_secret=credentials.client_secret,
                )


@pytest.mark.parametrize("path", ["/api/v1/proxy", "/api/v1/tools/execute", "/mcp/"])
async def test_a_body_over_the_limit_is_a_413_and_nothing_is_forwarded(
    small_limit_server: Server, emulator: Emulator, path: str
) -> None:
    before = len(emulator.state.store.table("records"))
    big = {
        "path": "/v2/objects/companies/records",
        "method": "POST",
        "identifier": "alice",
        "body": {"data": {"values": {"name": "x" * 70000}}},
    }
    response = await small_limit_server.client.post(path, json=big)
    error = assert_error(response, 413, "request_too_large")
    assert "65536 bytes" in str(error["message"])
    assert len(emulator.state.store.table("records")) == before


async def test_a_streamed_body_over_the_limit_is_a_413(small_limit_server: Server) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"path": "/v2/self", "body": "'
        for _ in range(10):
            yield b"x" * 10000
        yield b'"}'

    response = await small_limit_server.client.post(
        "/api/v1/proxy", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "request_too_large")


async def test_a_body_under_the_limit_passes(small_limit_server: Server) -> None:
    response = await small_limit_server.client.post(
        "/api/v1/tools/execute", json={"tool_name": "nope", "tool_input": {"pad": "x" * 60000}}
    )
    assert response.status_code == 404, response.text  # past the limit check: unknown tool
