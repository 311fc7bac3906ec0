"""``mount_mcp``: MCP at ``/mcp`` inside a host FastAPI app (how the gateway server serves it),
with the host's lifespan opening the gateway and running the MCP session manager."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import httpx2
import uvicorn
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from attio_emulator.server import free_port
from attio_gateway.config import Settings
from attio_gateway.mcp_server import mount_mcp
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.sdk.sessions import create_session_token


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the host did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def host_app(settings: Settings) -> FastAPI:
    gateway = AsyncGateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with gateway:
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    mount_mcp(app, gateway)
    return app


async def test_mcp_mounted_in_a_host_app_serves_tools_and_leaves_other_routes_alone(
    gateway: AsyncGateway, settings: Settings
) -> None:
    await connect_user(gateway, "alice")
    token = await create_session_token(gateway, identifier="alice")
    with serve(host_app(settings)) as base_url:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token.token}"}) as http,
            Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("attio_list_objects", {})
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as plain:
            health = await plain.get("/healthz")
            missing = await plain.get("/nope")
            refused = await plain.post("/mcp", json={})
    assert not result.is_error
    assert health.json() == {"status": "ok"}
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert refused.status_code == 401


async def test_the_served_gateway_offers_mcp_at_slash_mcp(
    gateway: AsyncGateway, settings: Settings
) -> None:
    from attio_gateway.api import create_app

    await connect_user(gateway, "alice")
    token = await create_session_token(gateway, identifier="alice")
    with serve(create_app(settings, mcp=True)) as base_url:  # as `attio-gateway serve`
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token.token}"}) as http,
            Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client,
        ):
            listed = await client.list_tools()
            result = await client.call_tool("attio_list_objects", {})
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as plain:
            health = await plain.get("/healthz")
            refused = await plain.post("/mcp", json={})
    assert "attio_create_person" in {tool.name for tool in listed.tools}
    assert not result.is_error
    assert health.status_code == 200
    assert refused.status_code == 401
