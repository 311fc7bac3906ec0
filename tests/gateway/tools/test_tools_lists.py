"""List and entry tools against the emulator, with a deal pipeline list."""

from __future__ import annotations

from typing import Any

import pytest

from attio_gateway.errors import MissingScopesError, ToolInputError, UpstreamError
from tests.gateway.tools.conftest import Run, attribute_fields, new_deal, new_person


async def pipeline(run: Run) -> dict[str, Any]:
    created = await run(
        "attio_create_list",
        name="Sales pipeline",
        api_slug="sales_pipeline",
        workspace_access="full-access",
        workspace_member_access=[],
        parent_object="deals",
    )
    await run(
        "attio_create_attribute",
        **attribute_fields(
            list="sales_pipeline",
            api_slug="stage",
            title="Stage",
            type="status",
            description="Where the deal is",
        ),
    )
    for title in ("Qualified", "Proposal"):
        await run("attio_create_status", list="sales_pipeline", attribute="stage", title=title)
    return dict(created["data"])


async def qualified_deal(run: Run, member_id: str) -> str:
    """A new deal added to the pipeline at stage Qualified; the entry's id."""
    deal = await new_deal(run, member_id)
    added = await run(
        "attio_add_to_list",
        list="sales_pipeline",
        record_id=deal,
        entry_values={"stage": "Qualified"},
    )
    entry_id: str = added["data"]["id"]["entry_id"]
    return entry_id


async def test_list_lifecycle_and_entries(run: Run, member_id: str) -> None:
    created = await pipeline(run)
    assert created["parent_object"] == ["deals"]
    assert (await run("attio_get_list", list="sales_pipeline"))["data"]["name"] == "Sales pipeline"
    deal = await new_deal(run, member_id)
    # The document's example entry_values; parent_object is resolved from the list.
    added = await run(
        "attio_add_to_list",
        list="sales_pipeline",
        record_id=deal,
        entry_values={"stage": [{"status": "qualified"}]},
    )
    entry = added["data"]["id"]["entry_id"]
    assert added["data"]["parent_object"] == "deals"
    assert added["data"]["entry_values"]["stage"][0]["status"]["title"] == "Qualified"
    got = await run("attio_get_list_entry", list="sales_pipeline", entry_id=entry, output="compact")
    assert got["data"] == {
        "entry_id": entry,
        "parent_object": "deals",
        "parent_record_id": deal,
        "values": {"stage": "Qualified", **got["data"]["values"]},
    }
    moved = await run(
        "attio_update_list_entry",
        list="sales_pipeline",
        entry_id=entry,
        entry_values={"stage": "PROPOSAL"},
    )
    assert moved["data"]["entry_values"]["stage"][0]["status"]["title"] == "Proposal"
    found = await run("attio_list_entries", list="sales_pipeline", filter={"stage": "proposal"})
    assert [e["id"]["entry_id"] for e in found["data"]] == [entry]
    none = await run("attio_list_entries", list="sales_pipeline", filter={"stage": "Qualified"})
    assert none["data"] == []
    asserted = await run(
        "attio_assert_list_entry",
        list="sales_pipeline",
        record_id=deal,
        entry_values={"stage": "Qualified"},
    )
    assert asserted["data"]["id"]["entry_id"] == entry
    memberships = await run("attio_list_record_entries", object="deals", record_id=deal)
    assert [m["entry_id"] for m in memberships["data"]] == [entry]
    mine = await run("attio_list_lists", parent_object="deals", parent_record_id=deal)
    assert [lst["entry_ids"] for lst in mine["data"]] == [[entry]]
    assert len((await run("attio_list_lists"))["data"]) == 1
    removed = await run(
        "attio_remove_from_list", list="sales_pipeline", entry_id=entry, dry_run=True
    )
    assert removed["dry_run"]
    assert (await run("attio_remove_from_list", list="sales_pipeline", entry_id=entry))["removed"]
    assert (await run("attio_list_entries", list="sales_pipeline"))["data"] == []
    assert (await run("attio_get_deal", record_id=deal))["data"]  # the record stays


async def test_unknown_stage_on_an_entry_fails_loudly(run: Run, member_id: str) -> None:
    await pipeline(run)
    deal = await new_deal(run, member_id)
    with pytest.raises(ToolInputError) as caught:
        await run(
            "attio_add_to_list",
            list="sales_pipeline",
            record_id=deal,
            entry_values={"stage": "Negotiation"},
        )
    assert caught.value.field == "entry_values.stage"
    assert "Qualified, Proposal" in caught.value.message
    assert (await run("attio_list_entries", list="sales_pipeline"))["data"] == []


async def test_add_to_list_checks_the_records_object(run: Run) -> None:
    await pipeline(run)
    person = await new_person(run)
    with pytest.raises(ToolInputError, match="holds deals") as caught:
        await run(
            "attio_add_to_list", list="sales_pipeline", record_id=person, parent_object="people"
        )
    assert caught.value.field == "parent_object"


async def test_create_list_requires_the_object_attio_needs(run: Run) -> None:
    with pytest.raises(ToolInputError) as caught:
        await run(
            "attio_create_list",
            name="Outreach",
            api_slug="q2_outreach",
            workspace_access="read-only",
            workspace_member_access=[],
        )
    assert caught.value.field == "parent_object"
    with pytest.raises(ToolInputError) as access:
        await run(
            "attio_create_list",
            name="Outreach",
            api_slug="q2_outreach",
            workspace_access="everyone",
            workspace_member_access=[],
            parent_object="people",
        )
    assert access.value.field == "workspace_access"


