"""Call recordings and transcripts of a meeting: create, list by cursor, get, delete, the
transcript attached through the control plane, scopes and the 1/s create limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attio_emulator.core.limits import Limits
from attio_emulator.core.state import EmulatorState
from attio_emulator.services.meetings import recordings
from tests.emulator.helpers import error
from tests.emulator.test_meetings import meeting

VIDEO = "https://videos.example.com/call.mp4"
MISSING = "00000000-0000-4000-8000-000000000000"


def words(*lines: tuple[str, str]) -> list[dict[str, Any]]:
    """One segment per word, half a second each, as Attio splits speech."""
    segments: list[dict[str, Any]] = []
    clock = 0.0
    for speaker, text in lines:
        for word in text.split():
            segments.append(
                {
                    "speech": word,
                    "start_time": clock,
                    "end_time": clock + 0.5,
                    "speaker": {"name": speaker},
                }
            )
            clock += 0.5
    return segments


@pytest.fixture(autouse=True)
def no_create_limit(emulator_state: EmulatorState) -> None:
    """Most tests create several recordings at once; the 1/s limit has its own test."""
    emulator_state.limits = Limits(call_recording_creates_per_second=100)


async def new_meeting(client: httpx.AsyncClient, ref: str = "m") -> str:
    body = meeting(ref, "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")
    response = await client.post("/v2/meetings", json=body)
    assert response.status_code == 200, response.text
    meeting_id: str = response.json()["data"]["id"]["meeting_id"]
    return meeting_id


async def new_recording(client: httpx.AsyncClient, meeting_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/v2/meetings/{meeting_id}/call_recordings", json={"data": {"video_url": VIDEO}}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_create_get_list_and_delete(client: httpx.AsyncClient) -> None:
    meeting_id = await new_meeting(client)
    created = await new_recording(client, meeting_id)
    assert created["status"] == "processing"
    assert created["id"]["meeting_id"] == meeting_id
    assert created["created_by_actor"]["type"] == "api-token"
    recording_id = created["id"]["call_recording_id"]
    base = f"/v2/meetings/{meeting_id}/call_recordings"
    assert created["web_url"].endswith(f"/calls/{meeting_id}/{recording_id}")

    got = await client.get(f"{base}/{recording_id}")
    assert got.json()["data"] == created
    listed = await client.get(base)
    assert listed.json() == {"data": [created], "pagination": {"next_cursor": None}}

    deleted = await client.delete(f"{base}/{recording_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    error(await client.get(f"{base}/{recording_id}"), 404, "not_found")
    error(await client.delete(f"{base}/{recording_id}"), 404, "not_found")
    assert (await client.get(base)).json()["data"] == []


async def test_recordings_belong_to_their_meeting(client: httpx.AsyncClient) -> None:
    first, second = await new_meeting(client, "a"), await new_meeting(client, "b")
    recording_id = (await new_recording(client, first))["id"]["call_recording_id"]
    error(
        await client.get(f"/v2/meetings/{second}/call_recordings/{recording_id}"), 404, "not_found"
    )
    assert (await client.get(f"/v2/meetings/{second}/call_recordings")).json()["data"] == []
    for path in (
        f"/v2/meetings/{MISSING}/call_recordings",
        f"/v2/meetings/{first}/call_recordings/{MISSING}",
        f"/v2/meetings/{first}/call_recordings/{MISSING}/transcript",
    ):
        error(await client.get(path), 404, "not_found")
    missing_meeting = await client.post(
        f"/v2/meetings/{MISSING}/call_recordings", json={"data": {"video_url": VIDEO}}
    )
    error(missing_meeting, 404, "not_found")


async def test_list_pages_by_cursor(client: httpx.AsyncClient) -> None:
    meeting_id = await new_meeting(client)
    made = [(await new_recording(client, meeting_id))["id"] for _ in range(5)]
    base = f"/v2/meetings/{meeting_id}/call_recordings"
    seen: list[Any] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(base, params=params)).json()
        assert len(body["data"]) <= 2
        seen += [r["id"] for r in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    error(await client.get(base, params={"limit": 201}), 400, "validation_type")
    error(await client.get(base, params={"limit": 0}), 400, "validation_type")
    error(await client.get(base, params={"cursor": "nope"}), 400, "validation_type")


@pytest.mark.parametrize(
    "video_url",
    ["http://videos.example.com/call.mp4", "https://videos.example.com/call.mov", "", None, 3],
)
async def test_create_refuses_a_bad_video_url(client: httpx.AsyncClient, video_url: Any) -> None:
    meeting_id = await new_meeting(client)
    response = await client.post(
        f"/v2/meetings/{meeting_id}/call_recordings", json={"data": {"video_url": video_url}}
    )
    error(response, 400, "validation_type")


async def test_transcript_attached_by_the_control_plane_pages_by_cursor(
    client: httpx.AsyncClient,
) -> None:
    meeting_id = await new_meeting(client)
    recording_id = (await new_recording(client, meeting_id))["id"]["call_recording_id"]
    path = f"/v2/meetings/{meeting_id}/call_recordings/{recording_id}/transcript"
    pending = (await client.get(path)).json()
    assert pending["data"]["transcript"] == [] and pending["data"]["raw_transcript"] == ""
    assert pending["pagination"]["next_cursor"] is None

    long_answer = " ".join(f"w{n}" for n in range(150))
    segments = words(("Alex Bell", "Mr Watson, come here."), ("Tom Watson", long_answer))
    finished = await client.post(
        f"/_emulator/meetings/{meeting_id}/call_recordings/{recording_id}/transcript",
        json={"transcript": segments},
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["data"]["status"] == "completed"
    got = (await client.get(f"/v2/meetings/{meeting_id}/call_recordings/{recording_id}")).json()
    assert got["data"]["status"] == "completed"

    first = (await client.get(path)).json()
    assert len(first["data"]["transcript"]) == recordings.TRANSCRIPT_PAGE
    assert first["data"]["web_url"].endswith(f"/{recording_id}/transcript")
    raw = first["data"]["raw_transcript"].splitlines()
    assert raw == ["[00:00] Alex Bell: Mr Watson, come here.", f"[00:02] Tom Watson: {long_answer}"]
    cursor = first["pagination"]["next_cursor"]
    rest = (await client.get(path, params={"cursor": cursor})).json()
    assert first["data"]["transcript"] + rest["data"]["transcript"] == segments
    assert rest["pagination"]["next_cursor"] is None
    assert rest["data"]["raw_transcript"] == first["data"]["raw_transcript"]


async def test_control_plane_refuses_bad_segments_and_can_fail_a_recording(
    client: httpx.AsyncClient,
) -> None:
    meeting_id = await new_meeting(client)
    recording_id = (await new_recording(client, meeting_id))["id"]["call_recording_id"]
    control = f"/_emulator/meetings/{meeting_id}/call_recordings/{recording_id}/transcript"
    bad = await client.post(control, json={"transcript": [{"speech": "hi"}]})
    assert "transcript[0]" in error(bad, 400, "validation_type")
    backwards = words(("Ann", "hi"))
    backwards[0]["end_time"] = -1
    error(await client.post(control, json={"transcript": backwards}), 400, "validation_type")
    error(await client.post(control, json={"status": "done"}), 400, "validation_type")
    failed = await client.post(control, json={"status": "failed"})
    assert failed.json()["data"]["status"] == "failed"
    state = (await client.get("/_emulator/state")).json()
    assert state["counts"]["call_recordings"] == 1


async def test_scopes(client: httpx.AsyncClient, emulator_state: EmulatorState) -> None:
    meeting_id = await new_meeting(client)
    recording_id = (await new_recording(client, meeting_id))["id"]["call_recording_id"]
    base = f"/v2/meetings/{meeting_id}/call_recordings"

    def bearer(*scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {emulator_state.issue_token(scopes=scopes)['token']}"}

    meetings_only = bearer("meeting:read", "record_permission:read")
    for path in (base, f"{base}/{recording_id}", f"{base}/{recording_id}/transcript"):
        denied = await client.get(path, headers=meetings_only)
        assert "call_recording:read" in error(denied, 403, "missing_scopes")

    reader = bearer("meeting:read", "call_recording:read")
    assert (await client.get(base, headers=reader)).status_code == 200
    assert (await client.get(f"{base}/{recording_id}/transcript", headers=reader)).is_success
    create = await client.post(base, json={"data": {"video_url": VIDEO}}, headers=reader)
    assert "call_recording:read-write" in error(create, 403, "missing_scopes")
    delete = await client.delete(f"{base}/{recording_id}", headers=reader)
    error(delete, 403, "missing_scopes")

    no_meeting = bearer("call_recording:read-write")
    assert "meeting:read" in error(
        await client.get(base, headers=no_meeting), 403, "missing_scopes"
    )
    writer = bearer("meeting:read", "call_recording:read-write")
    assert (await client.get(base, headers=writer)).status_code == 200  # read-write implies read
    assert (await client.delete(f"{base}/{recording_id}", headers=writer)).status_code == 204


async def test_create_is_limited_to_one_per_second(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    # Attio's defaults: 1 create/s on top of 25 writes/s; the stopped clock keeps both
    # creates in one window however slowly they are sent.
    emulator_state.limits = Limits(clock=lambda: 1000.0)
    meeting_id = await new_meeting(client)
    await new_recording(client, meeting_id)
    second = await client.post(
        f"/v2/meetings/{meeting_id}/call_recordings", json={"data": {"video_url": VIDEO}}
    )
    error(second, 429, "rate_limit_exceeded")
    assert "Retry-After" in second.headers
    # Other writes still have their budget: the refused create used none of it.
    assert (
        await client.post(
            "/v2/meetings", json=meeting("other", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z")
        )
    ).is_success
    assert (await client.get(f"/v2/meetings/{meeting_id}/call_recordings")).status_code == 200
