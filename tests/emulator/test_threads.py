"""Threads and comments on records and entries: replies, listing, head-comment deletion,
scopes.

These tests use an unchecked client: Attio's OpenAPI marks ``resolved_by.type``/``id`` with
OpenAPI 3.0's ``nullable: true`` inside a 3.1 document, and ``conformance.py`` does not
read that keyword yet, so an unresolved comment's ``{"type": null, "id": null}`` is
reported as a violation although the spec means to allow it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attio_emulator.app import transport
from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import add_member, create, create_pipeline, error


@pytest.fixture
async def client(emulator_app: FastAPI, api_token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=transport(emulator_app),
        base_url="https://api.attio.com",
        headers={"Authorization": f"Bearer {api_token}"},
    ) as http:
        yield http


async def comment(client: httpx.AsyncClient, member: str, **target: Any) -> httpx.Response:
    body = {
        "format": "plaintext",
        "content": "Close by Friday?",
        "author": {"type": "workspace-member", "id": member},
        **target,
    }
    return await client.post("/v2/comments", json={"data": body})


async def pipeline_entry(client: httpx.AsyncClient, company: str) -> str:
    """A "pipeline" list on companies holding ``company``; the new entry's id."""
    await create_pipeline(client)
    entry = await client.post(
        "/v2/lists/pipeline/entries",
        json={
            "data": {"parent_record_id": company, "parent_object": "companies", "entry_values": {}}
        },
    )
    entry_id: str = entry.json()["data"]["id"]["entry_id"]
    return entry_id


async def test_thread_with_reply_and_deletion(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    member = add_member(emulator_state)
    deal = await create(client, "companies", {"name": "Acme"})
    record = {"object": "companies", "record_id": deal["id"]["record_id"]}
    head = await comment(client, member, record=record)
    assert head.status_code == 200, head.text
    head_data = head.json()["data"]
    assert head_data["record"]["record_id"] == deal["id"]["record_id"]
    assert head_data["entry"] is None
    thread_id = head_data["thread_id"]
    reply = await comment(client, member, thread_id=thread_id)
    assert reply.json()["data"]["thread_id"] == thread_id
    await comment(client, member, record=record)  # a second thread

    thread = (await client.get(f"/v2/threads/{thread_id}")).json()["data"]
    assert [c["id"]["comment_id"] for c in thread["comments"]] == [
        head_data["id"]["comment_id"],
        reply.json()["data"]["id"]["comment_id"],
    ]
    listed = await client.get(
        "/v2/threads", params={"object": "companies", "record_id": deal["id"]["record_id"]}
    )
    assert len(listed.json()["data"]) == 2

    # Deleting a reply keeps the thread; deleting the head removes it.
    reply_id = reply.json()["data"]["id"]["comment_id"]
    assert (await client.delete(f"/v2/comments/{reply_id}")).status_code == 200
    assert len((await client.get(f"/v2/threads/{thread_id}")).json()["data"]["comments"]) == 1
    await client.delete(f"/v2/comments/{head_data['id']['comment_id']}")
    error(await client.get(f"/v2/threads/{thread_id}"), 404, "not_found")


async def test_comment_validation(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    member = add_member(emulator_state)
    deal = await create(client, "companies", {"name": "Acme"})
    record = {"object": "companies", "record_id": deal["id"]["record_id"]}
    both = await comment(client, member, record=record, thread_id="x")
    assert "exactly one" in error(both, 400, "validation_type")
    error(await comment(client, "nobody", record=record), 400, "value_not_found")
    half = await client.get("/v2/threads", params={"object": "companies"})
    error(half, 400, "validation_type")


async def test_comment_scopes(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    reader = emulator_state.issue_token(scopes=["comment:read", "record_permission:read"])
    headers = {"Authorization": f"Bearer {reader['token']}"}
    denied = await client.post("/v2/comments", json={"data": {}}, headers=headers)
    assert "comment:read-write" in error(denied, 403, "missing_scopes")


async def test_comments_on_a_list_entry(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    member = add_member(emulator_state)
    company = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    entry_id = await pipeline_entry(client, company)
    made = await comment(client, member, entry={"list": "pipeline", "entry_id": entry_id})
    assert made.status_code == 200, made.text
    data = made.json()["data"]
    assert data["entry"]["entry_id"] == entry_id
    assert data["record"]["record_id"] == company
    threads = await client.get("/v2/threads", params={"list": "pipeline", "entry_id": entry_id})
    assert [t["id"]["thread_id"] for t in threads.json()["data"]] == [data["thread_id"]]
    missing = await comment(client, member, entry={"list": "pipeline", "entry_id": "nope"})
    error(missing, 404, "not_found")


async def test_reading_and_commenting_need_the_targets_scopes_too(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    """The spec asks comment scopes only; a record thread also needs the record scopes and
    an entry thread the list-entry scopes (API-NOTES §2) — never the other kind's."""
    member = add_member(emulator_state)
    company = (await create(client, "companies", {"name": "Acme"}))["id"]["record_id"]
    entry_id = await pipeline_entry(client, company)
    on_entry = await comment(client, member, entry={"list": "pipeline", "entry_id": entry_id})
    on_record = await comment(client, member, record={"object": "companies", "record_id": company})
    entry_comment, record_comment = on_entry.json()["data"], on_record.json()["data"]

    def as_token(*scopes: str) -> dict[str, str]:
        token = emulator_state.issue_token(scopes=list(scopes))["token"]
        return {"Authorization": f"Bearer {token}"}

    entry_reader = as_token("comment:read", "list_configuration:read", "list_entry:read")
    record_reader = as_token("comment:read", "object_configuration:read", "record_permission:read")
    for headers, allowed, denied in (
        (entry_reader, entry_comment, record_comment),
        (record_reader, record_comment, entry_comment),
    ):
        ok = await client.get(f"/v2/comments/{allowed['id']['comment_id']}", headers=headers)
        assert ok.status_code == 200, ok.text
        thread = await client.get(f"/v2/threads/{allowed['thread_id']}", headers=headers)
        assert thread.status_code == 200, thread.text
        refused = await client.get(f"/v2/comments/{denied['id']['comment_id']}", headers=headers)
        error(refused, 403, "missing_scopes")
    listed = await client.get(
        "/v2/threads", params={"list": "pipeline", "entry_id": entry_id}, headers=record_reader
    )
    error(listed, 403, "missing_scopes")
    writer = as_token("comment:read-write", "list_configuration:read", "list_entry:read")
    body = {
        "format": "plaintext",
        "content": "On the entry",
        "author": {"type": "workspace-member", "id": member},
    }
    made = await client.post(
        "/v2/comments",
        json={"data": {**body, "entry": {"list": "pipeline", "entry_id": entry_id}}},
        headers=writer,
    )
    assert made.status_code == 200, made.text
    refused = await client.post(
        "/v2/comments",
        json={"data": {**body, "record": {"object": "companies", "record_id": company}}},
        headers=writer,
    )
    error(refused, 403, "missing_scopes")