async def test_a_list_slug_must_be_snake_case(run: Run) -> None:
    """The product document's example slug has a hyphen; Attio refuses it, so the tool
    says so before calling, with the slug to use instead."""
    with pytest.raises(ToolInputError, match="try 'q2_outreach'") as caught:
        await run(
            "attio_create_list",
            name="Outreach",
            api_slug="q2-outreach",
            workspace_access="read-only",
            workspace_member_access=[],
            parent_object="people",
        )
    assert caught.value.field == "api_slug"


async def test_unknown_list_is_attios_404(run: Run) -> None:
    with pytest.raises(UpstreamError) as caught:
        await run("attio_get_list", list="nope")
    assert caught.value.status_code == 404


async def test_update_list_renames_and_keeps_its_schema_fresh(run: Run, member_id: str) -> None:
    created = await pipeline(run)
    entry = await qualified_deal(run, member_id)
    updated = await run(
        "attio_update_list",
        list="sales_pipeline",
        name="Deals board",
        api_slug="deals_board",
        workspace_member_access=[{"workspace_member_id": member_id, "level": "full-access"}],
    )
    data = updated["data"]
    assert data["id"] == created["id"]
    assert (data["name"], data["api_slug"]) == ("Deals board", "deals_board")
    assert data["workspace_member_access"] == [
        {"workspace_member_id": member_id, "level": "full-access"}
    ]
    assert data["workspace_access"] == "full-access"  # not given, so left as it was
    moved = await run(
        "attio_update_list_entry",
        list="deals_board",
        entry_id=entry,
        entry_values={"stage": "proposal"},
    )
    assert moved["data"]["entry_values"]["stage"][0]["status"]["title"] == "Proposal"
    with pytest.raises(UpstreamError) as old:
        await run("attio_get_list", list="sales_pipeline")
    assert old.value.status_code == 404
    private = await run("attio_update_list", list="deals_board", workspace_access=None)
    assert private["data"]["workspace_access"] is None
    with pytest.raises(ToolInputError) as nothing:
        await run("attio_update_list", list="deals_board")
    assert nothing.value.field == "name"
    with pytest.raises(ToolInputError) as parent:
        await run("attio_update_list", list="deals_board", parent_object="people")
    assert parent.value.field == "parent_object"
    with pytest.raises(UpstreamError) as stranger:
        await run(
            "attio_update_list",
            list="deals_board",
            workspace_member_access=[
                {
                    "workspace_member_id": "00000000-0000-4000-8000-000000000000",
                    "level": "read-only",
                }
            ],
        )
    assert (stranger.value.status_code, stranger.value.upstream_code) == (400, "value_not_found")


async def test_list_attribute_update_reaches_entries(run: Run, member_id: str) -> None:
    await pipeline(run)
    await qualified_deal(run, member_id)
    renamed = await run(
        "attio_update_attribute", list="sales_pipeline", attribute="stage", api_slug="phase"
    )
    assert renamed["data"]["api_slug"] == "phase"
    found = await run("attio_list_entries", list="sales_pipeline", filter={"phase": "qualified"})
    assert len(found["data"]) == 1
    assert "phase" in found["data"][0]["entry_values"]


async def test_entry_attribute_values_show_the_stage_history(run: Run, member_id: str) -> None:
    await pipeline(run)
    entry = await qualified_deal(run, member_id)
    await run(
        "attio_update_list_entry",
        list="sales_pipeline",
        entry_id=entry,
        entry_values={"stage": "Proposal"},
    )
    args = {"list": "sales_pipeline", "entry_id": entry, "attribute": "stage"}
    current = await run("attio_get_list_entry_attribute_values", **args)
    assert [v["status"]["title"] for v in current["data"]] == ["Proposal"]
    history = await run("attio_get_list_entry_attribute_values", show_historic=True, **args)
    assert [v["status"]["title"] for v in history["data"]] == ["Qualified", "Proposal"]
    compact = await run(
        "attio_get_list_entry_attribute_values", show_historic=True, output="compact", **args
    )
    assert [(v["value"], v["active_until"] is None) for v in compact["data"]] == [
        ("Qualified", False),
        ("Proposal", True),
    ]
    assert set(compact["data"][0]) == {"value", "active_from", "active_until"}
    second = await run(
        "attio_get_list_entry_attribute_values", show_historic=True, limit=1, offset=1, **args
    )
    assert [v["status"]["title"] for v in second["data"]] == ["Proposal"]
    with pytest.raises(ToolInputError) as bad_limit:
        await run("attio_get_list_entry_attribute_values", limit=0, **args)
    assert bad_limit.value.field == "limit"
    with pytest.raises(UpstreamError) as unknown:
        await run("attio_get_list_entry_attribute_values", **{**args, "attribute": "nope"})
    assert unknown.value.status_code == 404
    granted = frozenset({"list_entry:read", "list_configuration:read"})
    assert (await run("attio_get_list_entry_attribute_values", scopes=granted, **args))["data"]
    with pytest.raises(MissingScopesError) as scopes:
        await run(
            "attio_get_list_entry_attribute_values",
            scopes=frozenset({"list_configuration:read"}),
            **args,
        )
    assert scopes.value.missing == ["list_entry:read"]
