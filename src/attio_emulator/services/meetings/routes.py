"""``/v2/meetings`` (beta; POST is Attio's alpha find-or-create) and a meeting's call
recordings and transcripts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.meetings import models, recordings

router = APIRouter(prefix="/v2/meetings", tags=["meetings"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
Read = Annotated[Caller, Depends(require("meeting:read", "record_permission:read"))]
Write = Annotated[Caller, Depends(require("meeting:read-write", "record_permission:read"))]
RecordingRead = Annotated[Caller, Depends(require("meeting:read", "call_recording:read"))]
RecordingWrite = Annotated[Caller, Depends(require("meeting:read", "call_recording:read-write"))]


@router.get("")
async def list_meetings(
    state: StateDep,
    _: Read,
    limit: str | None = None,
    cursor: str | None = None,
    linked_object: str | None = None,
    linked_record_id: str | None = None,
    participants: str | None = None,
    sort: str | None = None,
    ends_from: str | None = None,
    starts_before: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    page, next_cursor = models.list_meetings(
        state,
        limit=int_param(limit, "limit", default=50, minimum=1, maximum=200),
        cursor=cursor,
        linked_object=linked_object,
        linked_record_id=linked_record_id,
        participants=participants,
        sort=sort,
        ends_from=ends_from,
        starts_before=starts_before,
        timezone=timezone,
    )
    return {"data": page, "pagination": {"next_cursor": next_cursor}}


@router.post("")
async def find_or_create(state: StateDep, caller: Write, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.find_or_create(state, data, caller.actor)}


@router.get("/{meeting_id}")
async def get_meeting(state: StateDep, _: Read, meeting_id: str) -> dict[str, Any]:
    return {"data": models.get_meeting(state, meeting_id)}


@router.get("/{meeting_id}/call_recordings")
async def list_call_recordings(
    state: StateDep,
    _: RecordingRead,
    meeting_id: str,
    limit: str | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    page, next_cursor = recordings.list_recordings(
        state,
        meeting_id,
        limit=int_param(limit, "limit", default=50, minimum=1, maximum=200),
        cursor=cursor,
    )
    return {"data": page, "pagination": {"next_cursor": next_cursor}}


@router.post("/{meeting_id}/call_recordings")
async def create_call_recording(
    state: StateDep, caller: RecordingWrite, meeting_id: str, request: Request
) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": recordings.create_recording(state, meeting_id, data, caller.actor)}


@router.get("/{meeting_id}/call_recordings/{call_recording_id}")
async def get_call_recording(
    state: StateDep, _: RecordingRead, meeting_id: str, call_recording_id: str
) -> dict[str, Any]:
    return {"data": recordings.get_recording(state, meeting_id, call_recording_id)}


@router.delete("/{meeting_id}/call_recordings/{call_recording_id}", status_code=204)
async def delete_call_recording(
    state: StateDep, _: RecordingWrite, meeting_id: str, call_recording_id: str
) -> Response:
    recordings.delete_recording(state, meeting_id, call_recording_id)
    return Response(status_code=204)  # Attio's one 204 (API-NOTES §1): no body


@router.get("/{meeting_id}/call_recordings/{call_recording_id}/transcript")
async def get_transcript(
    state: StateDep,
    _: RecordingRead,
    meeting_id: str,
    call_recording_id: str,
    cursor: str | None = None,
) -> dict[str, Any]:
    data, next_cursor = recordings.get_transcript(
        state, meeting_id, call_recording_id, cursor=cursor
    )
    return {"data": data, "pagination": {"next_cursor": next_cursor}}
