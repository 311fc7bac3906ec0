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


async def test_a_server_is_one_run_when_keys_are_derived(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    """``derive_idempotency_keys``: a client that sends no key gets the same write sent
    once by one server (one stdio process), also across reconnects; another server is
    another run; a ``_meta`` run id of the call's own wins."""
    await connect_user(gateway, "alice")
    table = running_emulator.state.store.table
    before = len(table("records"))
    arguments = {"values": {"name": "Derived Co"}}
    server = build_server(gateway, account_of=fixed_account("alice"), derive_idempotency_keys=True)
    async with Client(server) as client:
        first = await client.call_tool("attio_create_company", arguments)
        again = await client.call_tool("attio_create_company", arguments)
        other = await client.call_tool("attio_create_company", {"values": {"name": "Else"}})
        own = await client.call_tool("attio_create_company", arguments, meta={"run_id": "mine"})
    assert not first.is_error and not again.is_error and not other.is_error and not own.is_error
    assert again.meta == first.meta  # replayed: the first call's execution id
    assert own.meta != first.meta
    assert len(table("records")) == before + 3
    async with Client(server) as client:  # the same server: the same run
        await client.call_tool("attio_create_company", arguments)
    assert len(table("records")) == before + 3
    restarted = build_server(
        gateway, account_of=fixed_account("alice"), derive_idempotency_keys=True
    )
    async with Client(restarted) as client:  # another process: another run
        await client.call_tool("attio_create_company", arguments)
    assert len(table("records")) == before + 4
    plain = build_server(gateway, account_of=fixed_account("alice"))
    async with Client(plain) as client:  # not opted in: every call is sent
        await client.call_tool("attio_create_company", arguments)
        await client.call_tool("attio_create_company", arguments)
    assert len(table("records")) == before + 6
