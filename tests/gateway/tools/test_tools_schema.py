"""Object, attribute, option, status, member and token tools against the emulator."""

from __future__ import annotations

import pytest

from attio_gateway.errors import MissingScopesError, ToolInputError, UpstreamError
from tests.gateway.tools.conftest import Run, attribute_fields


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
            **attribute_fields(object="people", api_slug="x", title="X", type="interaction"),
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
    # The document's record-reference config becomes Attio's.
    employer = await run(
        "attio_create_attribute",
        **attribute_fields(
            object="people",
            api_slug="employer",
            title="Employer",
            type="record-reference",
            config={"relationship": {"object": "companies"}},
        ),
    )
    assert employer["data"]["type"] == "record-reference"
    allowed = employer["data"]["config"]["record_reference"]["allowed_object_ids"]
    assert len(allowed) == 1
    rating = await run(
        "attio_create_attribute",
        **attribute_fields(object="people", api_slug="fit", title="Fit", type="rating"),
    )
    assert rating["data"]["type"] == "rating"
    with pytest.raises(ToolInputError, match="status attributes on objects") as status:
        await run(
            "attio_create_attribute",
            **attribute_fields(object="people", api_slug="st", title="St", type="status"),
        )
    assert status.value.field == "type"
    with pytest.raises(ToolInputError, match="default_currency_code") as currency:
        await run(
            "attio_create_attribute",
            **attribute_fields(object="people", api_slug="arr", title="ARR", type="currency"),
        )
    assert currency.value.field == "config"


async def test_update_object_renames_and_the_schema_follows(run: Run) -> None:
    await run(
        "attio_create_object", singular_noun="Project", plural_noun="Projects", api_slug="projects"
    )
    await run(
        "attio_create_attribute",
        **attribute_fields(object="projects", api_slug="code", title="Code", type="text"),
    )
    # Reads the projects schema into the cache under the old slug.
    await run("attio_create_record", object="projects", values={"code": "P-1"})
    renamed = await run(
        "attio_update_object", object="projects", api_slug="initiatives", plural_noun="Bets"
    )
    assert (renamed["data"]["api_slug"], renamed["data"]["plural_noun"]) == ("initiatives", "Bets")
    slugs = [o["api_slug"] for o in (await run("attio_list_objects"))["data"]]
    assert "initiatives" in slugs and "projects" not in slugs
    made = await run("attio_create_record", object="initiatives", values={"code": "P-2"})
    assert made["data"]["values"]["code"][0]["value"] == "P-2"
    # The old slug is gone from the cache too: Attio's 404, not a write on stale schema.
    with pytest.raises(UpstreamError) as gone:
        await run("attio_create_record", object="projects", values={"code": "P-3"})
    assert gone.value.status_code == 404
    with pytest.raises(ToolInputError) as nothing:
        await run("attio_update_object", object="initiatives")
    assert nothing.value.field == "api_slug"
    with pytest.raises(ToolInputError) as bad_slug:
        await run("attio_update_object", object="initiatives", api_slug="Not A Slug")
    assert bad_slug.value.field == "api_slug"
    with pytest.raises(UpstreamError) as clash:
        await run("attio_update_object", object="initiatives", api_slug="people")
    assert clash.value.status_code == 409


async def test_update_attribute_renames_archives_and_refreshes_the_cache(run: Run) -> None:
    await run(
        "attio_create_attribute",
        **attribute_fields(
            object="people", api_slug="nickname", title="Nickname", type="text", description="Old"
        ),
    )
    person = await run("attio_create_person", values={"name": "Ada Byron", "nickname": "Ada"})
    record_id = person["data"]["id"]["record_id"]
    renamed = await run(
        "attio_update_attribute",
        object="people",
        attribute="nickname",
        api_slug="alias",
        title="Alias",
        description=None,
    )
    data = renamed["data"]
    assert (data["api_slug"], data["title"], data["description"]) == ("alias", "Alias", None)
    # The cached schema is not stale: the new slug is writable, the old one is unknown here.
    updated = await run(
        "attio_update_record", object="people", record_id=record_id, values={"alias": "Countess"}
    )
    assert updated["data"]["values"]["alias"][0]["value"] == "Countess"
    with pytest.raises(ToolInputError) as stale:
        await run(
            "attio_update_record", object="people", record_id=record_id, values={"nickname": "x"}
        )
    assert "unknown attribute 'nickname'" in stale.value.message

    archived = await run(
        "attio_update_attribute", object="people", attribute="alias", is_archived=True
    )
    assert archived["data"]["is_archived"] is True
    read = await run("attio_get_person", record_id=record_id)
    assert "alias" not in read["data"]["values"]
    listed = await run("attio_list_attributes", object="people")
    assert "alias" not in [a["api_slug"] for a in listed["data"]]
    restored = await run(
        "attio_update_attribute", object="people", attribute="alias", is_archived=False
    )
    assert restored["data"]["is_archived"] is False


async def test_update_attribute_checks_its_input(run: Run) -> None:
    with pytest.raises(ToolInputError) as nothing:
        await run("attio_update_attribute", object="people", attribute="job_title")
    assert nothing.value.field == "title"
    with pytest.raises(ToolInputError) as type_change:
        await run("attio_update_attribute", object="people", attribute="job_title", type="number")
    assert type_change.value.field == "type"
    with pytest.raises(ToolInputError) as half_currency:
        await run(
            "attio_update_attribute",
            object="deals",
            attribute="value",
            config={"currency": {"default_currency_code": "EUR"}},
        )
    assert half_currency.value.field == "config"
    with pytest.raises(UpstreamError) as system:
        await run("attio_update_attribute", object="people", attribute="name", title="Full name")
    assert (system.value.status_code, system.value.upstream_code) == (
        400,
        "system_edit_unauthorized",
    )
    with pytest.raises(MissingScopesError) as scopes:
        await run(
            "attio_update_attribute",
            object="people",
            attribute="job_title",
            title="Role",
            scopes=frozenset({"object_configuration:read"}),
        )
    assert scopes.value.missing == ["object_configuration:read-write"]
