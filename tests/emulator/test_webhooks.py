"""Webhooks: CRUD shapes, https rule, and real signed delivery to a local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.webhooks.models import drain
from tests.emulator.helpers import (
    Receiver,
    create,
    create_note,
    create_pipeline,
    error,
    events_of,
    mentor_relationship,
    subscribe,
    text_attribute,
)


async def test_signed_delivery_of_note_and_task_events(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    hook = await subscribe(client, receiver.url, "note.created", "task.created")
    secret = hook["secret"]
    assert len(secret) == 64
    company = await create(client, "companies", {"name": "Acme"})
    note = await create_note(client, company)
    await drain(emulator_state)
    assert len(receiver.received) == 1
    headers, raw = receiver.received[0]
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["Attio-Signature"], expected)
    payload = json.loads(raw)
    assert payload["webhook_id"] == hook["id"]["webhook_id"]
    (event,) = payload["events"]
    assert event["event_type"] == "note.created"
    assert event["id"]["note_id"] == note["id"]["note_id"]
    assert event["parent_record_id"] == company["id"]["record_id"]
    assert event["actor"]["type"] == "api-token"


async def test_failed_delivery_is_retried_with_the_same_key(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "task.created")
    receiver.fail = 2
    body = {
        "content": "x",
        "format": "plaintext",
        "deadline_at": None,
        "is_completed": False,
        "linked_records": [],
        "assignees": [],
    }
    assert (await client.post("/v2/tasks", json={"data": body})).status_code == 200
    await drain(emulator_state)
    assert len(receiver.received) == 3
    keys = {headers["Idempotency-Key"] for headers, _ in receiver.received}
    assert len(keys) == 1


async def test_filter_and_unsubscribed_events(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    other = "00000000-0000-4000-8000-000000000000"
    await subscribe(
        client,
        receiver.url,
        "task.created",
        filter={"$and": [{"field": "id.task_id", "operator": "equals", "value": other}]},
    )
    await subscribe(client, receiver.url, "note.deleted")
    body = {
        "content": "x",
        "format": "plaintext",
        "deadline_at": None,
        "is_completed": False,
        "linked_records": [],
        "assignees": [],
    }
    await client.post("/v2/tasks", json={"data": body})
    await drain(emulator_state)
    assert receiver.received == []


async def test_crud_and_https_rule(client: httpx.AsyncClient) -> None:
    plain = await client.post(
        "/v2/webhooks",
        json={"data": {"target_url": "http://127.0.0.1/x", "subscriptions": []}},
    )
    assert "https" in error(plain, 400, "validation_type")
    bad_event = await client.post(
        "/v2/webhooks",
        json={
            "data": {
                "target_url": "https://hooks.test/a",
                "subscriptions": [{"event_type": "record.exploded", "filter": None}],
            }
        },
    )
    assert "event_type" in error(bad_event, 400, "validation_type")
    hook = await subscribe(client, "https://hooks.test/a", "record.created")
    webhook_id = hook["id"]["webhook_id"]
    fetched = (await client.get(f"/v2/webhooks/{webhook_id}")).json()["data"]
    assert "secret" not in fetched
    assert fetched["status"] == "active"
    patched = await client.patch(
        f"/v2/webhooks/{webhook_id}", json={"data": {"target_url": "https://hooks.test/b"}}
    )
    assert patched.json()["data"]["target_url"] == "https://hooks.test/b"
    assert len((await client.get("/v2/webhooks")).json()["data"]) == 1
    assert (await client.delete(f"/v2/webhooks/{webhook_id}")).status_code == 200
    error(await client.get(f"/v2/webhooks/{webhook_id}"), 404, "not_found")


def actor_of(state: EmulatorState, client: httpx.AsyncClient) -> dict[str, str]:
    token = state.token(client.headers["Authorization"].removeprefix("Bearer "))
    assert token is not None
    return {"type": "api-token", "id": token["token_id"]}


async def test_attribute_events_name_the_object_or_list(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(
        client,
        receiver.url,
        "object-attribute.created",
        "object-attribute.updated",
        "list-attribute.created",
        "list-attribute.updated",
    )
    made = await client.post("/v2/objects/people/attributes", json=text_attribute("nickname"))
    nickname = made.json()["data"]["id"]
    await client.patch(
        "/v2/objects/people/attributes/nickname", json={"data": {"title": "Also known as"}}
    )
    await create_pipeline(client)
    made = await client.post("/v2/lists/pipeline/attributes", json=text_attribute("stage_note"))
    stage_note = made.json()["data"]["id"]
    await client.patch(
        "/v2/lists/pipeline/attributes/stage_note", json={"data": {"description": "Why"}}
    )
    # A relationship creates an attribute on each side: one event for each.
    mentor = mentor_relationship()
    await client.post("/v2/objects/people/attributes", json=mentor)
    sides = [
        (await client.get(f"/v2/objects/people/attributes/{slug}")).json()["data"]["id"]
        for slug in ("mentor", "mentees")
    ]

    events = await events_of(emulator_state, receiver)
    actor = actor_of(emulator_state, client)
    assert all(e["actor"] == actor for e in events)
    seen = sorted((e["event_type"], e["id"]["attribute_id"]) for e in events)
    assert seen == sorted(
        [
            ("object-attribute.created", nickname["attribute_id"]),
            ("object-attribute.updated", nickname["attribute_id"]),
            ("list-attribute.created", stage_note["attribute_id"]),
            ("list-attribute.updated", stage_note["attribute_id"]),
            *[("object-attribute.created", side["attribute_id"]) for side in sides],
        ]
    )
    for event in events:
        if event["event_type"].startswith("object-attribute."):
            assert set(event["id"]) == {"workspace_id", "object_id", "attribute_id"}
            assert event["id"]["object_id"] == nickname["object_id"]
        else:
            assert set(event["id"]) == {"workspace_id", "list_id", "attribute_id"}
            assert event["id"]["list_id"] == stage_note["object_id"]


async def test_list_entry_events_are_delivered(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(
        client, receiver.url, "list-entry.created", "list-entry.updated", "list-entry.deleted"
    )
    company = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    made = await create_pipeline(client)
    list_id = made["id"]["list_id"]
    note = await client.post("/v2/lists/pipeline/attributes", json=text_attribute("stage_note"))
    note_id = note.json()["data"]["id"]["attribute_id"]
    entries = []
    for _ in range(2):
        entry = await client.post(
            "/v2/lists/pipeline/entries",
            json={
                "data": {
                    "parent_record_id": company,
                    "parent_object": "companies",
                    "entry_values": {},
                }
            },
        )
        entries.append(entry.json()["data"]["id"]["entry_id"])
    first = f"/v2/lists/pipeline/entries/{entries[0]}"
    await client.patch(first, json={"data": {"entry_values": {"stage_note": "hot"}}})
    # Writing the value it already holds changes nothing, so no event.
    await client.patch(first, json={"data": {"entry_values": {"stage_note": "hot"}}})
    await client.delete(first)
    # Deleting the parent record deletes its remaining entry.
    await client.delete(f"/v2/objects/companies/records/{company}")

    events = await events_of(emulator_state, receiver)
    actor = actor_of(emulator_state, client)
    assert sorted((e["event_type"], e["id"]["entry_id"]) for e in events) == sorted(
        [
            ("list-entry.created", entries[0]),
            ("list-entry.created", entries[1]),
            ("list-entry.updated", entries[0]),
            ("list-entry.deleted", entries[0]),
            ("list-entry.deleted", entries[1]),
        ]
    )
    for event in events:
        assert event["id"]["list_id"] == list_id
        assert event["parent_record_id"] == company
        assert event["actor"] == actor
    (updated,) = [e for e in events if e["event_type"] == "list-entry.updated"]
    assert updated["id"]["attribute_id"] == note_id


async def test_record_events_are_delivered(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "record.created", "record.updated", "record.deleted")
    company = await create(client, "companies", {"name": "Acme", "domains": ["acme.com"]})
    record_id = company["id"]["record_id"]
    path = f"/v2/objects/companies/records/{record_id}"
    await client.patch(path, json={"data": {"values": {"name": "Acme Inc"}}})
    await client.put(
        "/v2/objects/companies/records",
        params={"matching_attribute": "domains"},
        json={"data": {"values": {"domains": ["acme.com"], "description": "x"}}},
    )
    # Writing values the record already holds changes nothing, so no event.
    await client.patch(path, json={"data": {"values": {"name": "Acme Inc"}}})
    await client.delete(path)
    events = await events_of(emulator_state, receiver)
    # One record.updated per changed attribute, naming it (the assert's domain was held).
    attributes = (await client.get("/v2/objects/companies/attributes")).json()["data"]
    slug_of = {a["id"]["attribute_id"]: a["api_slug"] for a in attributes}
    assert sorted(
        (e["event_type"], slug_of.get(e["id"].get("attribute_id", ""), "")) for e in events
    ) == [
        ("record.created", ""),
        ("record.deleted", ""),
        ("record.updated", "description"),
        ("record.updated", "name"),
    ]
    assert {e["id"]["record_id"] for e in events} == {record_id}
    assert {e["id"]["object_id"] for e in events} == {company["id"]["object_id"]}
    assert all(e["actor"] == actor_of(emulator_state, client) for e in events)
