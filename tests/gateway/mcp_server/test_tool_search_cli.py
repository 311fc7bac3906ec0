"""``attio-gateway mcp --tool-search``, a real process over stdio and over streamable HTTP:
only the meta-tools are listed, and search, describe and call work through them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.sdk.sessions import create_session_token

from .test_processes import http_client, served_mcp_http, stdio_client

META = ["attio_search_tools", "attio_describe_tool", "attio_call_tool", "attio_read_result"]


async def search_and_call(client: Client) -> None:
    assert [t.name for t in (await client.list_tools()).tools] == META
    found = await client.call_tool("attio_search_tools", {"query": "create a company"})
    top = found.structured_content["tools"][0]
    assert top["name"] == "attio_create_company" and top["status"] == "ready"
    described = await client.call_tool("attio_describe_tool", {"name": "attio_create_company"})
    assert "values" in described.structured_content["input_schema"]["properties"]
    made = await client.call_tool(
        "attio_call_tool",
        {"name": "attio_create_company", "arguments": {"values": {"name": "Searched"}}},
    )
    assert not made.is_error, made.structured_content
    assert made.structured_content["data"]["values"]["name"] == "Searched"  # compact


async def test_stdio_tool_search(gateway: AsyncGateway, gateway_env: dict[str, str]) -> None:
    await connect_user(gateway, "alice")
    async with stdio_client(gateway_env, "--identifier", "alice", "--tool-search") as client:
        await search_and_call(client)


@pytest.fixture
def search_mcp_url(
    gateway: AsyncGateway, gateway_env: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    with served_mcp_http(gateway_env, tmp_path / "mcp-http.log", "--tool-search") as url:
        yield url


async def test_http_tool_search(gateway: AsyncGateway, search_mcp_url: str) -> None:
    await connect_user(gateway, "alice")
    session = await create_session_token(gateway, identifier="alice")
    async with http_client(search_mcp_url, session.token) as client:
        await search_and_call(client)
