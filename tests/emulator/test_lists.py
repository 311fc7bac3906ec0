"""Lists and entries: list CRUD, list attributes, entries (create, assert, PATCH/PUT, query,
values, delete), the record's entries, scopes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import add_member, create, error


def attribute(slug: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {
        "data": {
            "title": slug.title(),
            "description": None,
            "api_slug": slug,
            "type": type_,
            "is_required": False,
            "is_unique": False,
            "is_multiselect": False,
            "config": {},
            **extra,
        }
    }


async def pipeline(client: httpx.AsyncClient) -> dict[str, Any]:
    body = {
        "data": {
            "name": "Sales pipeline",
            "api_slug": "sales_pipeline",
            "parent_object": "companies",
            "workspace_access": "full-access",
            "workspace_member_access": [],
        }
    }
    response = await client.post("/v2/lists", json=body)
    assert response.status_code == 200, response.text
    for slug, type_ in (("stage_note", "text"), ("amount", "number")):
        made = await client.post("/v2/lists/sales_pipeline/attributes", json=attribute(slug, type_))
        assert made.status_code == 200, made.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_list_crud(client: httpx.AsyncClient) -> None:
    created = await pipeline(client)
    assert created["parent_object"] == ["companies"]
    assert (await client.get("/v2/lists/sales_pipeline")).json()["data"] == created
    by_id = await client.get(f"/v2/lists/{created['id']['list_id']}")
    assert by_id.json()["data"]["api_slug"] == "sales_pipeline"
    renamed = await client.patch("/v2/lists/sales_pipeline", json={"data": {"name": "Deals"}})
    assert renamed.json()["data"]["name"] == "Deals"
    assert [x["name"] for x in (await client.get("/v2/lists")).json()["data"]] == ["Deals"]
    again = {
        "data": {
            "name": "X",
            "api_slug": "sales_pipeline",
            "parent_object": "companies",
            "workspace_access": "full-access",
            "workspace_member_access": [],
        }
    }
    error(await client.post("/v2/lists", json=again), 409, "slug_conflict")
    attrs = (await client.get("/v2/lists/sales_pipeline/attributes")).json()["data"]
    assert {a["api_slug"] for a in attrs} >= {"stage_note", "amount"}
    error(await client.get("/v2/lists/nope"), 404, "not_found")


async def test_entries_lifecycle(client: httpx.AsyncClient) -> None:
    await pipeline(client)
    acme = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    globex = (await create(client, "companies", {"name": "Globex"}))["id"]["record_id"]

    def entry(record_id: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "data": {
                "parent_record_id": record_id,
                "parent_object": "companies",
                "entry_values": values,
            }
        }

    first = await client.post(
        "/v2/lists/sales_pipeline/entries", json=entry(acme, {"amount": 10, "stage_note": "new"})
    )
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    entry_id = data["id"]["entry_id"]
    assert data["entry_values"]["amount"][0]["value"] == 10
    assert data["parent_object"] == "companies"
    await client.post("/v2/lists/sales_pipeline/entries", json=entry(globex, {"amount": 99}))

    # Assert by parent updates Acme's single entry.
    asserted = await client.put(
        "/v2/lists/sales_pipeline/entries", json=entry(acme, {"amount": 20})
    )
    assert asserted.json()["data"]["id"]["entry_id"] == entry_id
    assert asserted.json()["data"]["entry_values"]["amount"][0]["value"] == 20

    patched = await client.patch(
        f"/v2/lists/sales_pipeline/entries/{entry_id}",
        json={"data": {"entry_values": {"stage_note": "won"}}},
    )
    values = patched.json()["data"]["entry_values"]
    assert values["stage_note"][0]["value"] == "won"
    assert values["amount"][0]["value"] == 20

    query = await client.post(
        "/v2/lists/sales_pipeline/entries/query",
        json={"filter": {"amount": {"$gt": 50}}},
    )
    assert [e["parent_record_id"] for e in query.json()["data"]] == [globex]
    sorted_ = await client.post(
        "/v2/lists/sales_pipeline/entries/query",
        json={"sorts": [{"attribute": "amount", "direction": "desc"}]},
    )
    assert [e["parent_record_id"] for e in sorted_.json()["data"]] == [globex, acme]
    bad = await client.post(
        "/v2/lists/sales_pipeline/entries/query", json={"filter": {"nope": {"$eq": 1}}}
    )
    assert bad.status_code == 400

    history = await client.get(
        f"/v2/lists/sales_pipeline/entries/{entry_id}/attributes/amount/values",
        params={"show_historic": "true"},
    )
    # Historic values come oldest first (by active_from), as the spec says.
    assert [v["value"] for v in history.json()["data"]] == [10, 20]

    on_record = await client.get(f"/v2/objects/companies/records/{acme}/entries")
    assert [e["entry_id"] for e in on_record.json()["data"]] == [entry_id]

    assert (await client.delete(f"/v2/lists/sales_pipeline/entries/{entry_id}")).status_code == 200
    error(await client.get(f"/v2/lists/sales_pipeline/entries/{entry_id}"), 404, "not_found")
    # The record stays.
    assert (await client.get(f"/v2/objects/companies/records/{acme}")).status_code == 200


async def test_entry_errors(client: httpx.AsyncClient) -> None:
    await pipeline(client)
    person = (await create(client, "people", {}))["id"]["record_id"]
    wrong_parent = await client.post(
        "/v2/lists/sales_pipeline/entries",
        json={"data": {"parent_record_id": person, "parent_object": "people", "entry_values": {}}},
    )
    assert "companies" in error(wrong_parent, 400, "validation_type")
    missing = await client.post(
        "/v2/lists/sales_pipeline/entries", json={"data": {"parent_object": "companies"}}
    )
    assert "parent_record_id" in error(missing, 400, "validation_type")


async def test_list_scopes(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    await pipeline(client)
    config_only = emulator_state.issue_token(scopes=["list_configuration:read"])
    headers = {"Authorization": f"Bearer {config_only['token']}"}
    assert (await client.get("/v2/lists", headers=headers)).status_code == 200
    query = await client.post("/v2/lists/sales_pipeline/entries/query", json={}, headers=headers)
    assert "list_entry:read" in error(query, 403, "missing_scopes")
    create_list = await client.post("/v2/lists", json={"data": {}}, headers=headers)
    error(create_list, 403, "missing_scopes")


async def test_entry_query_through_parent_record(client: httpx.AsyncClient) -> None:
    await pipeline(client)
    acme = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    globex = (await create(client, "companies", {"name": "Globex"}))["id"]["record_id"]
    for record_id in (acme, globex):
        body = {
            "data": {
                "parent_record_id": record_id,
                "parent_object": "companies",
                "entry_values": {},
            }
        }
        assert (await client.post("/v2/lists/sales_pipeline/entries", json=body)).status_code == 200
    path_filter = {
        "path": [["sales_pipeline", "parent_record"], ["companies", "name"]],
        "constraints": {"value": {"$starts_with": "Glo"}},
    }
    found = await client.post(
        "/v2/lists/sales_pipeline/entries/query", json={"filter": path_filter}
    )
    assert found.status_code == 200, found.text
    assert [e["parent_record_id"] for e in found.json()["data"]] == [globex]


async def test_list_update(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    created = await pipeline(client)
    acme = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    entry = await client.post(
        "/v2/lists/sales_pipeline/entries",
        json={"data": {"parent_record_id": acme, "parent_object": "companies", "entry_values": {}}},
    )
    entry_id = entry.json()["data"]["id"]["entry_id"]
    member = add_member(emulator_state)
    body = {
        "data": {
            "name": "Deals",
            "api_slug": "deals_board",
            "workspace_access": "read-only",
            "workspace_member_access": [{"workspace_member_id": member, "level": "full-access"}],
        }
    }
    updated = await client.patch("/v2/lists/sales_pipeline", json=body)
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert data["id"] == created["id"]
    assert (data["name"], data["api_slug"], data["workspace_access"]) == (
        "Deals",
        "deals_board",
        "read-only",
    )
    error(await client.get("/v2/lists/sales_pipeline"), 404, "not_found")
    moved = await client.get(f"/v2/lists/deals_board/entries/{entry_id}")
    assert moved.status_code == 200, moved.text

    other = {
        "data": {
            "name": "Other",
            "api_slug": "other",
            "parent_object": "people",
            "workspace_access": "full-access",
            "workspace_member_access": [],
        }
    }
    assert (await client.post("/v2/lists", json=other)).status_code == 200
    path = "/v2/lists/deals_board"
    error(await client.patch(path, json={"data": {"api_slug": "other"}}), 409, "slug_conflict")
    stranger = [{"workspace_member_id": str(uuid.uuid4()), "level": "read-only"}]
    unknown = await client.patch(path, json={"data": {"workspace_member_access": stranger}})
    assert "not found" in error(unknown, 400, "value_not_found")
    for refused, named in (
        ({}, "empty payload"),
        ({"parent_object": "people"}, "parent_object"),
        ({"colour": "red"}, "colour"),
        ({"name": ""}, "name"),
        ({"api_slug": "Bad Slug"}, "api_slug"),
        ({"workspace_access": "owner"}, "workspace_access"),
    ):
        answer = await client.patch(path, json={"data": refused})
        assert named in error(answer, 400, "validation_type"), refused
    error(await client.patch("/v2/lists/nope", json={"data": {"name": "X"}}), 404, "not_found")
    config_read = emulator_state.issue_token(scopes=["list_configuration:read"])["token"]
    denied = await client.patch(
        path,
        json={"data": {"name": "X"}},
        headers={"Authorization": f"Bearer {config_read}"},
    )
    assert "list_configuration:read-write" in error(denied, 403, "missing_scopes")


async def test_entry_attribute_values_history_pages_and_scopes(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    await pipeline(client)
    acme = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    made = await client.post(
        "/v2/lists/sales_pipeline/entries",
        json={
            "data": {
                "parent_record_id": acme,
                "parent_object": "companies",
                "entry_values": {"amount": 1},
            }
        },
    )
    entry_id = made.json()["data"]["id"]["entry_id"]
    entry_path = f"/v2/lists/sales_pipeline/entries/{entry_id}"
    for amount in (2, 3):
        await client.patch(entry_path, json={"data": {"entry_values": {"amount": amount}}})
    values = f"{entry_path}/attributes/amount/values"
    current = await client.get(values)
    assert [v["value"] for v in current.json()["data"]] == [3]
    history = (await client.get(values, params={"show_historic": "true"})).json()["data"]
    assert [v["value"] for v in history] == [1, 2, 3]
    assert [v["active_until"] is None for v in history] == [False, False, True]
    paged = await client.get(values, params={"show_historic": "true", "limit": 1, "offset": 1})
    assert [v["value"] for v in paged.json()["data"]] == [2]
    error(await client.get(values, params={"limit": 0}), 400, "validation_type")
    error(await client.get(f"{entry_path}/attributes/nope/values"), 404, "not_found")
    missing_entry = f"/v2/lists/sales_pipeline/entries/{uuid.uuid4()}/attributes/amount/values"
    error(await client.get(missing_entry), 404, "not_found")

    # Exactly the spec's two scopes are enough; without list_entry:read it is refused.
    spec_scopes = ["list_entry:read", "list_configuration:read"]
    enough = emulator_state.issue_token(scopes=spec_scopes)["token"]
    allowed = await client.get(values, headers={"Authorization": f"Bearer {enough}"})
    assert allowed.status_code == 200, allowed.text
    too_few = emulator_state.issue_token(scopes=["list_configuration:read"])["token"]
    denied = await client.get(values, headers={"Authorization": f"Bearer {too_few}"})
    assert "list_entry:read" in error(denied, 403, "missing_scopes")
