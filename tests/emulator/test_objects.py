"""Objects, attributes (every creatable type), select options and statuses."""

from __future__ import annotations

import httpx
import pytest

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import create, error, mentor_relationship, text_attribute


async def test_standard_objects_exist_in_a_fresh_workspace(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/objects")
    slugs = [o["api_slug"] for o in response.json()["data"]]
    assert slugs == ["people", "companies", "deals", "users", "workspaces"]
    people = (await client.get("/v2/objects/people")).json()["data"]
    by_id = (await client.get(f"/v2/objects/{people['id']['object_id']}")).json()["data"]
    assert by_id == people
    attributes = (await client.get("/v2/objects/people/attributes")).json()["data"]
    by_slug = {a["api_slug"]: a for a in attributes}
    assert by_slug["email_addresses"]["is_unique"] and by_slug["email_addresses"]["is_multiselect"]
    assert by_slug["name"]["type"] == "personal-name"
    assert by_slug["company"]["relationship"]["api_slug"] == "team"
    assert not by_slug["record_id"]["is_writable"]


# Attio's standard people and companies carry read-only enriched and computed attributes
# (observed on live workspaces, API-NOTES §7: twitter_follower_count, strongest_connection_*,
# the eight interaction attributes; employee_range on companies). Clients read them by slug.
_COMPUTED = {
    "twitter_follower_count": "number",
    "strongest_connection_strength": "select",
    "strongest_connection_user": "actor-reference",
    **{
        slug: "interaction"
        for slug in (
            "first_interaction",
            "last_interaction",
            "next_interaction",
            "first_email_interaction",
            "last_email_interaction",
            "first_calendar_interaction",
            "last_calendar_interaction",
            "next_calendar_interaction",
        )
    },
}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ("people", {**_COMPUTED, "avatar_url": "text"}),
        (
            "companies",
            {
                **_COMPUTED,
                "employee_range": "select",
                "estimated_arr_usd": "select",
                "foundation_date": "date",
                "funding_raised_usd": "currency",
            },
        ),
    ],
)
async def test_standard_read_only_attributes(
    client: httpx.AsyncClient, obj: str, expected: dict[str, str]
) -> None:
    attributes = (await client.get(f"/v2/objects/{obj}/attributes")).json()["data"]
    by_slug = {a["api_slug"]: a for a in attributes}
    assert {slug: by_slug[slug]["type"] for slug in expected if slug in by_slug} == expected
    assert not any(by_slug[slug]["is_writable"] for slug in expected)
    record = await create(client, obj, {})
    assert all(record["values"][slug] == [] for slug in expected)


async def test_custom_object_create_update_and_conflicts(client: httpx.AsyncClient) -> None:
    body = {"data": {"api_slug": "projects", "singular_noun": "Project", "plural_noun": "Projects"}}
    created = await client.post("/v2/objects", json=body)
    assert created.status_code == 200
    error(await client.post("/v2/objects", json=body), 409, "slug_conflict")
    bad = {"data": {"api_slug": "Bad Slug", "singular_noun": "X", "plural_noun": "Xs"}}
    assert "snake_case" in error(await client.post("/v2/objects", json=bad), 400, "validation_type")
    missing = await client.post("/v2/objects", json={"data": {"api_slug": "x"}})
    assert "singular_noun" in error(missing, 400, "validation_type")
    patched = await client.patch("/v2/objects/projects", json={"data": {"plural_noun": "Work"}})
    assert patched.json()["data"]["plural_noun"] == "Work"
    error(await client.get("/v2/objects/nope"), 404, "not_found")


@pytest.mark.parametrize(
    ("type_", "extra"),
    [
        ("text", {}),
        ("number", {}),
        ("checkbox", {}),
        ("currency", {"config": {"currency": {"default_currency_code": "EUR"}}}),
        ("date", {}),
        ("timestamp", {}),
        ("rating", {}),
        ("select", {"is_multiselect": True}),
        ("record-reference", {"config": {"record_reference": {"allowed_objects": ["people"]}}}),
        ("actor-reference", {}),
        ("location", {}),
        ("domain", {"is_multiselect": True}),
        ("email-address", {}),
        ("phone-number", {"is_multiselect": True}),
    ],
)
async def test_every_creatable_attribute_type(
    client: httpx.AsyncClient, type_: str, extra: dict[str, object]
) -> None:
    data = {
        "title": f"My {type_}",
        "description": None,
        "api_slug": "my_" + type_.replace("-", "_"),
        "type": type_,
        "is_required": False,
        "is_unique": False,
        "is_multiselect": False,
        "config": {},
        **extra,
    }
    response = await client.post("/v2/objects/companies/attributes", json={"data": data})
    assert response.status_code == 200, response.text
    attribute = response.json()["data"]
    assert attribute["type"] == type_
    fetched = await client.get(f"/v2/objects/companies/attributes/{data['api_slug']}")
    assert fetched.json()["data"] == attribute


