"""Record tools against the emulator: people, companies, deals, any object, users, workspaces."""

from __future__ import annotations

import pytest

from attio_gateway.errors import ToolInputError, UpstreamError
from tests.gateway.tools.conftest import Run, new_company, new_deal, new_person


async def test_person_lifecycle_with_the_documents_example_values(run: Run) -> None:
    company = await new_company(run)
    # The document's example: attribute_type on an email, a reference without target_object.
    created = await run(
        "attio_create_person",
        values={
            "name": [{"first_name": "Alice", "last_name": "Smith"}],
            "email_addresses": [{"email_address": "alice@acme.com", "attribute_type": "email"}],
            "company": [{"target_record_id": company}],
        },
    )
    person = created["data"]["id"]["record_id"]
    values = created["data"]["values"]
    assert values["name"][0]["full_name"] == "Alice Smith"
    assert values["company"][0]["target_record_id"] == company
    got = await run("attio_get_person", record_id=person)
    assert got["data"]["id"]["record_id"] == person
    listed = await run("attio_list_people", filter={"company": [{"target_record_id": company}]})
    assert [r["id"]["record_id"] for r in listed["data"]] == [person]
    assert listed["next_offset"] is None
    with pytest.raises(UpstreamError) as conflict:
        await run("attio_create_person", values={"email_addresses": "alice@acme.com"})
    assert conflict.value.status_code == 400
    renamed = await run("attio_update_person", record_id=person, values={"name": "Alice Jones"})
    assert renamed["data"]["values"]["name"][0]["last_name"] == "Jones"
    assert (await run("attio_delete_person", record_id=person, dry_run=True))["dry_run"]
    assert (await run("attio_get_person", record_id=person))["data"]
    assert (await run("attio_delete_person", record_id=person))["deleted"]
    with pytest.raises(UpstreamError) as gone:
        await run("attio_get_person", record_id=person)
    assert gone.value.status_code == 404


async def test_company_lifecycle_and_compact_output(run: Run) -> None:
    created = await run(
        "attio_create_company",
        values={"name": [{"value": "Acme"}], "domains": [{"domain": "acme.com"}, "acme.io"]},
    )
    company = created["data"]["id"]["record_id"]
    compact = await run("attio_get_company", record_id=company, output="compact")
    assert compact["data"]["record_id"] == company
    assert compact["data"]["values"]["domains"] == ["acme.com", "acme.io"]  # every value kept
    assert compact["data"]["values"]["name"] == "Acme"
    listed = await run("attio_list_companies", output="compact", fields=["name"])
    assert listed["data"][0]["values"] == {"name": "Acme"}
    updated = await run(
        "attio_update_company", record_id=company, values={"description": "Makes anvils"}
    )
    assert updated["data"]["values"]["description"][0]["value"] == "Makes anvils"
    assert (await run("attio_delete_company", record_id=company))["deleted"]
    assert (await run("attio_list_companies"))["data"] == []


async def test_deal_stage_title_case_insensitive_and_currency(run: Run, member_id: str) -> None:
    created = await run(
        "attio_create_deal",
        values={
            "name": "Big",
            "stage": [{"status": "In progress"}],  # the document's casing
            "owner": member_id,
            "value": [{"currency_value": 50000, "currency_code": "USD"}],
        },
    )
    deal = created["data"]["id"]["record_id"]
    assert created["data"]["values"]["stage"][0]["status"]["title"] == "In Progress"
    assert created["data"]["values"]["value"][0]["currency_value"] == 50000
    moved = await run("attio_update_deal", record_id=deal, values={"stage": "won"})
    assert moved["data"]["values"]["stage"][0]["status"]["title"].startswith("Won")
    listed = await run("attio_list_deals", filter={"stage": "won"})
    assert [d["id"]["record_id"] for d in listed["data"]] == [deal]
    assert (await run("attio_get_deal", record_id=deal))["data"]["id"]["record_id"] == deal
    assert (await run("attio_delete_deal", record_id=deal))["deleted"]


async def test_generic_record_tools(run: Run) -> None:
    created = await run("attio_create_record", object="companies", values={"name": "Globex"})
    record = created["data"]["id"]["record_id"]
    got = await run("attio_get_record", object="companies", record_id=record)
    assert got["data"]["values"]["name"][0]["value"] == "Globex"
    await run("attio_update_record", object="companies", record_id=record, values={"name": "G2"})
    history = await run(
        "attio_get_record_attribute_values",
        object="companies",
        record_id=record,
        attribute="name",
        show_historic=True,
    )
    assert [v["value"] for v in history["data"]] == ["Globex", "G2"]
    current = await run(
        "attio_get_record_attribute_values", object="companies", record_id=record, attribute="name"
    )
    assert [v["value"] for v in current["data"]] == ["G2"]
    listed = await run("attio_list_records", object="companies", limit=1)
    assert len(listed["data"]) == 1 and listed["next_offset"] == 1
    assert (await run("attio_delete_record", object="companies", record_id=record))["deleted"]


async def test_assert_record_upserts_by_a_unique_attribute(run: Run) -> None:
    first = await run(
        "attio_assert_record",
        object="companies",
        matching_attribute="domains",
        values={"domains": "acme.com", "name": "Acme"},
    )
    second = await run(
        "attio_assert_record",
        object="companies",
        matching_attribute="domains",
        values={"domains": "acme.com", "name": "Acme Inc"},
    )
    assert first["data"]["id"] == second["data"]["id"]
    with pytest.raises(ToolInputError, match="not unique") as caught:
        await run(
            "attio_assert_record",
            object="companies",
            matching_attribute="name",
            values={"name": "Acme"},
        )
    assert caught.value.field == "matching_attribute"


async def test_search_slices_attios_25_result_window(run: Run) -> None:
    for i in range(4):
        await new_person(run, email=f"p{i}@acme.com")
    everything = await run("attio_search_records", object="people", query="acme")
    assert len(everything["data"]) == 4
    sliced = await run("attio_search_records", object="people", query="acme", limit=2, offset=1)
    assert sliced["data"] == everything["data"][1:3]
    with pytest.raises(ToolInputError, match="at most 25") as caught:
        await run("attio_search_records", object="people", query="acme", limit=20, offset=10)
    assert caught.value.field == "offset"


async def test_users_and_workspaces_records(run: Run) -> None:
    # Both objects are off by default in Attio: the tools pass Attio's answer through.
    for tool in ("attio_list_user_records", "attio_list_workspace_records"):
        assert (await run(tool))["data"] == []
    missing = "00000000-0000-4000-8000-000000000000"
    for tool in (
        "attio_get_user_record",
        "attio_delete_user_record",
        "attio_get_workspace_record",
        "attio_delete_workspace_record",
    ):
        with pytest.raises(UpstreamError) as caught:
            await run(tool, record_id=missing)
        assert caught.value.status_code == 404


async def test_deal_without_owner_fails_loudly(run: Run) -> None:
    with pytest.raises(UpstreamError) as caught:
        await run("attio_create_deal", values={"name": "No owner", "stage": "Lead"})
    assert caught.value.status_code == 400


async def test_new_deal_helper(run: Run, member_id: str) -> None:
    assert await new_deal(run, member_id)
