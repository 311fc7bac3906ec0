"""Filter checking with the emulator's schema (TOOLS.md §A.2), and the checked filters
accepted by the emulator's query endpoint."""

from __future__ import annotations

import pytest

from attio_gateway.errors import ToolInputError
from attio_gateway.proxy import AttioClient
from attio_gateway.tools.filters import check_filter
from attio_gateway.tools.results import ResultStore
from attio_gateway.tools.schema import WorkspaceSchema
from tests.gateway.tools.conftest import Run, new_company, new_deal, new_person


@pytest.fixture
def schema(attio: AttioClient) -> WorkspaceSchema:
    return WorkspaceSchema(attio, {})


async def test_unknown_slug_suggests_the_right_one(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match=r"unknown attribute 'first_name'.*did you mean") as e:
        await check_filter(schema, "people", {"first_name": "Alice"})
    assert e.value.field == "filter.first_name"


async def test_array_wrapped_conditions_are_unwrapped(schema: WorkspaceSchema) -> None:
    checked = await check_filter(
        schema, "people", {"email_addresses": [{"email_address": {"$eq": "a@b.com"}}]}
    )
    assert checked == {"email_addresses": {"email_address": {"$eq": "a@b.com"}}}
    with pytest.raises(ToolInputError, match="array of 2 conditions"):
        await check_filter(schema, "people", {"job_title": [{"$eq": "a"}, {"$eq": "b"}]})


async def test_select_value_forms_become_the_exact_title(schema: WorkspaceSchema, run: Run) -> None:
    await run(
        "attio_create_select_option", object="companies", attribute="categories", title="Robotics"
    )
    for form in ([{"value": "robotics"}], {"option": "ROBOTICS"}, "robotics", {"$eq": "Robotics"}):
        assert await check_filter(schema, "companies", {"categories": form}) == {
            "categories": "Robotics"
        }


async def test_in_on_a_status_becomes_an_or(schema: WorkspaceSchema) -> None:
    checked = await check_filter(schema, "deals", {"stage": {"$in": ["lead", "lost"]}})
    assert checked == {"$or": [{"stage": "Lead"}, {"stage": "Lost"}]}
    combined = await check_filter(
        schema, "deals", {"name": {"$contains": "Big"}, "stage": {"$in": ["lead"]}}
    )
    assert combined == {"$and": [{"name": {"$contains": "Big"}}, {"$or": [{"stage": "Lead"}]}]}


async def test_unknown_status_in_a_filter_fails(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match="'Qualified' is not a stage") as caught:
        await check_filter(schema, "deals", {"stage": "Qualified"})
    assert caught.value.field == "filter.stage"


async def test_operator_must_suit_the_type(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match=r"'\$gt' does not apply to 'name' \(type text\)"):
        await check_filter(schema, "deals", {"name": {"$gt": "B"}})
    with pytest.raises(ToolInputError, match=r"'\$contains' does not apply"):
        await check_filter(schema, "deals", {"value": {"$contains": 5}})
    with pytest.raises(ToolInputError, match="no \\$ne"):
        await check_filter(schema, "deals", {"$ne": {"name": "x"}})
    ok = await check_filter(schema, "deals", {"value": {"$gte": 10}})
    assert ok == {"value": {"$gte": 10}}


async def test_logical_operators_are_walked(schema: WorkspaceSchema) -> None:
    checked = await check_filter(
        schema,
        "deals",
        {"$or": [{"stage": "won"}, {"$not": {"name": [{"$eq": "x"}]}}]},
    )
    assert checked["$or"][0] == {"stage": "Won 🎉"}
    assert checked["$or"][1] == {"$not": {"name": {"$eq": "x"}}}
    with pytest.raises(ToolInputError, match="non-empty array"):
        await check_filter(schema, "deals", {"$and": []})


async def test_reference_filter_gets_its_target_object(schema: WorkspaceSchema) -> None:
    record = "1f1b2d5e-0000-4000-8000-000000000001"
    checked = await check_filter(schema, "people", {"company": [{"target_record_id": record}]})
    assert checked == {"company": {"target_object": "companies", "target_record_id": record}}


async def test_checked_filters_work_on_the_emulator(run: Run, member_id: str) -> None:
    company = await new_company(run)
    await new_person(run)
    await run(
        "attio_update_person",
        record_id=(await run("attio_list_people"))["data"][0]["id"]["record_id"],
        values={"company": company},
    )
    lead = await new_deal(run, member_id, stage="Lead")
    lost = await new_deal(run, member_id, stage="Lost")
    await new_deal(run, member_id, stage="In Progress")
    found = await run("attio_list_deals", filter={"stage": {"$in": ["LEAD", "lost"]}})
    assert {d["id"]["record_id"] for d in found["data"]} == {lead, lost}
    people = await run("attio_list_people", filter={"company": [{"target_record_id": company}]})
    assert len(people["data"]) == 1
    by_email = await run(
        "attio_list_records",
        object="people",
        filter={"email_addresses": [{"email_address": {"$eq": "alice@acme.com"}}]},
    )
    assert len(by_email["data"]) == 1


async def test_compact_pages_are_whole_and_the_budget_splits_them_for_read_result(
    run: Run,
) -> None:
    """A compact page is never cut short by the tool (the pages walked by next_offset used to
    shrink under a size budget); the per-call token budget of MCP and the adapters splits a
    large result into parts instead, every record kept."""
    long = "x" * 9000
    for i in range(8):
        await run("attio_create_company", values={"name": f"C{i}", "description": long})
    default = await run("attio_list_companies")
    assert len(default["data"]) == 8 and default["next_offset"] is None
    compact = await run("attio_list_companies", output="compact")
    assert len(compact["data"]) == 8 and compact["next_offset"] is None
    store = ResultStore()
    part = store.fit("me", compact, budget_tokens=5_000)
    seen = list(part["data"])
    while part["next_cursor"]:
        part = store.read("me", part["result_id"], part["next_cursor"])
        seen += part["data"]
    assert seen == compact["data"]
