"""Objects, attributes (every creatable type), select options and statuses."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.helpers import error


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
