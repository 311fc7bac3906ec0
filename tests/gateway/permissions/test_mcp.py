"""MCP with permissions, through the official MCP client: a server bound to a toolset lists
and runs only its tools (in memory and as the real ``attio-gateway mcp --toolset`` stdio
process), and a deny rule answers the agent with its message."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from attio_gateway.config import Settings
from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway

GATEWAY = str(Path(sys.executable).parent / "attio-gateway")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


async def test_toolset_and_deny_rule_in_memory(gateway: AsyncGateway, deal: str) -> None:
    await gateway.toolsets.create(
        "deals",
        tools=[
            "attio_update_deal",
            {"name": "attio_list_records", "fixed_arguments": {"object": "deals"}},
        ],
    )
    await gateway.policies.create(
        id="no-won",
        match={"toolset": "deals", "arguments": [{"path": "values.stage", "equals": "Won"}]},
        effect="deny",
        message="Only people mark deals as won.",
    )
    server = build_server(gateway, account_of=fixed_account("u"), toolset="deals")
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        listed = await client.call_tool("attio_list_records", {})
        outside = await client.call_tool("attio_list_people", {})
        denied = await client.call_tool(
            "attio_update_deal", {"record_id": deal, "values": {"stage": "Won"}}
        )
        moved = await client.call_tool(
            "attio_update_deal", {"record_id": deal, "values": {"stage": "Lost"}}
        )
    assert set(tools) == {"attio_update_deal", "attio_list_records", "attio_read_result"}
    assert "object" not in tools["attio_list_records"].input_schema["properties"]
    assert not listed.is_error
    assert len(listed.structured_content["data"]) == 1 and deal in str(listed.structured_content)
    assert outside.is_error and outside.structured_content["error"]["code"] == "unknown_tool"
    assert denied.is_error
    error = denied.structured_content["error"]
    assert (error["code"], error["rule_id"]) == ("policy_denied", "no-won")
    assert error["message"] == "Only people mark deals as won."
    assert not moved.is_error


async def test_stdio_process_serves_only_the_toolset(
    gateway: AsyncGateway, settings: Settings
) -> None:
    await gateway.toolsets.create("members", tools=["attio_list_workspace_members"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_")}
    env["ATTIO_GATEWAY_DATA_DIR"] = str(settings.data_dir)
    params = StdioServerParameters(
        command=GATEWAY, args=["mcp", "--identifier", "u", "--toolset", "members"], env=env
    )
    async with Client(params) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        members = await client.call_tool("attio_list_workspace_members", {})
        other = await client.call_tool("attio_list_companies", {})
    assert names == {"attio_list_workspace_members", "attio_read_result"}
    assert not members.is_error
    assert other.is_error and other.structured_content["error"]["code"] == "unknown_tool"


async def test_tool_search_sees_only_the_toolset(gateway: AsyncGateway) -> None:
    await gateway.toolsets.create(
        "deals", tools=[{"name": "attio_list_records", "fixed_arguments": {"object": "deals"}}]
    )
    server = build_server(gateway, account_of=fixed_account("u"), toolset="deals", tool_search=True)
    async with Client(server) as client:
        found = await client.call_tool("attio_search_tools", {"query": "list records people"})
        described = await client.call_tool("attio_describe_tool", {"name": "attio_list_records"})
        other = await client.call_tool("attio_describe_tool", {"name": "attio_list_people"})
    assert [t["name"] for t in found.structured_content["tools"]] == ["attio_list_records"]
    assert "object" not in described.structured_content["input_schema"]["properties"]
    assert other.is_error
