"""Compact stored values: records keep no copies of their own id, creation time and creator
(derived on read), single values carry no write-order counter, histories are sized
exactly and repeated strings are shared — while every answer stays what Attio shows."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.objects.models import get_attribute, get_object
from tests.emulator.helpers import create, ids, query

SYSTEM = ("record_id", "created_at", "created_by")


def stored_record(state: EmulatorState, record_id: str) -> dict[str, Any]:
    record = state.store.table("records").get(record_id)
    assert record is not None
    return record


async def test_system_values_are_derived_not_stored(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    emulator_state.clock.set(datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC))
    made = await create(client, "people", {"name": "Lovelace, Ada", "job_title": "CTO"})
    emulator_state.clock.set(None)
    record_id = made["id"]["record_id"]
    people = get_object(emulator_state, "people")
    system_ids = {
        get_attribute(emulator_state, people["id"]["object_id"], slug)["id"]["attribute_id"]
        for slug in SYSTEM
    }
    assert not system_ids & set(stored_record(emulator_state, record_id)["values"])

    read = (await client.get(f"/v2/objects/people/records/{record_id}")).json()["data"]
    created_at = "2026-02-03T04:05:06.000000000Z"
    actor = read["values"]["job_title"][0]["created_by_actor"]
    assert actor["type"] == "api-token"
    common = {"active_from": created_at, "active_until": None, "created_by_actor": actor}
    assert read["values"]["record_id"] == [{**common, "value": record_id, "attribute_type": "text"}]
    assert read["values"]["created_at"] == [
        {**common, "value": created_at, "attribute_type": "timestamp"}
    ]
    assert read["values"]["created_by"] == [
        {
            **common,
            "referenced_actor_type": "api-token",
            "referenced_actor_id": actor["id"],
            "attribute_type": "actor-reference",
        }
    ]
    for slug in SYSTEM:
        historic = await client.get(
            f"/v2/objects/people/records/{record_id}/attributes/{slug}/values",
            params={"show_historic": "true"},
        )
        assert historic.status_code == 200, historic.text
        assert historic.json()["data"] == read["values"][slug]


async def test_derived_values_filter_sort_and_match(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    made = []
    for day in (3, 1, 2):
        emulator_state.clock.set(datetime(2026, 1, day, tzinfo=UTC))
        made.append(await create(client, "companies", {"name": f"Day {day}"}))
    emulator_state.clock.set(None)
    first, second, third = (m["id"]["record_id"] for m in made)
    newest = await query(
        client, "companies", {"sorts": [{"direction": "desc", "attribute": "created_at"}]}
    )
    assert [r["id"]["record_id"] for r in newest.json()["data"]] == [first, third, second]
    since = {"created_at": {"$gte": "2026-01-02T00:00:00Z"}}
    assert ids(await query(client, "companies", {"filter": since})) == {first, third}
    by_id = {"record_id": {"$eq": second}}
    assert ids(await query(client, "companies", {"filter": by_id})) == {second}
    assert ids(await query(client, "companies", {"filter": {"record_id": second}})) == {second}
    token = made[0]["values"]["created_by"][0]["referenced_actor_id"]
    by_creator = {
        "created_by": {"referenced_actor_type": "api-token", "referenced_actor_id": token}
    }
    assert ids(await query(client, "companies", {"filter": by_creator})) == {first, second, third}
    # A record reference through its unique record_id value finds the record.
    deal = await client.post(
        "/v2/objects/people/records",
        json={
            "data": {
                "values": {
                    "name": "Doe, Jane",
                    "company": {"target_object": "companies", "record_id": second},
                }
            }
        },
    )
    assert deal.status_code == 200, deal.text
    assert deal.json()["data"]["values"]["company"][0]["target_record_id"] == second


async def test_single_values_are_small_and_strings_shared(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    one = await create(client, "people", {"email_addresses": ["a@acme.com"], "job_title": "CTO"})
    two = await create(client, "people", {"email_addresses": ["b@acme.com"], "job_title": "CEO"})
    people = get_object(emulator_state, "people")
    parent = people["id"]["object_id"]
    title = get_attribute(emulator_state, parent, "job_title")["id"]["attribute_id"]
    email = get_attribute(emulator_state, parent, "email_addresses")["id"]["attribute_id"]
    a = stored_record(emulator_state, one["id"]["record_id"])["values"]
    b = stored_record(emulator_state, two["id"]["record_id"])["values"]
    # A lone value needs no write-order counter: five keys, CPython's smallest dict table.
    assert "_seq" not in a[title][0]
    assert sys.getsizeof(a[title][0]) <= sys.getsizeof(dict.fromkeys("abcde"))
    assert sys.getsizeof(a[title]) == sys.getsizeof([None])
    # Two people at one company share the domain strings.
    assert a[email][0]["email_domain"] is b[email][0]["email_domain"]
    assert a[email][0]["email_root_domain"] is b[email][0]["email_root_domain"]


async def test_values_written_together_keep_their_order(client: httpx.AsyncClient) -> None:
    made = await create(client, "companies", {"domains": ["c.com", "a.com", "b.com"]})
    record_id = made["id"]["record_id"]
    historic = await client.get(
        f"/v2/objects/companies/records/{record_id}/attributes/domains/values",
        params={"show_historic": "true"},
    )
    assert [v["domain"] for v in historic.json()["data"]] == ["c.com", "a.com", "b.com"]


async def test_derived_values_survive_a_restart(tmp_path: Any) -> None:
    """A ``--db`` file keeps what the values are derived from."""
    from attio_emulator.app import create_app, transport
    from attio_emulator.core.store import Store

    path = str(tmp_path / "workspace.sqlite")
    reads = []
    for attempt in range(2):
        state = EmulatorState(store=Store(path))
        token = state.issue_token()["token"]
        async with httpx.AsyncClient(
            transport=transport(create_app(state)),
            base_url="https://api.attio.com",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            if attempt == 0:
                made = await create(http, "companies", {"name": "Kept"})
                record_id = made["id"]["record_id"]
            read = await http.get(f"/v2/objects/companies/records/{record_id}")
            assert read.status_code == 200, read.text
            reads.append(read.json()["data"]["values"])
        state.store.close()
    assert reads[0] == reads[1]
    assert reads[1]["record_id"][0]["value"] == record_id
    assert reads[1]["created_by"][0]["referenced_actor_type"] == "api-token"


async def test_multi_key_sort_on_derived_values(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    made = []
    for day, name in ((2, "B"), (1, "A"), (2, "A")):
        emulator_state.clock.set(datetime(2026, 1, day, tzinfo=UTC))
        made.append((await create(client, "companies", {"name": name}))["id"]["record_id"])
    emulator_state.clock.set(None)
    body = {
        "sorts": [
            {"direction": "desc", "attribute": "created_at"},
            {"direction": "asc", "attribute": "name"},
        ]
    }
    rows = (await query(client, "companies", body)).json()["data"]
    assert [r["id"]["record_id"] for r in rows] == [made[2], made[0], made[1]]


async def test_task_links_a_record_by_its_derived_record_id(client: httpx.AsyncClient) -> None:
    company = await create(client, "companies", {"name": "Acme"})
    record_id = company["id"]["record_id"]
    body = {
        "data": {
            "content": "Call back",
            "format": "plaintext",
            "deadline_at": None,
            "is_completed": False,
            "linked_records": [{"target_object": "companies", "record_id": record_id}],
            "assignees": [],
        }
    }
    response = await client.post("/v2/tasks", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["linked_records"][0]["target_record_id"] == record_id
