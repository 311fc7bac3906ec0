"""Find-or-create meeting, call recordings and transcripts against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from attio_emulator.services.meetings import recordings
from attio_gateway.errors import MissingScopesError, ToolInputError, UpstreamError
from attio_gateway.proxy import AttioClient
from tests.gateway.conftest import Emulator
from tests.gateway.tools.conftest import Run, new_person

VIDEO = "https://videos.example.com/call.mp4"
MISSING = "00000000-0000-4000-8000-000000000000"


def meeting_input(ref: str = "crm-42", **extra: Any) -> dict[str, Any]:
    return {
        "external_ref": ref,
        "title": "Kick-off",
        "is_all_day": False,
        "start": {"datetime": "2026-03-10T10:00:00Z", "timezone": "Europe/London"},
        "end": {"datetime": "2026-03-10T11:00:00Z"},
        "participants": [{"email_address": "ada@example.com", "is_organizer": True}],
        **extra,
    }


def spoken(*turns: tuple[str, str]) -> list[dict[str, Any]]:
    """One segment per word, as Attio splits speech."""
    segments = []
    for n, (speaker, word) in enumerate(
        (speaker, word) for speaker, text in turns for word in text.split()
    ):
        segments.append(
            {"speech": word, "start_time": n, "end_time": n + 0.5, "speaker": {"name": speaker}}
        )
    return segments


async def test_find_or_create_meeting_is_idempotent_by_external_ref(run: Run) -> None:
    person = await new_person(run)
    created = await run(
        "attio_find_or_create_meeting",
        **meeting_input(linked_records=[{"object": "people", "record_id": person}]),
    )
    meeting = created["data"]
    assert meeting["title"] == "Kick-off" and meeting["description"] == ""
    assert meeting["participants"][0]["status"] == "accepted"
    assert meeting["linked_records"][0]["record_id"] == person
    again = await run("attio_find_or_create_meeting", **meeting_input(title="Renamed"))
    assert again["data"] == meeting

    all_day = await run(
        "attio_find_or_create_meeting",
        **meeting_input(
            {"ical_uid": "abc@google.com", "provider": "google", "is_recurring": False},
            is_all_day=True,
            start={"date": "2026-03-12"},
            end={"date": "2026-03-13"},
        ),
    )
    assert all_day["data"]["start"] == {"date": "2026-03-12"}
    assert all_day["data"]["id"] != meeting["id"]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"start": {"datetime": "2026-03-10T10:00:00"}}, "start", "timezone"),
        ({"is_all_day": True}, None, "start must be {date}"),
        ({"end": {"datetime": "2026-03-10T09:00:00Z"}}, None, "end must not be before start"),
        ({"external_ref": " "}, None, "external_ref must not be empty"),
        ({"participants": [{"email_address": "ada"}]}, "participants.0.email_address", ""),
        ({"linked_records": [{"object": "people", "record_id": "x"}]}, "linked_records", ""),
    ],
)
async def test_find_or_create_meeting_input_errors_name_the_field(
    run: Run, change: dict[str, Any], field: str | None, says: str
) -> None:
    with pytest.raises(ToolInputError) as bad:
        await run("attio_find_or_create_meeting", **{**meeting_input(), **change})
    assert (bad.value.field or "").startswith(field or ""), bad.value.field
    assert says in bad.value.message


async def test_recordings_listed_by_cursor_and_transcript_paged(
    run: Run, attio: AttioClient, emulator: Emulator
) -> None:
    meeting_id = (await run("attio_find_or_create_meeting", **meeting_input()))["data"]["id"][
        "meeting_id"
    ]
    created = await attio.call(
        "POST", f"/v2/meetings/{meeting_id}/call_recordings", json={"data": {"video_url": VIDEO}}
    )
    recording_id = created["data"]["id"]["call_recording_id"]
    listed = await run("attio_list_call_recordings", meeting_id=meeting_id)
    assert [r["status"] for r in listed["data"]] == ["processing"]
    assert listed["next_cursor"] is None

    # More recordings straight into the emulator (the API allows one create per second).
    actor = {"type": "api-token", "id": None}
    for _ in range(2):
        recordings.add_recording(emulator.state, meeting_id, video_url=VIDEO, actor=actor)
    first = await run("attio_list_call_recordings", meeting_id=meeting_id, limit=2)
    assert first["next_cursor"] is not None
    rest = await run(
        "attio_list_call_recordings", meeting_id=meeting_id, limit=2, cursor=first["next_cursor"]
    )
    assert len(first["data"] + rest["data"]) == 3 and rest["next_cursor"] is None

    # Attio transcribes in the background; the emulator is told what was said.
    answer = " ".join(f"w{n}" for n in range(recordings.TRANSCRIPT_PAGE))
    segments = spoken(("Ada Lovelace", "Shall we begin?"), ("Grace Hopper", answer))
    recordings.finish_recording(emulator.state, meeting_id, recording_id, transcript=segments)
    ids = {"meeting_id": meeting_id, "call_recording_id": recording_id}
    page = await run("attio_get_call_transcript", **ids)
    assert len(page["data"]["transcript"]) == recordings.TRANSCRIPT_PAGE
    assert page["data"]["raw_transcript"].startswith("[00:00] Ada Lovelace: Shall we begin?")
    last = await run("attio_get_call_transcript", **ids, cursor=page["next_cursor"])
    assert page["data"]["transcript"] + last["data"]["transcript"] == segments
    assert last["next_cursor"] is None

    compact = await run("attio_get_call_transcript", output="compact", **ids)
    lines = compact["text"].splitlines()
    assert lines[0] == "Ada Lovelace: Shall we begin?"
    assert lines[1].startswith("Grace Hopper: w0 w1") and len(lines) == 2
    assert compact["next_cursor"] == page["next_cursor"]
    assert compact["web_url"].endswith("/transcript")


async def test_recording_tools_need_call_recording_read(run: Run) -> None:
    meeting_id = (await run("attio_find_or_create_meeting", **meeting_input()))["data"]["id"][
        "meeting_id"
    ]
    meetings_only = frozenset({"meeting:read", "record_permission:read"})
    with pytest.raises(MissingScopesError) as caught:
        await run("attio_list_call_recordings", meeting_id=meeting_id, scopes=meetings_only)
    assert caught.value.missing == ["call_recording:read"]
    with pytest.raises(MissingScopesError):
        await run(
            "attio_find_or_create_meeting", **meeting_input(), scopes=frozenset({"meeting:read"})
        )


async def test_unknown_meeting_or_recording_is_a_404(run: Run) -> None:
    with pytest.raises(UpstreamError) as gone:
        await run("attio_list_call_recordings", meeting_id=MISSING)
    assert gone.value.status_code == 404
    meeting_id = (await run("attio_find_or_create_meeting", **meeting_input()))["data"]["id"][
        "meeting_id"
    ]
    with pytest.raises(UpstreamError) as missing:
        await run("attio_get_call_transcript", meeting_id=meeting_id, call_recording_id=MISSING)
    assert missing.value.status_code == 404
