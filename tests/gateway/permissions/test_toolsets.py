"""Toolsets over the SDK: stored and versioned, refused when invalid (field named), they
narrow what is listed and callable, and fix arguments (hidden from the schema)."""

from __future__ import annotations

import pytest

from attio_gateway.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ToolInputError,
    ToolNotInToolsetError,
)
from attio_gateway.sdk import AsyncGateway
from tests.gateway.permissions.conftest import tool


async def test_crud_and_version(gateway: AsyncGateway) -> None:
    made = await gateway.toolsets.create(
        "sales", description="Deals only", tools=["attio_list_deals", "attio_update_deal"]
    )
    assert made.version == 1
    assert [t.name for t in made.tools] == ["attio_list_deals", "attio_update_deal"]
    changed = await gateway.toolsets.update("sales", tools=["attio_list_deals"])
    assert changed.version == 2 and [t.name for t in changed.tools] == ["attio_list_deals"]
    assert (await gateway.toolsets.get("sales")).description == "Deals only"
    assert [t.name for t in await gateway.toolsets.list()] == ["sales"]
    with pytest.raises(ConflictError):
        await gateway.toolsets.create("sales", tools=["attio_list_deals"])
    await gateway.toolsets.delete("sales")
    with pytest.raises(NotFoundError):
        await gateway.toolsets.get("sales")


@pytest.mark.parametrize(
    ("tools", "field"),
    [
        (["attio_list_deals", "attio_no_such_tool"], "tools.1.name"),
        (
            [{"name": "attio_list_records", "fixed_arguments": {"nope": 1}}],
            "tools.0.fixed_arguments.nope",
        ),
        (
            [{"name": "attio_list_records", "fixed_arguments": {"object": 5}}],
            "tools.0.fixed_arguments.object",
        ),
        ([], "tools"),
        (["attio_list_deals", "attio_list_deals"], "tools"),
    ],
)
async def test_invalid_toolset_names_the_field(
    gateway: AsyncGateway, tools: list[object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await gateway.toolsets.create("bad", tools=tools)
    assert caught.value.field == field
    with pytest.raises(InvalidInputError) as caught:
        await gateway.toolsets.create("no spaces allowed", tools=["attio_list_deals"])
    assert caught.value.field == "name"


async def test_toolset_limits_listing_and_calls(gateway: AsyncGateway, deal: str) -> None:
    await gateway.toolsets.create(
        "deals",
        tools=[
            "attio_get_deal",
            {"name": "attio_list_records", "fixed_arguments": {"object": "deals"}},
        ],
    )
    listing = await gateway.actions.list_tools(toolset="deals")
    names = [entry["definition"]["name"] for entry in listing["tools"]]
    assert sorted(names) == ["attio_get_deal", "attio_list_records"]
    assert listing["total_size"] == 2
    records = next(e for e in listing["tools"] if e["definition"]["name"] == "attio_list_records")
    schema = records["definition"]["input_schema"]
    assert "object" not in schema["properties"]
    assert "object" not in schema.get("required", [])

    # The fixed argument is applied: the agent lists deals without naming the object.
    listed = await tool(gateway, "attio_list_records", {}, toolset="deals")
    assert [d["id"]["record_id"] for d in listed["data"]] == [deal]
    got = await tool(gateway, "attio_get_deal", {"record_id": deal}, toolset="deals")
    assert got["data"]["id"]["record_id"] == deal

    with pytest.raises(ToolNotInToolsetError) as refused:
        await tool(gateway, "attio_delete_deal", {"record_id": deal}, toolset="deals")
    assert refused.value.tool_name == "attio_delete_deal" and refused.value.toolset == "deals"
    assert "attio_delete_deal" in refused.value.message and "deals" in refused.value.message
    with pytest.raises(ToolInputError) as fixed:
        await tool(gateway, "attio_list_records", {"object": "people"}, toolset="deals")
    assert fixed.value.field == "object"
    with pytest.raises(NotFoundError):
        await tool(gateway, "attio_get_deal", {"record_id": deal}, toolset="nope")
    with pytest.raises(NotFoundError):
        await gateway.actions.list_tools(toolset="nope")
    # Without a toolset, every tool is still there.
    assert (await gateway.actions.list_tools(page_size=500))["total_size"] > 50


async def test_the_framework_caller_takes_a_toolset(gateway: AsyncGateway, deal: str) -> None:
    from attio_gateway.tools.adapters import gateway_caller

    await gateway.toolsets.create(
        "deals", tools=[{"name": "attio_list_records", "fixed_arguments": {"object": "deals"}}]
    )
    call = gateway_caller(gateway.actions, identifier="u", toolset="deals")
    listed = await call("attio_list_records", {})
    assert len(listed["data"]) == 1 and deal in str(listed)
    with pytest.raises(ToolNotInToolsetError):
        await call("attio_list_people", {})