async def test_attribute_errors_are_attios(client: httpx.AsyncClient) -> None:
    base = {
        "title": "T",
        "description": None,
        "api_slug": "t",
        "is_required": False,
        "is_unique": False,
        "is_multiselect": False,
        "config": {},
    }
    bad_type = await client.post(
        "/v2/objects/people/attributes", json={"data": {**base, "type": "interaction"}}
    )
    assert "cannot be created" in error(bad_type, 400, "validation_type")
    status_on_object = await client.post(
        "/v2/objects/people/attributes", json={"data": {**base, "type": "status"}}
    )
    error(status_on_object, 400, "validation_type")
    multi_text = await client.post(
        "/v2/objects/people/attributes",
        json={"data": {**base, "type": "text", "is_multiselect": True}},
    )
    error(multi_text, 400, "validation_type")
    dup = {**base, "api_slug": "job_title", "type": "text"}
    error(
        await client.post("/v2/objects/people/attributes", json={"data": dup}), 409, "slug_conflict"
    )
    error(await client.get("/v2/objects/people/attributes/nope"), 404, "not_found")


async def test_options_and_statuses(client: httpx.AsyncClient) -> None:
    path = "/v2/objects/companies/attributes/categories/options"
    created = await client.post(path, json={"data": {"title": "Enterprise"}})
    assert created.json()["data"]["title"] == "Enterprise"
    error(await client.post(path, json={"data": {"title": "Enterprise"}}), 409, "slug_conflict")
    archived = await client.patch(f"{path}/Enterprise", json={"data": {"is_archived": True}})
    assert archived.json()["data"]["is_archived"] is True
    titles = [o["title"] for o in (await client.get(path)).json()["data"]]
    assert "Enterprise" not in titles
    every = (await client.get(path, params={"show_archived": "true"})).json()["data"]
    assert "Enterprise" in [o["title"] for o in every]

    stages = "/v2/objects/deals/attributes/stage/statuses"
    titles = [s["title"] for s in (await client.get(stages)).json()["data"]]
    assert titles == ["Lead", "In Progress", "Won 🎉", "Lost"]
    nurture = await client.post(
        stages, json={"data": {"title": "Nurture", "target_time_in_status": "P0Y0M7DT0H0M0S"}}
    )
    assert nurture.json()["data"]["target_time_in_status"] == "P0Y0M7DT0H0M0S"
    renamed = await client.patch(f"{stages}/Nurture", json={"data": {"title": "Nurturing"}})
    assert renamed.json()["data"]["title"] == "Nurturing"
    error(await client.patch(f"{stages}/Missing", json={"data": {"title": "x"}}), 404, "not_found")


async def test_missing_scope_and_bad_token(
    client: httpx.AsyncClient, emulator_state: object
) -> None:
    from attio_emulator.core.state import EmulatorState

    assert isinstance(emulator_state, EmulatorState)
    narrow = emulator_state.issue_token(scopes=["record_permission:read"])["token"]
    denied = await client.get("/v2/objects", headers={"Authorization": f"Bearer {narrow}"})
    assert "object_configuration:read" in error(denied, 403, "missing_scopes")
    unknown = await client.get("/v2/objects", headers={"Authorization": "Bearer nope"})
    error(unknown, 401, "invalid_token")


async def test_object_update_checks_the_payload(client: httpx.AsyncClient) -> None:
    body = {"data": {"api_slug": "projects", "singular_noun": "Project", "plural_noun": "Projects"}}
    assert (await client.post("/v2/objects", json=body)).status_code == 200
    empty = await client.patch("/v2/objects/projects", json={"data": {}})
    assert "empty payload" in error(empty, 400, "validation_type")
    unknown = await client.patch("/v2/objects/projects", json={"data": {"colour": "red"}})
    assert "colour" in error(unknown, 400, "validation_type")
    blank = await client.patch("/v2/objects/projects", json={"data": {"singular_noun": ""}})
    assert "singular_noun" in error(blank, 400, "validation_type")
    bad_slug = await client.patch("/v2/objects/projects", json={"data": {"api_slug": "Bad"}})
    assert "snake_case" in error(bad_slug, 400, "validation_type")
    taken = await client.patch("/v2/objects/projects", json={"data": {"api_slug": "people"}})
    error(taken, 409, "slug_conflict")
    same = await client.patch("/v2/objects/projects", json={"data": {"api_slug": "projects"}})
    assert same.status_code == 200
    error(
        await client.patch("/v2/objects/nope", json={"data": {"plural_noun": "X"}}),
        404,
        "not_found",
    )


