"""Webhook and meeting tools against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from attio_gateway.errors import ToolInputError, UpstreamError
from attio_gateway.proxy import AttioClient
from tests.gateway.tools.conftest import Run, new_person


async def test_webhook_lifecycle_keeps_the_secret_out_of_the_agents_hands(run: Run) -> None:
    created = await run(
        "attio_create_webhook",
        target_url="https://hooks.example.com/attio",
        subscriptions=[{"event_type": "record.created"}],
    )
    webhook = created["data"]["id"]["webhook_id"]
    assert "secret" not in created["data"]
    assert created["data"]["secret_returned_once"] is True
    for i in range(2):
        await run(
            "attio_create_webhook",
            target_url=f"https://hooks.example.com/{i}",
            subscriptions=[{"event_type": "note.created", "filter": None}],
        )
    one = await run("attio_list_webhooks", limit=1)  # Attio's minimum is 10: sliced here
    assert len(one["data"]) == 1 and one["next_offset"] == 1
    assert len((await run("attio_list_webhooks"))["data"]) == 3
    updated = await run(
        "attio_update_webhook", webhook_id=webhook, target_url="https://hooks.example.com/new"
    )
    assert updated["data"]["target_url"] == "https://hooks.example.com/new"
    got = await run("attio_get_webhook", webhook_id=webhook)
    assert got["data"]["subscriptions"][0]["event_type"] == "record.created"
    assert (await run("attio_delete_webhook", webhook_id=webhook, dry_run=True))["dry_run"]
    assert (await run("attio_delete_webhook", webhook_id=webhook))["deleted"]
    with pytest.raises(UpstreamError) as gone:
        await run("attio_get_webhook", webhook_id=webhook)
    assert gone.value.status_code == 404


async def test_webhook_input_errors(run: Run) -> None:
    with pytest.raises(ToolInputError) as http:
        await run(
            "attio_create_webhook",
            target_url="http://insecure.example.com",
            subscriptions=[{"event_type": "record.created"}],
        )
    assert http.value.field == "target_url"
    with pytest.raises(ToolInputError, match="target_url or subscriptions"):
        await run("attio_update_webhook", webhook_id="00000000-0000-4000-8000-000000000000")


async def _meeting(attio: AttioClient, ref: str, email: str, person: str | None = None) -> Any:
    data: dict[str, Any] = {
        "title": f"Meeting {ref}",
        "description": "",
        "start": {"datetime": "2026-03-10T10:00:00Z", "timezone": "UTC"},
        "end": {"datetime": "2026-03-10T11:00:00Z", "timezone": "UTC"},
        "is_all_day": False,
        "participants": [{"email_address": email, "is_organizer": True, "status": "accepted"}],
        "external_ref": ref,
    }
    if person:
        data["linked_records"] = [{"object": "people", "record_id": person}]
    return (await attio.call("POST", "/v2/meetings", json={"data": data}))["data"]


async def test_meetings_by_member_uuid_and_offset(
    run: Run, attio: AttioClient, member_id: str
) -> None:
    person = await new_person(run)
    first = await _meeting(attio, "a", "ada@example.com", person)
    await _meeting(attio, "b", "ada@example.com")
    await _meeting(attio, "c", "someone@else.com")
    mine = await run("attio_list_meetings", filter={"participants": [member_id]})
    assert len(mine["data"]) == 2
    linked = await run(
        "attio_list_meetings", filter={"linked_object": "people", "linked_record_id": person}
    )
    assert [m["id"]["meeting_id"] for m in linked["data"]] == [first["id"]["meeting_id"]]
    everything = await run("attio_list_meetings")
    page = await run("attio_list_meetings", limit=1, offset=1)
    assert page["data"] == everything["data"][1:2]
    assert page["next_offset"] == 2
    got = await run("attio_get_meeting", meeting_id=first["id"]["meeting_id"])
    assert got["data"]["title"] == "Meeting a"
    with pytest.raises(ToolInputError) as bad:
        await run("attio_list_meetings", filter={"participants": ["Ada"]})
    assert bad.value.field == "filter.participants"
