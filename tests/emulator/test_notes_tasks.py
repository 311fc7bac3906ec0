"""Notes and tasks: shapes, rules, listing filters, scope checks."""

from __future__ import annotations

from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import add_member, create, error


async def note(client: httpx.AsyncClient, record_id: str, **data: Any) -> httpx.Response:
    body = {
        "parent_object": "companies",
        "parent_record_id": record_id,
        "title": "Kickoff",
        "format": "plaintext",
        "content": "hello",
        **data,
    }
    return await client.post("/v2/notes", json={"data": body})


async def test_markdown_note_has_both_renderings(client: httpx.AsyncClient) -> None:
    company = await create(client, "companies", {"name": "Acme"})
    record_id = company["id"]["record_id"]
    markdown = "## Summary\n- Budget approved\n- **Next:** send [SOW](https://x.test)"
    response = await note(client, record_id, format="markdown", content=markdown)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["content_markdown"] == markdown
    assert data["content_plaintext"] == "Summary\nBudget approved\nNext: send SOW"
    assert data["created_by_actor"]["type"] == "api-token"
    fetched = await client.get(f"/v2/notes/{data['id']['note_id']}")
    assert fetched.json()["data"] == data


async def test_note_backdating_listing_and_delete(client: httpx.AsyncClient) -> None:
    a = (await create(client, "companies", {"name": "A"}))["id"]["record_id"]
    b = (await create(client, "companies", {"name": "B"}))["id"]["record_id"]
    old = await note(client, a, created_at="2020-01-02T03:04:05Z")
    assert old.json()["data"]["created_at"] == "2020-01-02T03:04:05.000000000Z"
    await note(client, b)
    future = await note(client, a, created_at="2999-01-01T00:00:00Z")
    assert "future" in error(future, 400, "validation_type")
    listed = await client.get(
        "/v2/notes", params={"parent_object": "companies", "parent_record_id": a}
    )
    assert [n["parent_record_id"] for n in listed.json()["data"]] == [a]
    half = await client.get("/v2/notes", params={"parent_object": "companies"})
    assert "together" in error(half, 400, "validation_type")
    assert len((await client.get("/v2/notes")).json()["data"]) == 2
    note_id = old.json()["data"]["id"]["note_id"]
    assert (await client.delete(f"/v2/notes/{note_id}")).status_code == 200
    error(await client.get(f"/v2/notes/{note_id}"), 404, "not_found")


async def test_note_validation_names_the_field(client: httpx.AsyncClient) -> None:
    rid = (await create(client, "companies", {"name": "A"}))["id"]["record_id"]
    assert "format" in error(await note(client, rid, format="html"), 400, "validation_type")
    assert "title" in error(await note(client, rid, title=None), 400, "validation_type")
    error(await note(client, "00000000-0000-4000-8000-000000000000"), 404, "not_found")
    missing_meeting = await note(client, rid, meeting_id="00000000-0000-4000-8000-000000000000")
    error(missing_meeting, 404, "not_found")


async def task_body(**data: Any) -> dict[str, Any]:
    return {
        "data": {
            "content": "Send pricing",
            "format": "plaintext",
            "deadline_at": "2026-04-01T17:00:00.000Z",
            "is_completed": False,
            "linked_records": [],
            "assignees": [],
            **data,
        }
    }


