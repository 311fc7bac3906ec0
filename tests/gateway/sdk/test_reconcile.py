"""Reconciliation of notes, tasks, comments and list entries: a write whose answer was lost
(accept-then-fail: applied) is found by the retry and not sent again; one whose connection
dropped before Attio answered (not applied) is not found and is sent once. Through the tools
and the proxy, against the emulator over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import IdempotencyOutcomeUnknownError, UpstreamUnavailableError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

#: accept-then-fail: Attio applied the write and the answer was lost (the retry finds it);
#: reset: the connection dropped before an answer, nothing applied (the retry sends once).
LIST = {
    "parent_object": "companies",
    "workspace_access": "full-access",
    "workspace_member_access": [],
}
FAULTS = {"applied": {"accept_then_fail": True}, "not_applied": {"reset_rate": 1.0}}


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(
    tmp_path: Path, emulator: RunningEmulator, database_url: str
) -> AsyncIterator[AsyncGateway]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, idempotency_wait=60)
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        yield gw


async def tool(gw: AsyncGateway, name: str, arguments: dict[str, Any], **kwargs: Any) -> Any:
    return (await gw.actions.execute_tool(arguments, name, identifier="u", **kwargs)).data


@pytest.fixture
async def company(gateway: AsyncGateway) -> str:
    created = await tool(gateway, "attio_create_company", {"values": {"name": "Parent Co"}})
    return str(created["data"]["id"]["record_id"])


@pytest.fixture
async def member(gateway: AsyncGateway) -> str:
    members = await tool(gateway, "attio_list_workspace_members", {})
    return str(members["data"][0]["id"]["workspace_member_id"])


@pytest.fixture
async def company_list(gateway: AsyncGateway) -> str:
    created = await tool(
        gateway,
        "attio_create_list",
        {**LIST, "name": "Pipeline", "api_slug": "pipeline"},
    )
    return str(created["data"]["api_slug"])


async def fault(emulator: RunningEmulator, prefix: str, kind: str) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        answer = await control.post(
            "/_emulator/faults", json={"path_prefix": prefix, "remaining": 1, **FAULTS[kind]}
        )
        answer.raise_for_status()


def stored(emulator: RunningEmulator, table: str) -> list[dict[str, Any]]:
    return list(emulator.state.store.table(table))


def cases(company: str, member: str, company_list: str) -> dict[str, tuple[str, str, Any]]:
    """kind → (tool, the Attio path it writes, its arguments)."""
    return {
        "notes": (
            "attio_create_note",
            "/v2/notes",
            {
                "parent_object": "companies",
                "parent_record_id": company,
                "title": "Call",
                "content": "Talked about pricing",
            },
        ),
        "tasks": (
            "attio_create_task",
            "/v2/tasks",
            {
                "content": "Send the proposal",
                "linked_records": [{"target_object": "companies", "target_record_id": company}],
                "assignees": [{"referenced_actor_id": member}],
            },
        ),
        "comments": (
            "attio_create_comment",
            "/v2/comments",
            {
                "record_object": "companies",
                "record_id": company,
                "author_actor_id": member,
                "content": "Looks good",
            },
        ),
        "entries": (
            "attio_add_to_list",
            f"/v2/lists/{company_list}/entries",
            {"list": company_list, "record_id": company},
        ),
    }


@pytest.mark.parametrize("outcome", ["applied", "not_applied"])
@pytest.mark.parametrize("kind", ["notes", "tasks", "comments", "entries"])
async def test_a_tool_write_with_a_lost_answer_is_found_or_sent_once(
    gateway: AsyncGateway,
    emulator: RunningEmulator,
    company: str,
    member: str,
    company_list: str,
    kind: str,
    outcome: str,
) -> None:
    name, path, arguments = cases(company, member, company_list)[kind]
    before = len(stored(emulator, kind))
    await fault(emulator, path, outcome)
    with pytest.raises(UpstreamUnavailableError):  # WriteOutcomeUnknownError among them
        await tool(gateway, name, arguments, idempotency_key=f"{kind}-1")
    again = await tool(gateway, name, arguments, idempotency_key=f"{kind}-1")
    after = stored(emulator, kind)
    assert len(after) == before + 1  # written exactly once either way
    replay = await tool(gateway, name, arguments, idempotency_key=f"{kind}-1")
    assert replay == again  # the key now holds that answer
    assert len(stored(emulator, kind)) == before + 1


async def test_a_proxied_note_with_a_lost_answer_is_found_and_returned(
    gateway: AsyncGateway, emulator: RunningEmulator, company: str
) -> None:
    body = {
        "data": {
            "parent_object": "companies",
            "parent_record_id": company,
            "title": "Lunch",
            "format": "plaintext",
            "content": "Met the CFO",
        }
    }

    async def send() -> Any:
        return await gateway.actions.request(
            identifier="u", path="/v2/notes", method="POST", json=body, idempotency_key="n"
        )

    await fault(emulator, "/v2/notes", "applied")
    with pytest.raises(UpstreamUnavailableError):
        await send()
    found = await send()
    assert found.status_code == 200
    notes = stored(emulator, "notes")
    assert len(notes) == 1
    assert found["data"]["id"]["note_id"] == notes[0]["id"]["note_id"]


async def test_a_second_note_with_the_same_text_long_before_is_not_taken_for_the_first(
    gateway: AsyncGateway, emulator: RunningEmulator, company: str
) -> None:
    """The lookup only takes what was created since the key was claimed (less the skew):
    an identical note backdated a day is somebody else's, so the retry sends its own."""
    name, _, arguments = cases(company, "", "")["notes"]
    await tool(gateway, name, {**arguments, "created_at": "2020-01-01T00:00:00Z"})
    await fault(emulator, "/v2/notes", "not_applied")
    with pytest.raises(UpstreamUnavailableError):
        await tool(gateway, name, arguments, idempotency_key="same-text")
    await tool(gateway, name, arguments, idempotency_key="same-text")
    assert len(stored(emulator, "notes")) == 2


async def test_a_write_with_no_lookup_is_still_refused_without_force(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    arguments = {**LIST, "name": "Partners", "api_slug": "partners"}
    await fault(emulator, "/v2/lists", "applied")
    with pytest.raises(UpstreamUnavailableError):
        await tool(gateway, "attio_create_list", arguments, idempotency_key="list")
    with pytest.raises(IdempotencyOutcomeUnknownError, match="force=True"):
        await tool(gateway, "attio_create_list", arguments, idempotency_key="list")
    assert len(stored(emulator, "lists")) == 1  # nothing sent by the refused retry
