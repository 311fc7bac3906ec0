"""Task, note, comment and thread tools against the emulator."""

from __future__ import annotations

import pytest

from attio_gateway.errors import ToolInputError, UpstreamError
from tests.gateway.tools.conftest import Run, new_person

MISSING = "00000000-0000-4000-8000-000000000000"


async def test_task_lifecycle_fills_what_attio_requires(run: Run, member_id: str) -> None:
    person = await new_person(run)
    # The document's proxy example: no format, no assignees — the tool fills them.
    created = await run(
        "attio_create_task",
        content="Send Q2 pricing proposal to Alice",
        deadline_at="2026-03-20T17:00:00.000Z",
        linked_records=[{"target_object": "people", "target_record_id": person}],
    )
    task = created["data"]["id"]["task_id"]
    assert created["data"]["assignees"] == []
    assert created["data"]["is_completed"] is False
    assert created["data"]["linked_records"][0]["target_record_id"] == person
    await run("attio_create_task", content="Unlinked")
    linked = await run("attio_list_tasks", linked_object="people", linked_record_id=person)
    assert [t["id"]["task_id"] for t in linked["data"]] == [task]
    assert len((await run("attio_list_tasks"))["data"]) == 2
    assert (await run("attio_list_tasks", limit=1))["next_offset"] == 1
    done = await run(
        "attio_update_task",
        task_id=task,
        is_completed=True,
        deadline_at="2026-04-01T17:00:00.000Z",
        assignees=[{"referenced_actor_id": member_id}],
    )
    assert done["data"]["is_completed"] is True
    assert done["data"]["assignees"][0]["referenced_actor_id"] == member_id
    completed = await run("attio_list_tasks", is_completed=True)
    assert [t["id"]["task_id"] for t in completed["data"]] == [task]
    assert (await run("attio_get_task", task_id=task))["data"]["is_completed"] is True
    assert (await run("attio_delete_task", task_id=task, dry_run=True))["dry_run"]
    assert (await run("attio_delete_task", task_id=task))["deleted"]
    with pytest.raises(UpstreamError) as caught:
        await run("attio_get_task", task_id=task)
    assert caught.value.status_code == 404


async def test_task_input_errors(run: Run) -> None:
    with pytest.raises(ToolInputError) as too_long:
        await run("attio_create_task", content="x" * 2001)
    assert too_long.value.field == "content"
    with pytest.raises(ToolInputError, match="together"):
        await run("attio_list_tasks", linked_object="people")
    with pytest.raises(ToolInputError, match="at least one"):
        await run("attio_update_task", task_id=MISSING)


async def test_note_lifecycle(run: Run) -> None:
    person = await new_person(run)
    created = await run(
        "attio_create_note",
        parent_object="people",
        parent_record_id=person,
        title="Initial outreach",
        content="# Pricing\nFollow up next week.",
        format="markdown",
        created_at="2026-01-15T10:30:00Z",
    )
    note = created["data"]["id"]["note_id"]
    assert created["data"]["created_at"].startswith("2026-01-15T10:30:00")
    assert "Pricing" in created["data"]["content_plaintext"]
    listed = await run("attio_list_notes", parent_object="people", parent_record_id=person)
    assert [n["id"]["note_id"] for n in listed["data"]] == [note]
    got = await run("attio_get_note", note_id=note)
    assert got["data"]["content_markdown"].startswith("# Pricing")
    assert (await run("attio_delete_note", note_id=note, dry_run=True))["dry_run"]
    assert (await run("attio_delete_note", note_id=note))["deleted"]
    assert (await run("attio_list_notes"))["data"] == []


async def test_note_input_errors(run: Run) -> None:
    person = await new_person(run)
    with pytest.raises(ToolInputError, match="title or content"):
        await run("attio_create_note", parent_object="people", parent_record_id=person)
    with pytest.raises(ToolInputError) as over:
        await run("attio_list_notes", limit=51)
    assert over.value.field == "limit"
    with pytest.raises(ToolInputError, match="together"):
        await run("attio_list_notes", parent_object="people")


async def test_comments_and_threads(run: Run, member_id: str) -> None:
    person = await new_person(run)
    head = await run(
        "attio_create_comment",
        author_actor_id=member_id,
        content="Is this the right contact?",
        record_object="people",
        record_id=person,
    )
    thread = head["data"]["thread_id"]
    reply = await run(
        "attio_create_comment", author_actor_id=member_id, content="Yes", thread_id=thread
    )
    assert reply["data"]["thread_id"] == thread
    threads = await run("attio_list_threads", record_object="people", record_id=person)
    assert [t["id"]["thread_id"] for t in threads["data"]] == [thread]
    got = await run("attio_get_thread", thread_id=thread)
    assert len(got["data"]["comments"]) == 2
    comment = await run("attio_get_comment", comment_id=reply["data"]["id"]["comment_id"])
    assert comment["data"]["content_plaintext"] == "Yes"
    head_id = head["data"]["id"]["comment_id"]
    assert (await run("attio_delete_comment", comment_id=head_id, dry_run=True))["dry_run"]
    assert (await run("attio_delete_comment", comment_id=head_id))["deleted"]
    after = await run("attio_list_threads", record_object="people", record_id=person)
    assert after["data"] == []  # the head's deletion took the thread with it


async def test_comment_targets_are_checked(run: Run, member_id: str) -> None:
    with pytest.raises(ToolInputError, match="record_object and record_id"):
        await run("attio_create_comment", author_actor_id=member_id, content="x")
    with pytest.raises(ToolInputError, match="together"):
        await run("attio_create_comment", author_actor_id=member_id, content="x", record_id=MISSING)
    with pytest.raises(ToolInputError, match="not both"):
        await run(
            "attio_create_comment",
            author_actor_id=member_id,
            content="x",
            record_object="people",
            record_id=MISSING,
            list_id="sales",
            entry_id=MISSING,
        )
    with pytest.raises(ToolInputError, match="together"):
        await run("attio_list_threads", list_id="sales")


async def test_list_tasks_sends_the_documents_default_of_20(run: Run) -> None:
    for i in range(21):
        await run("attio_create_task", content=f"Task {i}")
    first = await run("attio_list_tasks")  # Attio alone would answer 500 at once
    assert len(first["data"]) == 20 and first["next_offset"] == 20
    rest = await run("attio_list_tasks", offset=20)
    assert len(rest["data"]) == 1 and rest["next_offset"] is None


async def test_list_threads_walks_every_page(run: Run, member_id: str) -> None:
    person = await new_person(run)
    for i in range(52):  # Attio pages threads by at most 50
        await run(
            "attio_create_comment",
            author_actor_id=member_id,
            content=f"Thread {i}",
            record_object="people",
            record_id=person,
        )
    threads = await run("attio_list_threads", record_object="people", record_id=person)
    assert len(threads["data"]) == 52
    assert len({t["id"]["thread_id"] for t in threads["data"]}) == 52
