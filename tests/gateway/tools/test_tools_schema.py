"""Object, attribute, option, status, member and token tools against the emulator."""

from __future__ import annotations

import pytest

from attio_gateway.errors import ToolInputError, UpstreamError
from tests.gateway.tools.conftest import Run


async def test_objects(run: Run) -> None:
    slugs = [o["api_slug"] for o in (await run("attio_list_objects"))["data"]]
    assert {"people", "companies", "deals"} <= set(slugs)
    people = await run("attio_get_object", object="people")
    assert people["data"]["is_standard_object_derived"] is True
    created = await run(
        "attio_create_object", singular_noun="Project", plural_noun="Projects", api_slug="projects"
    )
    assert created["data"]["api_slug"] == "projects"
    custom = await run("attio_get_object", object="projects")
    assert custom["data"]["is_standard_object_derived"] is False
    with pytest.raises(UpstreamError) as clash:
        await run(
            "attio_create_object",
            singular_noun="Project",
            plural_noun="Projects",
            api_slug="projects",
        )
    assert clash.value.status_code == 409


async def test_attributes_options_and_statuses(run: Run) -> None:
    attributes = await run("attio_list_attributes", object="companies")
    assert "domains" in [a["api_slug"] for a in attributes["data"]]
    got = await run("attio_get_attribute", object="companies", attribute="domains")
    assert got["data"]["is_unique"] is True
    # The document's "multiselect" type is select + is_multiselect in Attio.
    created = await run(
        "attio_create_attribute",
        object="companies",
        api_slug="tiers",
        title="Tiers",
        type="multiselect",
        description="Support tiers",
        is_required=False,
        is_unique=False,
        is_multiselect=False,
        config={},
    )
    assert (created["data"]["type"], created["data"]["is_multiselect"]) == ("select", True)
    option = await run(
        "attio_create_select_option", object="companies", attribute="tiers", title="Gold"
    )
    assert option["data"]["title"] == "Gold"
    renamed = await run(
        "attio_update_select_option",
        object="companies",
        attribute="tiers",
        option="Gold",
        title="Platinum",
    )
    assert renamed["data"]["title"] == "Platinum"
    options = await run("attio_list_attribute_options", object="companies", attribute="tiers")
    assert [o["title"] for o in options["data"]] == ["Platinum"]
    # The schema cache was refreshed: the new title is writable at once.
    company = await run("attio_create_company", values={"name": "Acme", "tiers": ["platinum"]})
    assert company["data"]["values"]["tiers"][0]["option"]["title"] == "Platinum"
    status = await run(
        "attio_create_status",
        object="deals",
        attribute="stage",
        title="Negotiation",
        celebration_enabled=False,
    )
    assert status["data"]["title"] == "Negotiation"
    archived = await run(
        "attio_update_status",
        object="deals",
        attribute="stage",
        status="Negotiation",
        is_archived=True,
    )
    assert archived["data"]["is_archived"] is True
    stages = await run("attio_list_attribute_statuses", object="deals", attribute="stage")
    assert "In Progress" in [s["title"] for s in stages["data"]]


async def test_attribute_target_is_exactly_one_of_object_or_list(run: Run) -> None:
    with pytest.raises(ToolInputError, match="exactly one of object or list"):
        await run("attio_list_attributes")
    with pytest.raises(ToolInputError, match="exactly one of object or list"):
        await run("attio_get_attribute", object="people", list="sales", attribute="name")
    with pytest.raises(ToolInputError) as bad_type:
        await run(
            "attio_create_attribute",
            object="people",
            api_slug="x",
            title="X",
            type="interaction",
            description=None,
            is_required=False,
            is_unique=False,
            is_multiselect=False,
            config={},
        )
    assert bad_type.value.field == "type"
    with pytest.raises(ToolInputError, match="give title"):
        await run(
            "attio_update_select_option", object="companies", attribute="categories", option="x"
        )


async def test_members_are_sliced_here(run: Run, member_id: str) -> None:
    members = await run("attio_list_workspace_members")
    assert [m["id"]["workspace_member_id"] for m in members["data"]] == [member_id]
    assert (await run("attio_list_workspace_members", offset=1))["data"] == []
    got = await run("attio_get_workspace_member", workspace_member_id=member_id)
    assert got["data"]["email_address"] == "ada@example.com"


async def test_token_info_has_the_documents_shape(run: Run) -> None:
    info = await run("attio_get_current_token_info")
    assert info["active"] is True
    assert set(info) == {"active", "workspace", "actor", "scopes"}
    assert set(info["workspace"]) == {"id", "name"}
    assert set(info["actor"]) == {"type", "id", "name", "email"}
    assert "record_permission:read-write" in info["scopes"]


async def test_create_attribute_resolves_the_documents_type_mismatches(run: Run) -> None:
    base = {
        "object": "people",
        "description": None,
        "is_required": False,
        "is_unique": False,
        "is_multiselect": False,
    }
    # The document's record-reference config becomes Attio's.
    employer = await run(
        "attio_create_attribute",
        **base,
        api_slug="employer",
        title="Employer",
        type="record-reference",
        config={"relationship": {"object": "companies"}},
    )
    assert employer["data"]["type"] == "record-reference"
    allowed = employer["data"]["config"]["record_reference"]["allowed_object_ids"]
    assert len(allowed) == 1
    rating = await run(
        "attio_create_attribute", **base, api_slug="fit", title="Fit", type="rating", config={}
    )
    assert rating["data"]["type"] == "rating"
    with pytest.raises(ToolInputError, match="status attributes on objects") as status:
        await run(
            "attio_create_attribute", **base, api_slug="st", title="St", type="status", config={}
        )
    assert status.value.field == "type"
    with pytest.raises(ToolInputError, match="default_currency_code") as currency:
        await run(
            "attio_create_attribute",
            **base,
            api_slug="arr",
            title="ARR",
            type="currency",
            config={},
        )
    assert currency.value.field == "config"
