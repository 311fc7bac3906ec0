"""An MCP tool call carries its idempotency key in ``_meta``: the same call again is answered
from the stored result, with the first call's execution id, and writes nothing."""

from __future__ import annotations

from mcp import Client

from attio_emulator.server import RunningEmulator
from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user


async def test_a_key_in_meta_makes_a_retried_create_write_once(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    await connect_user(gateway, "alice")
    before = len(running_emulator.state.store.table("records"))
    arguments = {"values": {"name": "Meta Co"}}
    async with Client(build_server(gateway, account_of=fixed_account("alice"))) as client:
        first = await client.call_tool(
            "attio_create_company", arguments, meta={"idempotency_key": "mcp-1"}
        )
        again = await client.call_tool(
            "attio_create_company", arguments, meta={"idempotency_key": "mcp-1"}
        )
        other = await client.call_tool(
            "attio_create_company",
            {"values": {"name": "Another"}},
            meta={"idempotency_key": "mcp-1"},
        )
    assert not first.is_error and not again.is_error
    assert again.structured_content == first.structured_content
    assert again.meta == first.meta  # the same execution id
    assert len(running_emulator.state.store.table("records")) == before + 1
    assert other.is_error
    assert other.structured_content["error"]["code"] == "idempotency_key_reused"
