"""``/metrics`` counts every tool call once, whichever path it came by: the JSON API
(``/api/v1/tools/execute``), MCP at ``/mcp`` and the dashboard's playground; a proxied
request is counted once too. A real server (uvicorn on a thread) on a real emulator."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client
from attio_gateway.sdk.operators import set_operator_password
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.sdk.sessions import create_session_token
from tests.gateway.api.conftest import token_request
from tests.gateway.dashboard.conftest import log_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:jinja2")

PASSWORD = "correct horse battery"
TOOL = ("attio_gateway_tool_calls", {"tool": "attio_list_objects", "outcome": "success"})
LATENCY = "attio_gateway_upstream_latency_seconds"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, mcp=True), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sample(text: str, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def test_each_path_counts_a_tool_call_exactly_once(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "alice")
        client = await create_api_client(gw, name="metrics", scopes=ALL_SCOPES)
        session = await create_session_token(gw, identifier="alice")
        await set_operator_password(gw, "admin", PASSWORD)

    with serve(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            answer = await token_request(http, client.client_id, client.client_secret)
            api = {"Authorization": f"Bearer {answer.json()['access_token']}"}

            async def metrics() -> str:
                return (await http.get("/metrics")).text

            async def moved(before: str) -> tuple[float, float, float]:
                after = await metrics()
                return (
                    sample(after, f"{TOOL[0]}_total", TOOL[1])
                    - sample(before, f"{TOOL[0]}_total", TOOL[1]),
                    sample(after, f"{LATENCY}_count", {"kind": "tool"})
                    - sample(before, f"{LATENCY}_count", {"kind": "tool"}),
                    sample(after, f"{LATENCY}_count", {"kind": "proxy"})
                    - sample(before, f"{LATENCY}_count", {"kind": "proxy"}),
                )

            # 1. The JSON API.
            before = await metrics()
            done = await http.post(
                "/api/v1/tools/execute",
                json={"tool_name": "attio_list_objects", "identifier": "alice"},
                headers=api,
            )
            assert done.status_code == 200, done.text
            assert await moved(before) == (1, 1, 0)

            # 2. MCP at /mcp.
            before = await metrics()
            async with (
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {session.token}"}) as mcp,
                Client(streamable_http_client(f"{base_url}/mcp", http_client=mcp)) as agent,
            ):
                result = await agent.call_tool("attio_list_objects", {})
            assert not result.is_error
            assert await moved(before) == (1, 1, 0)

            # 3. The dashboard's playground.
            assert (await log_in(http, "admin", PASSWORD)).status_code == 303
            page = (await http.get("/dashboard/tools")).text
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
            assert token
            before = await metrics()
            ran = await http.post(
                "/dashboard/tools/run",
                data={
                    "csrf_token": token.group(1),
                    "tool_name": "attio_list_objects",
                    "identifier": "alice",
                    "connection_name": "",
                    "input": "{}",
                },
            )
            assert ran.status_code == 200 and "execution" in ran.text.lower(), ran.text[:500]
            assert await moved(before) == (1, 1, 0)

            # A proxied request: the proxy's own counter and latency, once.
            before = await metrics()
            proxied = await http.post(
                "/api/v1/proxy", json={"path": "/v2/objects", "identifier": "alice"}, headers=api
            )
            assert proxied.json()["status_code"] == 200
            assert await moved(before) == (0, 0, 1)
            after = await metrics()
            ok = {"outcome": "success", "error_tier": ""}
            assert (
                sample(after, "attio_gateway_proxy_calls_total", ok)
                - sample(before, "attio_gateway_proxy_calls_total", ok)
                == 1
            )
