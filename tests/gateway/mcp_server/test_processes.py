"""The real ``attio-gateway mcp`` process, over stdio and over streamable HTTP, driven by the
official MCP client: the process boundary, the pipes, the HTTP transport and the session
tokens are the point here."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from attio_emulator.server import RunningEmulator, free_port
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.sdk.sessions import create_session_token, revoke_session_token
from attio_gateway.storage import queries as q
from attio_gateway.tools import catalog

from .conftest import revoke_grant

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def stdio_client(env: dict[str, str], *args: str) -> Client:
    return Client(StdioServerParameters(command=GATEWAY, args=["mcp", *args], env=env))


async def test_stdio_serves_the_catalog_and_acts_as_the_user(
    gateway: AsyncGateway, gateway_env: dict[str, str]
) -> None:
    await connect_user(gateway, "alice")
    async with stdio_client(
        gateway_env, "--identifier", "alice", "--connection", "attio"
    ) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        created = await client.call_tool("attio_create_company", {"values": {"name": "Piped"}})
        listed = await client.call_tool("attio_list_companies", {})
        resources = await client.list_resources()
    specs = catalog().search(name=None, query=None)
    assert set(tools) == {spec.name for spec in specs} | {"attio_read_result"}
    assert all(tools[spec.name].input_schema == spec.input_schema() for spec in specs)
    assert not created.is_error and not listed.is_error
    names = [c["values"]["name"] for c in listed.structured_content["data"]]
    assert "Piped" in names
    assert "attio://schema/objects/companies" in {str(r.uri) for r in resources.resources}


async def test_stdio_read_only_offers_no_writes(
    gateway: AsyncGateway, gateway_env: dict[str, str]
) -> None:
    async with stdio_client(gateway_env, "--identifier", "alice", "--read-only") as client:
        tools = (await client.list_tools()).tools
    assert tools and all(t.annotations and t.annotations.read_only_hint for t in tools)


async def test_stdio_answers_an_expired_account_with_the_link(
    gateway: AsyncGateway, gateway_env: dict[str, str], running_emulator: RunningEmulator
) -> None:
    await connect_user(gateway, "alice")
    await revoke_grant(gateway, running_emulator.base_url, "alice")
    async with stdio_client(gateway_env, "--identifier", "alice") as client:
        result = await client.call_tool("attio_list_objects", {})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["status"] == "EXPIRED" and "/authorize?" in error["authorization_link"]


def test_an_unknown_tool_name_stops_the_command_with_a_clear_error(
    gateway_env: dict[str, str], gateway: AsyncGateway
) -> None:
    done = subprocess.run(
        [GATEWAY, "mcp", "--identifier", "alice", "--tools", "attio_list_objects,attio_nope"],
        env=gateway_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "attio_nope" in done.stderr and "Traceback" not in done.stderr


# --- streamable HTTP ----------------------------------------------------------------------


@contextmanager
def served_mcp_http(env: dict[str, str], log: Path, *options: str) -> Iterator[str]:
    """``attio-gateway mcp --http [options]`` as a real process on a free port: its URL."""
    port = free_port()
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [GATEWAY, "mcp", "--http", *options, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the MCP server did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def mcp_url(gateway: AsyncGateway, gateway_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """``attio-gateway mcp --http`` as a real process on a free port."""
    with served_mcp_http(gateway_env, tmp_path / "mcp-http.log") as url:
        yield url


@asynccontextmanager
async def http_client(url: str, token: str) -> AsyncIterator[Client]:
    """The official client over streamable HTTP, sending ``token`` on every request."""
    async with (
        httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=300)
        ) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def open_session(http: httpx.AsyncClient, url: str, token: str) -> httpx.Response:
    """The handshake-era ``initialize``, raw, to see the session id the server hands out."""
    return await http.post(
        url,
        headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"},
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        },
    )


def list_tools_request(session_id: str, token: str) -> dict[str, Any]:
    return {
        "headers": {
            **MCP_HEADERS,
            "Authorization": f"Bearer {token}",
            "mcp-session-id": session_id,
            "mcp-protocol-version": "2025-06-18",
        },
        "json": {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    }


async def test_http_session_token_acts_as_its_own_user_only(
    gateway: AsyncGateway, mcp_url: str
) -> None:
    await connect_user(gateway, "alice")
    await connect_user(gateway, "bob")
    alice = await create_session_token(gateway, identifier="alice")
    bob = await create_session_token(gateway, identifier="bob")

    async with http_client(mcp_url, alice.token) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        created = await client.call_tool("attio_create_company", {"values": {"name": "Alice Co"}})
        schema = await client.read_resource("attio://schema/objects")
    assert tools == {s.name for s in catalog().search()} | {"attio_read_result"}
    assert not created.is_error and schema.contents
    async with http_client(mcp_url, bob.token) as client:
        assert not (await client.call_tool("attio_list_objects", {})).is_error

    def tool_calls(identifier: str) -> set[str]:
        return {e.tool_name for e in events if e.kind == "tool" and e.identifier == identifier}

    events = await gateway.audit_events()
    assert tool_calls("alice") == {"attio_create_company"}
    assert tool_calls("bob") == {"attio_list_objects"}


async def test_http_session_of_user_a_is_refused_to_user_b(
    gateway: AsyncGateway, mcp_url: str
) -> None:
    await connect_user(gateway, "alice")
    await connect_user(gateway, "bob")
    alice = await create_session_token(gateway, identifier="alice")
    bob = await create_session_token(gateway, identifier="bob")
    async with httpx.AsyncClient(timeout=30) as http:
        opened = await open_session(http, mcp_url, alice.token)
        assert opened.status_code == 200
        session_id = opened.headers["mcp-session-id"]
        hijack = await http.post(mcp_url, **list_tools_request(session_id, bob.token))
        own = await http.post(mcp_url, **list_tools_request(session_id, alice.token))
    assert hijack.status_code == 404
    assert own.status_code == 200 and "attio_list_objects" in own.text


async def test_http_refuses_missing_unknown_revoked_and_expired_tokens(
    gateway: AsyncGateway, mcp_url: str
) -> None:
    await connect_user(gateway, "alice")
    revoked = await create_session_token(gateway, identifier="alice")
    live = await create_session_token(gateway, identifier="alice")
    account_id = live.connected_account_id
    expired_token = "agst_expired-for-this-test"
    now = datetime.now(UTC)
    await q.create_session_token(
        gateway.db,
        token_hash=hashlib.sha256(expired_token.encode()).hexdigest(),
        account_id=account_id,
        now=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1),
    )
    async with httpx.AsyncClient(timeout=30) as http:
        opened = await open_session(http, mcp_url, revoked.token)
        assert opened.status_code == 200
        session_id = opened.headers["mcp-session-id"]
        assert await revoke_session_token(gateway, revoked.token)
        # The revoked token stops working at once, even inside its open session.
        in_session = await http.post(mcp_url, **list_tools_request(session_id, revoked.token))
        statuses = {
            name: (await open_session(http, mcp_url, token)).status_code
            for name, token in {
                "revoked": revoked.token,
                "expired": expired_token,
                "unknown": "agst_never-issued",
                "garbage": "not-a-token",
            }.items()
        }
        no_header = await http.post(mcp_url, headers=MCP_HEADERS, json={})
        still_fine = await open_session(http, mcp_url, live.token)
    assert in_session.status_code == 401
    assert statuses == dict.fromkeys(statuses, 401)
    assert no_header.status_code == 401
    assert still_fine.status_code == 200
    assert not await revoke_session_token(gateway, revoked.token)  # already revoked


async def test_http_answers_unconnected_and_expired_accounts_with_the_link(
    gateway: AsyncGateway, mcp_url: str, running_emulator: RunningEmulator
) -> None:
    await gateway.actions.get_authorization_link(identifier="pending")
    await connect_user(gateway, "alice")
    await revoke_grant(gateway, running_emulator.base_url, "alice")
    for identifier, status in (("pending", "PENDING_AUTH"), ("alice", "EXPIRED")):
        token = await create_session_token(gateway, identifier=identifier)
        async with http_client(mcp_url, token.token) as client:
            result = await client.call_tool("attio_list_objects", {})
        assert result.is_error
        error = result.structured_content["error"]
        assert error["code"] == "account_not_active" and error["status"] == status
        assert "/authorize?" in error["authorization_link"]
