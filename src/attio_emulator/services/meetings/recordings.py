"""Call recordings of a meeting and their transcripts (API-NOTES §16; beta/alpha in Attio).

Attio downloads the video and transcribes it in the background. The emulator cannot, so
a recording created through the API stays ``processing`` with an empty transcript until a
test attaches one through the control plane (``/_emulator/.../transcript``), which also
moves it to ``completed`` (or ``failed``). See docs/emulator.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.wire import public
from attio_emulator.services.meetings.models import cursor_page, get_meeting
from attio_emulator.services.webhooks.models import emit

STATUSES = ("processing", "completed", "failed")
#: Transcript segments per page (Attio does not say how many it returns).
TRANSCRIPT_PAGE = 100


def _table(state: EmulatorState) -> Any:
    return state.store.table("call_recordings")


def _web_url(state: EmulatorState, meeting_id: str, recording_id: str) -> str:
    return f"https://app.attio.com/{state.workspace.slug}/calls/{meeting_id}/{recording_id}"


def _video_url(value: Any) -> str:
    """Attio's stated requirements that can be checked without fetching: https and ``.mp4``."""
    if not isinstance(value, str) or not value:
        raise validation_error("video_url is required and must be a string.")
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc:
        raise validation_error("Invalid video URL protocol. Only https is supported.")
    if not parsed.path.lower().endswith(".mp4"):
        raise validation_error("video_url must point to an .mp4 file.")
    return value


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise validation_error(f"status must be one of {', '.join(STATUSES)}, got {status!r}.")


def _segments(value: Any) -> list[Document]:
    if not isinstance(value, list):
        raise validation_error("transcript must be a list of segments.")
    result = []
    for n, segment in enumerate(value):
        ok = (
            isinstance(segment, dict)
            and isinstance(segment.get("speech"), str)
            and isinstance(segment.get("start_time"), int | float)
            and isinstance(segment.get("end_time"), int | float)
            and not isinstance(segment.get("start_time"), bool)
            and not isinstance(segment.get("end_time"), bool)
            and isinstance(segment.get("speaker"), dict)
            and isinstance(segment["speaker"].get("name"), str)
        )
        if not ok:
            raise validation_error(
                f"transcript[{n}] must be {{speech, start_time, end_time, speaker: {{name}}}}."
            )
        if not 0 <= segment["start_time"] <= segment["end_time"]:
            raise validation_error(f"transcript[{n}] needs 0 <= start_time <= end_time.")
        result.append(
            {
                "speech": segment["speech"],
                "start_time": segment["start_time"],
                "end_time": segment["end_time"],
                "speaker": {"name": segment["speaker"]["name"]},
            }
        )
    return result


def add_recording(
    state: EmulatorState,
    meeting_id: str,
    *,
    video_url: Any,
    actor: Document,
    status: str = "processing",
    transcript: list[Document] | None = None,
) -> Document:
    """Store a recording of an existing meeting (the API's create, the seed, tests).

    Raises:
        AttioError: 404 ``not_found`` for an unknown meeting, 400 for a bad URL or transcript.
    """
    meeting = get_meeting(state, meeting_id)
    _check_status(status)
    recording_id = new_id()
    doc = {
        "id": {
            "workspace_id": state.workspace.workspace_id,
            "meeting_id": meeting["id"]["meeting_id"],
            "call_recording_id": recording_id,
        },
        "status": status,
        "web_url": _web_url(state, meeting_id, recording_id),
        "created_by_actor": actor,
        "created_at": state.clock.timestamp(),
        "_video_url": _video_url(video_url),
        "_transcript": _segments(transcript or []),
    }
    _table(state).put(recording_id, doc)
    return public(doc)


def create_recording(
    state: EmulatorState, meeting_id: str, data: dict[str, Any], actor: Document
) -> Document:
    """``POST .../call_recordings``: accepted for (never performed) download, ``processing``."""
    recording = add_recording(state, meeting_id, video_url=data.get("video_url"), actor=actor)
    emit(state, "call-recording.created", _ids(recording), actor)
    return recording


def _ids(recording: Document) -> dict[str, Any]:
    return {
        "meeting_id": recording["id"]["meeting_id"],
        "call_recording_id": recording["id"]["call_recording_id"],
    }


def _stored(state: EmulatorState, meeting_id: str, recording_id: str) -> Document:
    get_meeting(state, meeting_id)
    doc: Document | None = _table(state).get(recording_id)
    if doc is None or doc["id"]["meeting_id"] != meeting_id:
        raise not_found(f'Call recording with ID "{recording_id}" was not found.')
    return doc


def get_recording(state: EmulatorState, meeting_id: str, recording_id: str) -> Document:
    return public(_stored(state, meeting_id, recording_id))


def list_recordings(
    state: EmulatorState, meeting_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A meeting's recordings in creation order, cursor-paginated."""
    get_meeting(state, meeting_id)
    mine = [public(r) for r in _table(state) if r["id"]["meeting_id"] == meeting_id]
    return cursor_page(mine, cursor, limit)


def delete_recording(state: EmulatorState, meeting_id: str, recording_id: str) -> None:
    _stored(state, meeting_id, recording_id)
    _table(state).delete(recording_id)


def raw_transcript(segments: list[Document]) -> str:
    """Attio's ``raw_transcript``: one ``[mm:ss] Speaker: words`` line per change of speaker."""
    lines: list[str] = []
    speaker: str | None = None
    for segment in segments:
        name = segment["speaker"]["name"]
        if name != speaker or not lines:
            minutes, seconds = divmod(int(segment["start_time"]), 60)
            lines.append(f"[{minutes:02d}:{seconds:02d}] {name}: {segment['speech']}")
            speaker = name
        else:
            lines[-1] += f" {segment['speech']}"
    return "\n".join(lines)


def get_transcript(
    state: EmulatorState, meeting_id: str, recording_id: str, *, cursor: str | None
) -> tuple[Document, str | None]:
    """One page of segments; ``raw_transcript`` is always the whole text (it is one string)."""
    doc = _stored(state, meeting_id, recording_id)
    segments: list[Document] = doc["_transcript"]
    page, next_cursor = cursor_page(segments, cursor, TRANSCRIPT_PAGE)
    data = {
        "id": doc["id"],
        "transcript": page,
        "raw_transcript": raw_transcript(segments),
        "web_url": f"{doc['web_url']}/transcript",
    }
    return data, next_cursor


def finish_recording(
    state: EmulatorState,
    meeting_id: str,
    recording_id: str,
    *,
    transcript: Any,
    status: str = "completed",
) -> Document:
    """What Attio's background processing does: attach the transcript and settle the status
    (control plane and tests only)."""
    doc = _stored(state, meeting_id, recording_id)
    _check_status(status)
    updated = {**doc, "status": status, "_transcript": _segments(transcript)}
    _table(state).put(recording_id, updated)
    return public(updated)
