"""An MCP tool call carries the caller's agent run id in ``_meta``: it lands in the call's
log entry (a malformed one is an MCP error naming it)."""

from __future__ import annotations

from mcp import Client

from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user


async def test_agent_run_id_in_meta_is_logged(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    async with Client(build_server(gateway, account_of=fixed_account("alice"))) as client:
        done = await client.call_tool("attio_list_objects", {}, meta={"agent_run_id": "mcp-run-1"})
        bad = await client.call_tool("attio_list_objects", {}, meta={"agent_run_id": "a b"})
    assert not done.is_error
    assert bad.is_error
    assert bad.structured_content["error"]["field"] == "agent_run_id"
    (entry,) = (await gateway.logs.query(agent_run_id="mcp-run-1")).logs
    assert entry.event_id == done.meta["execution_id"]
    assert (entry.identifier, entry.tool_name, entry.outcome) == (
        "alice",
        "attio_list_objects",
        "success",
    )
