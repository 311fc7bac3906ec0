"""The MCP server in memory, driven by the official MCP client, acting on the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from attio_emulator.server import RunningEmulator
from attio_gateway.errors import NotFoundError
from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.mcp_server.server import ERROR_KEYS, offered_tools
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.tools import catalog

from .conftest import revoke_grant


def client_for(gateway: AsyncGateway, identifier: str = "alice", **options: Any) -> Client:
    return Client(build_server(gateway, account_of=fixed_account(identifier), **options))


async def test_every_catalog_tool_is_listed_with_its_exact_schema_and_annotations(
    gateway: AsyncGateway,
) -> None:
    async with client_for(gateway) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    specs = catalog().search(name=None, query=None)
    assert set(listed) == {spec.name for spec in specs} | {"attio_read_result"}
    for spec in specs:
        tool = listed[spec.name]
        assert tool.input_schema == spec.input_schema()
        assert tool.description == spec.description
        assert tool.annotations is not None
        hints = tool.annotations
        # Only hints that differ from MCP's defaults are sent; what a client reads is the same.
        assert bool(hints.read_only_hint) is spec.read_only
        if not spec.read_only:  # the other hints mean something only for a tool that writes
            assert (hints.destructive_hint is not False) is spec.destructive
            assert bool(hints.idempotent_hint) is spec.idempotent
        assert hints.open_world_hint is None  # default: true


async def test_read_only_and_named_tools_narrow_the_list(gateway: AsyncGateway) -> None:
    async with client_for(gateway, read_only=True) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    read_only = {spec.name for spec in catalog().search(name=None, query=None) if spec.read_only}
    assert names == read_only | {"attio_read_result"} and "attio_create_company" not in names
    await connect_user(gateway, "alice")
    async with client_for(gateway, read_only=True) as client:
        write = await client.call_tool("attio_create_company", {"values": '{"name": "X"}'})
        read = await client.call_tool("attio_list_objects", {})
    assert write.is_error and write.structured_content["error"]["code"] == "unknown_tool"
    assert not read.is_error

    only = ["attio_list_objects", "attio_create_company"]
    async with client_for(gateway, tools=only) as client:
        assert [t.name for t in (await client.list_tools()).tools] == [*only, "attio_read_result"]
        refused = await client.call_tool("attio_list_people", {})
    assert refused.is_error
    assert refused.structured_content["error"]["code"] == "unknown_tool"
    assert set(ERROR_KEYS) <= set(refused.structured_content["error"])


async def test_an_unknown_tool_name_is_refused_up_front(gateway: AsyncGateway) -> None:
    with pytest.raises(NotFoundError, match="attio_nope"):
        await offered_tools(gateway, only=["attio_list_objects", "attio_nope"])


async def test_read_and_write_tools_act_on_the_users_workspace(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    async with client_for(gateway) as client:
        objects = await client.call_tool("attio_list_objects", {})
        created = await client.call_tool(
            "attio_create_company", {"values": {"name": "Acme", "domains": ["acme.com"]}}
        )
        # Compact by default: {record_id, values} with plain values, wrapped once.
        record_id = created.structured_content["data"]["record_id"]
        fetched = await client.call_tool("attio_get_company", {"record_id": record_id})
        full = await client.call_tool(
            "attio_get_company", {"record_id": record_id, "output": "full"}
        )
        bad = await client.call_tool("attio_get_company", {"record_id": record_id, "output": "x"})
    assert not objects.is_error and not created.is_error and not fetched.is_error
    slugs = {obj["api_slug"] for obj in objects.structured_content["data"]}
    assert {"people", "companies"} <= slugs
    # The text block carries the same JSON as the structured content.
    assert json.loads(objects.content[0].text) == objects.structured_content
    assert fetched.structured_content == {
        "data": {"record_id": record_id, "values": fetched.structured_content["data"]["values"]}
    }
    assert fetched.structured_content["data"]["values"]["name"] == "Acme"
    assert fetched.structured_content["data"]["values"]["domains"] == "acme.com"
    assert fetched.meta is not None and fetched.meta["execution_id"]
    assert full.structured_content["data"]["values"]["name"][0]["value"] == "Acme"
    assert bad.is_error and bad.structured_content["error"]["field"] == "output"
    events = await gateway.audit_events(identifier="alice")
    assert {e.tool_name for e in events if e.kind == "tool"} >= {
        "attio_list_objects",
        "attio_create_company",
    }


async def test_bad_input_is_an_error_result_naming_the_field(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    async with client_for(gateway) as client:
        result = await client.call_tool("attio_get_company", {"record_id": 42, "bogus": 1})
    assert result.is_error
    error = result.structured_content["error"]
    assert set(ERROR_KEYS) <= set(error)
    assert error["code"] == "tool_input_error"
    assert error["field"] in {"record_id", "bogus"}
    assert error["authorization_link"] is None


async def test_a_user_who_never_connected_gets_the_authorization_link(
    gateway: AsyncGateway,
) -> None:
    async with client_for(gateway, identifier="newcomer") as client:
        result = await client.call_tool("attio_list_objects", {})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["code"] == "account_not_active"
    assert error["status"] == "PENDING_AUTH"
    assert "/authorize?" in error["authorization_link"]
    assert error["hint"]


async def test_an_expired_account_is_answered_with_a_fresh_link_that_reconnects(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    await connect_user(gateway, "alice")
    await revoke_grant(gateway, running_emulator.base_url, "alice")
    async with client_for(gateway) as client:
        first = await client.call_tool("attio_list_objects", {})
        again = await client.call_tool("attio_list_companies", {})
    for result in (first, again):
        assert result.is_error
        error = result.structured_content["error"]
        assert error["code"] == "account_not_active" and error["status"] == "EXPIRED"
        assert "/authorize?" in error["authorization_link"]
    from attio_gateway.sdk.sandbox import consent

    await consent(gateway, again.structured_content["error"]["authorization_link"])
    async with client_for(gateway) as client:
        assert not (await client.call_tool("attio_list_objects", {})).is_error


async def test_the_workspace_schema_is_offered_as_resources(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    async with client_for(gateway) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = (await client.list_resource_templates()).resource_templates
        objects = await client.read_resource("attio://schema/objects")
        companies = await client.read_resource("attio://schema/objects/companies")
        deals = await client.read_resource("attio://schema/objects/deals")
    assert {"attio://schema/objects", "attio://schema/objects/people"} <= uris
    assert templates[0].uri_template == "attio://schema/objects/{object}"
    slugs = {o["api_slug"] for o in json.loads(objects.contents[0].text)}
    assert "companies" in slugs
    company_schema = json.loads(companies.contents[0].text)
    attributes = {a["api_slug"]: a for a in company_schema["attributes"]}
    assert attributes["name"]["title"]
    selects = [a for a in attributes.values() if a["type"] == "select"]
    assert selects and all("options" in a for a in selects)
    deal_attributes = json.loads(deals.contents[0].text)["attributes"]
    stage = next(a for a in deal_attributes if a["type"] == "status")
    assert {s["title"] for s in stage["statuses"]}


async def test_resources_of_an_unconnected_user_fail_with_the_link(gateway: AsyncGateway) -> None:
    await gateway.actions.get_authorization_link(identifier="pending")
    async with client_for(gateway, identifier="pending") as client:
        listed = await client.list_resources()
        with pytest.raises(MCPError) as caught:
            await client.read_resource("attio://schema/objects")
    assert [str(r.uri) for r in listed.resources] == ["attio://schema/objects"]
    assert caught.value.data["code"] == "account_not_active"
    assert "/authorize?" in caught.value.data["authorization_link"]


async def test_an_unknown_resource_is_not_found(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    async with client_for(gateway) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("attio://elsewhere")
        with pytest.raises(MCPError) as missing_object:
            await client.read_resource("attio://schema/objects/unicorns")
    assert caught.value.code == -32002
    assert missing_object.value.code == -32002
