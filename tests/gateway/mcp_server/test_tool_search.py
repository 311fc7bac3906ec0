"""Tool search mode over MCP: a small listing, search with per-user readiness, describe, call."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.tools_context import _mcp_list_bytes
from mcp import Client

from attio_emulator.server import RunningEmulator
from attio_gateway.mcp_server import AccountBinding, build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.tools.search import search_mode_definitions


def test_search_mode_listing_is_under_4_kb() -> None:
    assert _mcp_list_bytes(search_mode_definitions()) <= 4_000


async def test_search_describe_and_call(gateway: AsyncGateway) -> None:
    async with Client(
        build_server(gateway, account_of=fixed_account("carol"), tool_search=True)
    ) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == [
            "attio_search_tools",
            "attio_describe_tool",
            "attio_call_tool",
            "attio_read_result",
        ]
        before = await client.call_tool("attio_search_tools", {"query": "create a company"})
    assert before.structured_content["tools"][0]["status"] == "needs_connection"

    await connect_user(gateway, "alice")
    async with Client(
        build_server(gateway, account_of=fixed_account("alice"), tool_search=True)
    ) as client:
        found = await client.call_tool(
            "attio_search_tools", {"query": "move a deal to another stage", "limit": 3}
        )
        top = [t["name"] for t in found.structured_content["tools"]]
        assert "attio_update_list_entry" in top
        assert all(t["status"] == "ready" for t in found.structured_content["tools"])
        described = await client.call_tool("attio_describe_tool", {"name": "attio_create_company"})
        assert described.structured_content["input_schema"]["required"] == ["values"]
        made = await client.call_tool(
            "attio_call_tool",
            {"name": "attio_create_company", "arguments": {"values": {"name": "Acme"}}},
        )
        assert not made.is_error, made.structured_content
        assert made.structured_content["data"]["values"]["name"] == "Acme"
        unknown = await client.call_tool("attio_describe_tool", {"name": "attio_nope"})
        assert unknown.is_error
        bad = await client.call_tool("attio_call_tool", {"name": "attio_create_company"})
        assert bad.is_error and bad.structured_content["error"]["field"] == "arguments"
    assert json.loads(made.content[0].text) == made.structured_content


async def test_missing_scopes_for_an_account_bound_by_id(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    """Over HTTP a session names its account by id: its missing scopes are still reported
    (the SDK's search_tools says the same)."""
    scopes = ["record_permission:read-write", "object_configuration:read", "note:read"]
    token = running_emulator.state.issue_token(scopes=scopes)["token"]
    made = await gateway.actions.create_connected_account(
        "attio", "dora", authorization_details={"oauth_token": {"access_token": token}}
    )
    account_id = made.connected_account.id

    async def by_id(ctx: Any) -> AccountBinding:
        return AccountBinding(connected_account_id=account_id)

    async with Client(build_server(gateway, account_of=by_id, tool_search=True)) as client:
        found = await client.call_tool("attio_search_tools", {"query": "create a note"})
        described = await client.call_tool("attio_describe_tool", {"name": "attio_create_note"})
    hits = {t["name"]: t for t in found.structured_content["tools"]}
    assert hits["attio_create_note"]["status"] == "needs_scopes"
    assert hits["attio_create_note"]["missing_scopes"] == ["note:read-write"]
    assert described.structured_content["status"] == "needs_scopes"
    sdk = await gateway.actions.search_tools("create a note", connected_account_id=account_id)
    assert {t["name"]: t["status"] for t in sdk["tools"]}["attio_create_note"] == "needs_scopes"
    company = await gateway.actions.search_tools("create a company", identifier="dora")
    assert company["tools"][0]["status"] == "ready"