async def test_task_lifecycle(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    member = add_member(emulator_state, "bob@acme.com")
    company = await create(client, "companies", {"name": "Acme", "domains": ["acme.com"]})
    body = await task_body(
        linked_records=[{"target_object": "companies", "domains": [{"domain": "acme.com"}]}],
        assignees=[{"workspace_member_email_address": "bob@acme.com"}],
    )
    response = await client.post("/v2/tasks", json=body)
    assert response.status_code == 200, response.text
    task = response.json()["data"]
    assert task["linked_records"][0]["target_record_id"] == company["id"]["record_id"]
    assert task["assignees"] == [
        {"referenced_actor_type": "workspace-member", "referenced_actor_id": member}
    ]
    assert task["deadline_at"] == "2026-04-01T17:00:00.000000000Z"
    task_id = task["id"]["task_id"]
    done = await client.patch(f"/v2/tasks/{task_id}", json={"data": {"is_completed": True}})
    assert done.json()["data"]["is_completed"] is True
    content = await client.patch(f"/v2/tasks/{task_id}", json={"data": {"content": "x"}})
    assert "content" in error(content, 400, "validation_type")
    await client.post("/v2/tasks", json=await task_body(content="Second"))
    open_tasks = await client.get("/v2/tasks", params={"is_completed": "false"})
    assert [t["content_plaintext"] for t in open_tasks.json()["data"]] == ["Second"]
    newest = await client.get("/v2/tasks", params={"sort": "created_at:desc"})
    assert len(newest.json()["data"]) == 2
    mine = await client.get("/v2/tasks", params={"assignee": "bob@acme.com"})
    assert [t["id"]["task_id"] for t in mine.json()["data"]] == [task_id]
    unassigned = await client.get("/v2/tasks", params={"assignee": ""})
    assert [t["content_plaintext"] for t in unassigned.json()["data"]] == ["Second"]
    linked = await client.get(
        "/v2/tasks",
        params={"linked_object": "companies", "linked_record_id": company["id"]["record_id"]},
    )
    assert [t["id"]["task_id"] for t in linked.json()["data"]] == [task_id]
    assert (await client.delete(f"/v2/tasks/{task_id}")).status_code == 200
    error(await client.get(f"/v2/tasks/{task_id}"), 404, "not_found")


async def test_task_rules(client: httpx.AsyncClient) -> None:
    too_long = await client.post("/v2/tasks", json=await task_body(content="x" * 2001))
    assert "2000" in error(too_long, 400, "validation_type")
    body = await task_body()
    del body["data"]["assignees"]
    assert "assignees" in error(await client.post("/v2/tasks", json=body), 400, "validation_type")
    nobody = await task_body(assignees=[{"workspace_member_email_address": "no@x.test"}])
    error(await client.post("/v2/tasks", json=nobody), 400, "value_not_found")


async def test_scopes_per_family(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    base = ["object_configuration:read", "record_permission:read", "user_management:read"]
    reader = emulator_state.issue_token(scopes=[*base, "note:read", "task:read", "webhook:read"])
    headers = {"Authorization": f"Bearer {reader['token']}"}
    for path in ("/v2/notes", "/v2/tasks", "/v2/webhooks"):
        assert (await client.get(path, headers=headers)).status_code == 200
        message = error(
            await client.post(path, json={"data": {}}, headers=headers), 403, "missing_scopes"
        )
        assert ":read-write" in message
    nothing = {"Authorization": f"Bearer {emulator_state.issue_token(scopes=[])['token']}"}
    for path in ("/v2/notes", "/v2/tasks", "/v2/webhooks", "/v2/workspace_members"):
        error(await client.get(path, headers=nothing), 403, "missing_scopes")


async def test_note_links_an_existing_meeting(client: httpx.AsyncClient) -> None:
    rid = (await create(client, "companies", {"name": "A"}))["id"]["record_id"]
    meeting = await client.post(
        "/v2/meetings",
        json={
            "data": {
                "title": "Call",
                "description": "",
                "start": {"datetime": "2026-03-10T14:00:00Z", "timezone": "UTC"},
                "end": {"datetime": "2026-03-10T15:00:00Z", "timezone": "UTC"},
                "is_all_day": False,
                "participants": [],
                "external_ref": "call-1",
            }
        },
    )
    meeting_id = meeting.json()["data"]["id"]["meeting_id"]
    linked = await note(client, rid, meeting_id=meeting_id)
    assert linked.json()["data"]["meeting_id"] == meeting_id