async def test_object_rename_keeps_lists_and_references_pointing_at_it(
    client: httpx.AsyncClient,
) -> None:
    body = {"data": {"api_slug": "projects", "singular_noun": "Project", "plural_noun": "Projects"}}
    project_id = (await client.post("/v2/objects", json=body)).json()["data"]["id"]["object_id"]
    link = {"config": {"record_reference": {"allowed_objects": ["projects"]}}}
    made = await client.post(
        "/v2/objects/companies/attributes",
        json=text_attribute("main_project", **{**link, "type": "record-reference"}),
    )
    assert made.status_code == 200, made.text
    project = await create(client, "projects", {})
    project_record = project["id"]["record_id"]
    acme = await create(
        client,
        "companies",
        {"main_project": [{"target_object": "projects", "target_record_id": project_record}]},
    )
    board = {
        "data": {
            "name": "Board",
            "api_slug": "board",
            "parent_object": "projects",
            "workspace_access": "full-access",
            "workspace_member_access": [],
        }
    }
    assert (await client.post("/v2/lists", json=board)).status_code == 200

    renamed = await client.patch(
        "/v2/objects/projects", json={"data": {"api_slug": "initiatives", "plural_noun": "Bets"}}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["data"]["id"]["object_id"] == project_id
    assert renamed.json()["data"]["plural_noun"] == "Bets"
    error(await client.get("/v2/objects/projects"), 404, "not_found")
    assert (await client.get(f"/v2/objects/{project_id}")).json()["data"]["api_slug"] == (
        "initiatives"
    )
    assert (await client.get("/v2/lists/board")).json()["data"]["parent_object"] == ["initiatives"]
    entry = await client.post(
        "/v2/lists/board/entries",
        json={
            "data": {
                "parent_record_id": project_record,
                "parent_object": "initiatives",
                "entry_values": {},
            }
        },
    )
    assert entry.status_code == 200, entry.text
    read = await client.get(f"/v2/objects/companies/records/{acme['id']['record_id']}")
    assert read.json()["data"]["values"]["main_project"][0]["target_object"] == "initiatives"


async def test_attribute_update_renames_and_checks_fields(client: httpx.AsyncClient) -> None:
    path = "/v2/objects/people/attributes"
    assert (await client.post(path, json=text_attribute("nickname"))).status_code == 200
    renamed = await client.patch(
        f"{path}/nickname",
        json={
            "data": {"title": "Known as", "description": "What friends say", "api_slug": "alias"}
        },
    )
    assert renamed.status_code == 200, renamed.text
    data = renamed.json()["data"]
    assert (data["title"], data["description"], data["api_slug"]) == (
        "Known as",
        "What friends say",
        "alias",
    )
    error(await client.get(f"{path}/nickname"), 404, "not_found")
    assert (await client.get(f"{path}/alias")).json()["data"] == data
    by_id = await client.patch(
        f"{path}/{data['id']['attribute_id']}", json={"data": {"is_required": True}}
    )
    assert by_id.json()["data"]["is_required"] is True

    error(
        await client.patch(f"{path}/alias", json={"data": {"api_slug": "job_title"}}),
        409,
        "slug_conflict",
    )
    system = await client.patch(f"{path}/email_addresses", json={"data": {"title": "Mail"}})
    error(system, 400, "system_edit_unauthorized")
    for body, named in (
        ({}, "empty payload"),
        ({"type": "number"}, "type"),
        ({"is_multiselect": True}, "is_multiselect"),
        ({"colour": "red"}, "colour"),
        ({"title": ""}, "title"),
        ({"is_unique": "yes"}, "is_unique"),
        ({"description": 5}, "description"),
        ({"default_value": {"type": "static", "template": "x"}}, "default_value"),
        (
            {"config": {"currency": {"default_currency_code": "USD", "display_type": "symbol"}}},
            "currency",
        ),
    ):
        refused = await client.patch(f"{path}/alias", json={"data": body})
        assert named in error(refused, 400, "validation_type"), body
    error(await client.patch(f"{path}/nope", json={"data": {"title": "X"}}), 404, "not_found")
    error(
        await client.patch("/v2/objects/nope/attributes/alias", json={"data": {"title": "X"}}),
        404,
        "not_found",
    )


async def test_archived_attribute_is_hidden_from_record_reads(client: httpx.AsyncClient) -> None:
    path = "/v2/objects/people/attributes"
    assert (await client.post(path, json=text_attribute("nickname"))).status_code == 200
    person = await create(client, "people", {"nickname": "Ada"})
    record_path = f"/v2/objects/people/records/{person['id']['record_id']}"
    archived = await client.patch(f"{path}/nickname", json={"data": {"is_archived": True}})
    assert archived.json()["data"]["is_archived"] is True
    assert "nickname" not in (await client.get(record_path)).json()["data"]["values"]
    listed = [a["api_slug"] for a in (await client.get(path)).json()["data"]]
    assert "nickname" not in listed
    every = await client.get(path, params={"show_archived": "true"})
    assert "nickname" in [a["api_slug"] for a in every.json()["data"]]
    write = await client.patch(record_path, json={"data": {"values": {"nickname": "Bo"}}})
    assert "archived" in error(write, 400, "validation_type")
    restored = await client.patch(f"{path}/nickname", json={"data": {"is_archived": False}})
    assert restored.json()["data"]["is_archived"] is False
    values = (await client.get(record_path)).json()["data"]["values"]
    assert values["nickname"][0]["value"] == "Ada"


async def test_attribute_config_and_default_value_updates(client: httpx.AsyncClient) -> None:
    path = "/v2/objects/deals/attributes"
    price = text_attribute(
        "list_price",
        type="currency",
        config={"currency": {"default_currency_code": "USD", "display_type": "symbol"}},
    )
    assert (await client.post(path, json=price)).status_code == 200
    euro = {"currency": {"default_currency_code": "EUR", "display_type": "code"}}
    patched = await client.patch(f"{path}/list_price", json={"data": {"config": euro}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["config"]["currency"] == euro["currency"]
    bad_code = {"currency": {"default_currency_code": "XXX", "display_type": "code"}}
    refused = await client.patch(f"{path}/list_price", json={"data": {"config": bad_code}})
    assert "default_currency_code" in error(refused, 400, "validation_type")
    default = {"type": "static", "template": [{"currency_value": 5}]}
    with_default = await client.patch(
        f"{path}/list_price", json={"data": {"default_value": default}}
    )
    assert with_default.json()["data"]["is_default_value_enabled"] is True
    cleared = await client.patch(f"{path}/list_price", json={"data": {"default_value": None}})
    assert cleared.json()["data"]["is_default_value_enabled"] is False


async def test_relationship_rename_shows_on_the_other_side(client: httpx.AsyncClient) -> None:
    body = mentor_relationship()
    made = await client.post("/v2/objects/people/attributes", json=body)
    assert made.status_code == 200, made.text
    renamed = await client.patch(
        "/v2/objects/people/attributes/mentor",
        json={"data": {"api_slug": "coach", "title": "Coach"}},
    )
    assert renamed.status_code == 200, renamed.text
    other = (await client.get("/v2/objects/people/attributes/mentees")).json()["data"]
    assert (other["relationship"]["api_slug"], other["relationship"]["title"]) == ("coach", "Coach")
    elsewhere = {"record_reference": {"allowed_objects": ["companies"]}}
    refused = await client.patch(
        "/v2/objects/people/attributes/coach", json={"data": {"config": elsewhere}}
    )
    assert "relationship" in error(refused, 400, "validation_type")


async def test_attribute_update_needs_configuration_write(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    assert (
        await client.post("/v2/objects/people/attributes", json=text_attribute("nickname"))
    ).status_code == 200
    read_only = emulator_state.issue_token(scopes=["object_configuration:read"])["token"]
    headers = {"Authorization": f"Bearer {read_only}"}
    denied = await client.patch(
        "/v2/objects/people/attributes/nickname", json={"data": {"title": "X"}}, headers=headers
    )
    assert "object_configuration:read-write" in error(denied, 403, "missing_scopes")
    object_denied = await client.patch(
        "/v2/objects/people", json={"data": {"plural_noun": "Folk"}}, headers=headers
    )
    error(object_denied, 403, "missing_scopes")
