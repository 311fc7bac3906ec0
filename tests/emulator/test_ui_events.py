"""``/_emulator`` stand-ins for actions only Attio's web app takes, and the webhook events
they send: a member joins, a comment thread is resolved/reopened, a note is edited, a list
is deleted, two records are merged. Each change is checked through the public API, each
event through a real delivery to a local receiver."""

from __future__ import annotations

from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import (
    Receiver,
    add_member,
    create,
    create_note,
    create_pipeline,
    error,
    events_of,
    subscribe,
    text_attribute,
)


def member_actor(member_id: str) -> dict[str, str]:
    return {"type": "workspace-member", "id": member_id}


# --- workspace-member.created ----------------------------------------------------------------


async def test_a_member_joins(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "workspace-member.created")
    first = add_member(emulator_state)
    second = add_member(emulator_state, "bob@example.com")
    joined = await client.post(
        "/_emulator/workspace_members",
        json={"email_address": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"},
    )
    assert joined.status_code == 200, joined.text
    member = joined.json()["data"]
    member_id = member["id"]["workspace_member_id"]
    assert member["access_level"] == "member"
    listed = (await client.get("/v2/workspace_members")).json()["data"]
    assert member in listed
    fetched = await client.get(f"/v2/workspace_members/{member_id}")
    assert fetched.json()["data"]["email_address"] == "grace@example.com"
    # Acting as a named member, with an access level.
    admin = await client.post(
        "/_emulator/workspace_members",
        json={
            "email_address": "alan@example.com",
            "first_name": "Alan",
            "last_name": "Turing",
            "access_level": "admin",
            "actor_workspace_member_id": second,
        },
    )
    admin_id = admin.json()["data"]["id"]["workspace_member_id"]
    assert admin.json()["data"]["access_level"] == "admin"

    events = await events_of(emulator_state, receiver)
    workspace_id = emulator_state.workspace.workspace_id
    assert sorted(events, key=lambda e: e["id"]["workspace_member_id"]) == sorted(
        [
            {
                "event_type": "workspace-member.created",
                "id": {"workspace_id": workspace_id, "workspace_member_id": member_id},
                "actor": member_actor(first),
            },
            {
                "event_type": "workspace-member.created",
                "id": {"workspace_id": workspace_id, "workspace_member_id": admin_id},
                "actor": member_actor(second),
            },
        ],
        key=lambda e: e["id"]["workspace_member_id"],
    )


async def test_the_first_member_of_an_empty_workspace_acts_for_itself(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "workspace-member.created")
    joined = await client.post(
        "/_emulator/workspace_members",
        json={"email_address": "ada@example.com", "first_name": "Ada", "last_name": "L"},
    )
    member_id = joined.json()["data"]["id"]["workspace_member_id"]
    (event,) = await events_of(emulator_state, receiver)
    assert event["actor"] == member_actor(member_id)


async def test_member_validation(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "workspace-member.created")
    add_member(emulator_state, "ada@example.com")
    body = {"email_address": "ADA@example.com", "first_name": "A", "last_name": "B"}
    path = "/_emulator/workspace_members"
    assert "already exists" in error(await client.post(path, json=body), 400, "validation_type")
    bad_level = {**body, "email_address": "x@example.com", "access_level": "owner"}
    assert "access_level" in error(await client.post(path, json=bad_level), 400, "validation_type")
    bad_email = {**body, "email_address": "not-an-email"}
    assert "email_address" in error(await client.post(path, json=bad_email), 400, "validation_type")
    missing = {"email_address": "y@example.com", "first_name": "Y"}
    assert "last_name" in error(await client.post(path, json=missing), 400, "validation_type")
    ghost = {**body, "email_address": "z@example.com", "actor_workspace_member_id": "nobody"}
    error(await client.post(path, json=ghost), 404, "not_found")
    assert len((await client.get("/v2/workspace_members")).json()["data"]) == 1
    assert await events_of(emulator_state, receiver) == []


# --- comment.resolved / comment.unresolved ---------------------------------------------------


async def _thread(
    client: httpx.AsyncClient, member: str, record_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A thread on a company: its first comment and a reply."""
    body = {"format": "plaintext", "author": {"type": "workspace-member", "id": member}}
    head = await client.post(
        "/v2/comments",
        json={
            "data": {
                **body,
                "content": "Close by Friday?",
                "record": {"object": "companies", "record_id": record_id},
            }
        },
    )
    assert head.status_code == 200, head.text
    first = head.json()["data"]
    reply = await client.post(
        "/v2/comments",
        json={"data": {**body, "content": "Yes", "thread_id": first["thread_id"]}},
    )
    return first, reply.json()["data"]


async def test_resolve_and_unresolve_a_thread(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(
        client, receiver.url, "comment.resolved", "comment.unresolved", "comment.created"
    )
    ada = add_member(emulator_state)
    bob = add_member(emulator_state, "bob@example.com")
    company = await create(client, "companies", {"name": "Acme"})
    record_id = company["id"]["record_id"]
    head, reply = await _thread(client, ada, record_id)
    comment_id = head["id"]["comment_id"]
    await events_of(emulator_state, receiver)
    receiver.received.clear()  # only the UI actions' events from here on

    resolved = await client.post(
        f"/_emulator/comments/{comment_id}/resolve", json={"actor_workspace_member_id": bob}
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["data"]["resolved_by"] == member_actor(bob)
    # The whole thread shows the resolution, through the public API.
    thread = (await client.get(f"/v2/threads/{head['thread_id']}")).json()["data"]
    for shown in thread["comments"]:
        assert shown["resolved_at"] is not None
        assert shown["resolved_by"] == member_actor(bob)
    fetched = (await client.get(f"/v2/comments/{reply['id']['comment_id']}")).json()["data"]
    assert fetched["resolved_at"] == resolved.json()["data"]["resolved_at"]
    # Resolving again changes nothing and sends nothing.
    again = await client.post(f"/_emulator/comments/{comment_id}/resolve")
    assert again.json()["data"] == resolved.json()["data"]

    reopened = await client.post(f"/_emulator/comments/{comment_id}/unresolve")
    assert reopened.status_code == 200, reopened.text
    for shown in (await client.get(f"/v2/threads/{head['thread_id']}")).json()["data"]["comments"]:
        assert shown["resolved_at"] is None
        assert shown["resolved_by"] == {"type": None, "id": None}
    await client.post(f"/_emulator/comments/{comment_id}/unresolve")

    events = await events_of(emulator_state, receiver)
    assert sorted(e["event_type"] for e in events) == ["comment.resolved", "comment.unresolved"]
    actors = {e["event_type"]: e["actor"] for e in events}
    # The default actor is the workspace's first member.
    assert actors == {
        "comment.resolved": member_actor(bob),
        "comment.unresolved": member_actor(ada),
    }
    for event in events:
        assert event["id"] == {
            "workspace_id": emulator_state.workspace.workspace_id,
            "comment_id": comment_id,
        }
        assert event["thread_id"] == head["thread_id"]
        assert event["object_id"] == company["id"]["object_id"]
        assert event["record_id"] == record_id
        assert event["list_id"] is None
        assert event["entry_id"] is None


async def test_resolving_an_unknown_comment(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    add_member(emulator_state)
    missing = "00000000-0000-4000-8000-000000000000"
    error(await client.post(f"/_emulator/comments/{missing}/resolve"), 404, "not_found")
    error(await client.post(f"/_emulator/comments/{missing}/unresolve"), 404, "not_found")


# --- note.updated / note-content.updated -----------------------------------------------------


async def test_edit_a_note(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "note.updated", "note-content.updated")
    ada = add_member(emulator_state)
    company = await create(client, "companies", {"name": "Acme"})
    made = await create_note(client, company, title="Call", format="markdown", content="**Hello**")
    note_id = made["id"]["note_id"]
    path = f"/_emulator/notes/{note_id}"

    titled = await client.patch(path, json={"title": "Kick-off call"})
    assert titled.status_code == 200, titled.text
    # Same text as now: no change, and the note's markdown is left as it was.
    await client.patch(path, json={"title": "Kick-off call", "content_plaintext": "Hello"})
    note = (await client.get(f"/v2/notes/{note_id}")).json()["data"]
    assert (note["title"], note["content_markdown"]) == ("Kick-off call", "**Hello**")
    await client.patch(path, json={"content_plaintext": "Hello again"})
    note = (await client.get(f"/v2/notes/{note_id}")).json()["data"]
    assert note["content_plaintext"] == note["content_markdown"] == "Hello again"
    await client.patch(path, json={"title": "Final", "content_plaintext": "Bye"})
    await client.patch(path, json={})

    events = await events_of(emulator_state, receiver)
    assert sorted(e["event_type"] for e in events) == [
        "note-content.updated",
        "note-content.updated",
        "note.updated",
        "note.updated",
    ]
    for event in events:
        assert event["id"] == {
            "workspace_id": emulator_state.workspace.workspace_id,
            "note_id": note_id,
        }
        assert event["parent_object_id"] == company["id"]["object_id"]
        assert event["parent_record_id"] == company["id"]["record_id"]
        assert event["actor"] == member_actor(ada)
    note = (await client.get(f"/v2/notes/{note_id}")).json()["data"]
    assert (note["title"], note["content_plaintext"]) == ("Final", "Bye")


async def test_note_edit_validation(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    add_member(emulator_state)
    missing = "00000000-0000-4000-8000-000000000000"
    error(await client.patch(f"/_emulator/notes/{missing}", json={"title": "x"}), 404, "not_found")
    company = await create(client, "companies", {"name": "Acme"})
    made = await create_note(client, company, title="Call", content="Hi")
    path = f"/_emulator/notes/{made['id']['note_id']}"
    # "content" is the create field; the edit takes content_plaintext: a typo is refused.
    assert "content" in error(
        await client.patch(path, json={"content": "x"}), 400, "validation_type"
    )
    assert "title" in error(await client.patch(path, json={"title": None}), 400, "validation_type")


# --- list.deleted ----------------------------------------------------------------------------


async def test_delete_a_list(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "list.deleted", "list-entry.deleted")
    ada = add_member(emulator_state)
    company = await create(client, "companies", {"name": "Acme"})
    record_id = company["id"]["record_id"]
    made = await create_pipeline(client)
    list_id = made["id"]["list_id"]
    await client.post("/v2/lists/pipeline/attributes", json=text_attribute("stage_note"))
    entry = await client.post(
        "/v2/lists/pipeline/entries",
        json={
            "data": {
                "parent_record_id": record_id,
                "parent_object": "companies",
                "entry_values": {"stage_note": "hot"},
            }
        },
    )
    entry_id = entry.json()["data"]["id"]["entry_id"]

    deleted = await client.delete("/_emulator/lists/pipeline")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {}
    error(await client.get("/v2/lists/pipeline"), 404, "not_found")
    error(await client.get(f"/v2/lists/{list_id}"), 404, "not_found")
    assert (await client.get("/v2/lists")).json()["data"] == []
    error(await client.get(f"/v2/lists/{list_id}/entries/{entry_id}"), 404, "not_found")
    entries = await client.get(f"/v2/objects/companies/records/{record_id}/entries")
    assert entries.json()["data"] == []
    # The list is gone with its attributes: its slug can be used again from scratch.
    again = await create_pipeline(client)
    attributes = (await client.get("/v2/lists/pipeline/attributes")).json()["data"]
    assert "stage_note" not in {a["api_slug"] for a in attributes}
    error(await client.delete("/_emulator/lists/nothing"), 404, "not_found")

    events = await events_of(emulator_state, receiver)
    # list.deleted only: list-entry.deleted for the entries is unconfirmed, so not sent.
    assert events == [
        {
            "event_type": "list.deleted",
            "id": {"workspace_id": emulator_state.workspace.workspace_id, "list_id": list_id},
            "actor": member_actor(ada),
        }
    ]
    assert again["id"]["list_id"] != list_id


# --- record.merged ---------------------------------------------------------------------------


async def test_merge_records(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    add_member(emulator_state)  # the first member, whom the merge does not act as
    bob = add_member(emulator_state, "bob@example.com")
    # An unpaired reference to companies, on people.
    partner = text_attribute(
        "partner",
        type="record-reference",
        config={"record_reference": {"allowed_objects": ["companies"]}},
    )
    assert (await client.post("/v2/objects/people/attributes", json=partner)).status_code == 200
    for title in ("SaaS", "B2B"):
        await client.post(
            "/v2/objects/companies/attributes/categories/options", json={"data": {"title": title}}
        )
    keep = await create(
        client, "companies", {"name": "Acme", "domains": ["acme.com"], "categories": ["SaaS"]}
    )
    dup = await create(
        client,
        "companies",
        {
            "name": "Acme Inc",
            "domains": ["acme.io"],
            "description": "Rockets",
            "categories": ["B2B", "SaaS"],
        },
    )
    keep_id, dup_id = keep["id"]["record_id"], dup["id"]["record_id"]
    companies_id = keep["id"]["object_id"]
    person = await create(
        client,
        "people",
        {"company": [{"target_object": "companies", "target_record_id": dup_id}]},
    )
    partnered = await create(
        client,
        "people",
        {"partner": [{"target_object": "companies", "target_record_id": dup_id}]},
    )
    await create_pipeline(client)
    entry = await client.post(
        "/v2/lists/pipeline/entries",
        json={
            "data": {"parent_record_id": dup_id, "parent_object": "companies", "entry_values": {}}
        },
    )
    entry_id = entry.json()["data"]["id"]["entry_id"]
    await subscribe(
        client,
        receiver.url,
        "record.merged",
        "record.updated",
        "record.deleted",
        "list-entry.deleted",
        "list-entry.updated",
    )

    merged = await client.post(
        f"/_emulator/objects/companies/records/{keep_id}/merge",
        json={"duplicate_record_id": dup_id, "actor_workspace_member_id": bob},
    )
    assert merged.status_code == 200, merged.text

    def targets(values: list[dict[str, Any]]) -> list[str]:
        return [v["target_record_id"] for v in values]

    survivor = (await client.get(f"/v2/objects/companies/records/{keep_id}")).json()["data"]
    assert merged.json()["data"] == survivor
    values = survivor["values"]
    assert [v["value"] for v in values["name"]] == ["Acme"]  # its own value kept
    assert [v["value"] for v in values["description"]] == ["Rockets"]  # it had none
    # Multiselects are combined, without repeats.
    assert sorted(v["domain"] for v in values["domains"]) == ["acme.com", "acme.io"]
    assert sorted(v["option"]["title"] for v in values["categories"]) == ["B2B", "SaaS"]
    assert targets(values["team"]) == [person["id"]["record_id"]]
    error(await client.get(f"/v2/objects/companies/records/{dup_id}"), 404, "not_found")
    # References to the duplicate now point at the survivor: a relationship's both sides,
    # and a plain reference.
    path = f"/v2/objects/people/records/{person['id']['record_id']}"
    assert targets((await client.get(path)).json()["data"]["values"]["company"]) == [keep_id]
    path = f"/v2/objects/people/records/{partnered['id']['record_id']}"
    assert targets((await client.get(path)).json()["data"]["values"]["partner"]) == [keep_id]
    # The duplicate's list entry is the survivor's now.
    moved = await client.get(f"/v2/lists/pipeline/entries/{entry_id}")
    assert moved.json()["data"]["parent_record_id"] == keep_id
    entries = await client.get(f"/v2/objects/companies/records/{keep_id}/entries")
    assert [e["entry_id"] for e in entries.json()["data"]] == [entry_id]
    # The domains moved with the merge: asserting by one finds the survivor.
    found = await client.post(
        "/v2/objects/companies/records/query", json={"filter": {"domains": "acme.io"}}
    )
    assert [r["id"]["record_id"] for r in found.json()["data"]] == [keep_id]

    events = await events_of(emulator_state, receiver)
    assert events == [
        {
            "event_type": "record.merged",
            "id": {
                "workspace_id": emulator_state.workspace.workspace_id,
                "object_id": companies_id,
                "record_id": keep_id,
            },
            "duplicate_object_id": companies_id,
            "duplicate_record_id": dup_id,
            "actor": member_actor(bob),
        }
    ]


async def test_merge_keeps_a_relationship_consistent(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    """A single-value side that the survivor already fills keeps its own record: the other
    record's reference to the duplicate ends instead of half-pointing at the survivor."""
    add_member(emulator_state)
    acme = await create(client, "companies", {"name": "Acme"})
    globex = await create(client, "companies", {"name": "Globex"})

    async def deal(company: dict[str, Any]) -> str:
        made = await create(
            client,
            "deals",
            {
                "name": "D",
                "stage": "Lead",
                "owner": "ada@example.com",
                "associated_company": [
                    {"target_object": "companies", "target_record_id": company["id"]["record_id"]}
                ],
            },
        )
        record_id: str = made["id"]["record_id"]
        return record_id

    keep, dup = await deal(acme), await deal(globex)
    merged = await client.post(
        f"/_emulator/objects/deals/records/{keep}/merge", json={"duplicate_record_id": dup}
    )
    assert merged.status_code == 200, merged.text
    company = merged.json()["data"]["values"]["associated_company"]
    assert [v["target_record_id"] for v in company] == [acme["id"]["record_id"]]
    path = f"/v2/objects/companies/records/{globex['id']['record_id']}"
    assert (await client.get(path)).json()["data"]["values"]["associated_deals"] == []
    path = f"/v2/objects/companies/records/{acme['id']['record_id']}"
    deals = (await client.get(path)).json()["data"]["values"]["associated_deals"]
    assert [v["target_record_id"] for v in deals] == [keep]


async def test_merge_errors(
    client: httpx.AsyncClient, emulator_state: EmulatorState, receiver: Receiver
) -> None:
    await subscribe(client, receiver.url, "record.merged")
    add_member(emulator_state)
    company = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    person = (await create(client, "people", {}))["id"]["record_id"]
    missing = "00000000-0000-4000-8000-000000000000"

    async def merge(obj: str, record_id: str, duplicate: str) -> httpx.Response:
        return await client.post(
            f"/_emulator/objects/{obj}/records/{record_id}/merge",
            json={"duplicate_record_id": duplicate},
        )

    assert "itself" in error(await merge("companies", company, company), 400, "validation_type")
    assert "same object" in error(await merge("companies", company, person), 400, "validation_type")
    error(await merge("companies", company, missing), 404, "not_found")
    error(await merge("companies", missing, company), 404, "not_found")
    error(await merge("nothing", company, person), 404, "not_found")
    assert "duplicate_record_id" in error(
        await client.post(f"/_emulator/objects/companies/records/{company}/merge", json={}),
        400,
        "validation_type",
    )
    # Nothing changed.
    assert (await client.get(f"/v2/objects/people/records/{person}")).status_code == 200
    assert await events_of(emulator_state, receiver) == []
