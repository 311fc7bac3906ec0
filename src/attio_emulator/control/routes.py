"""``/_emulator/*``: reset the workspace, mint tokens, look at state. Never part of Attio's API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from attio_emulator.core.auth import get_state
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.limits import Faults, Limits
from attio_emulator.core.state import ALL_SCOPES, EmulatorState
from attio_emulator.oauth.models import register_app
from attio_emulator.services.lists import models as lists
from attio_emulator.services.meetings import recordings
from attio_emulator.services.members import models as members
from attio_emulator.services.notes import models as notes
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records import models as records
from attio_emulator.services.threads import models as threads

router = APIRouter(prefix="/_emulator", tags=["emulator control"])

StateDep = Annotated[EmulatorState, Depends(get_state)]


class TokenRequest(BaseModel):
    scopes: list[str] = list(ALL_SCOPES)
    token: str | None = None


@router.post("/reset")
async def reset(state: StateDep) -> dict[str, Any]:
    """Forget everything: an empty workspace (tokens included), no faults, fresh rate windows."""
    state.store.clear()
    state.faults = Faults()
    limits = state.limits
    state.limits = Limits(
        reads_per_second=limits.reads_per_second,
        writes_per_second=limits.writes_per_second,
        enabled=limits.enabled,
        call_recording_creates_per_second=limits.call_recording_creates_per_second,
        clock=limits.clock,
    )
    return {}


@router.post("/tokens")
async def mint_token(state: StateDep, body: TokenRequest) -> dict[str, Any]:
    """A workspace API token with the given scopes (all by default)."""
    doc = state.issue_token(scopes=body.scopes, token=body.token)
    return {"token": doc["token"], "scopes": doc["scopes"]}


class AppRequest(BaseModel):
    name: str
    redirect_uris: list[str]
    scopes: list[str] = list(ALL_SCOPES)
    expiring_tokens: bool = False
    token_lifetime_seconds: int = 3600


@router.post("/apps")
async def create_app(state: StateDep, body: AppRequest) -> dict[str, Any]:
    """Register an OAuth app (what build.attio.com does); answers its client id and secret."""
    try:
        return register_app(state, **body.model_dump())
    except ValueError as exc:
        raise validation_error(str(exc)) from None


@router.post("/tokens/{token}/revoke")
async def revoke_token(state: StateDep, token: str) -> dict[str, Any]:
    """Revoke a token as an uninstall of the app would."""
    if not state.revoke_token(token):
        raise not_found("No such token.")
    return {}


class FaultRequest(BaseModel):
    latency_ms: int = 0
    error_rate: float = 0.0
    error_statuses: list[int] = [500, 502, 503]
    accept_then_fail: bool = False
    reset_rate: float = 0.0
    remaining: int | None = None
    path_prefix: str = "/v2"
    seed: int | None = None


class LimitRequest(BaseModel):
    reads_per_second: int = 100
    writes_per_second: int = 25
    enabled: bool = True
    call_recording_creates_per_second: int = 1


@router.post("/faults")
async def set_faults(state: StateDep, body: FaultRequest) -> dict[str, Any]:
    """Inject faults into /v2 requests; POST ``{}`` to clear them."""
    state.faults = Faults(**body.model_dump())
    return state.faults.describe()


@router.post("/limits")
async def set_limits(state: StateDep, body: LimitRequest) -> dict[str, Any]:
    """Change (or switch off) the per-token rate limits."""
    state.limits = Limits(**body.model_dump(), clock=state.limits.clock)
    return {**body.model_dump(), "rejected": 0}


_COUNTED = (
    "records",
    "tokens",
    "oauth_apps",
    "workspace_members",
    "lists",
    "entries",
    "notes",
    "tasks",
    "comments",
    "meetings",
    "call_recordings",
    "webhooks",
    "webhook_deliveries",
)


@router.get("/state")
async def describe(state: StateDep) -> dict[str, Any]:
    workspace = state.workspace
    return {
        "workspace_id": workspace.workspace_id,
        "workspace_name": workspace.name,
        "workspace_slug": workspace.slug,
        "rate_limited": state.limits.rejected,
        "faults": state.faults.describe(),
        "counts": {kind: len(state.store.table(kind)) for kind in _COUNTED},
    }


class TranscriptRequest(BaseModel):
    #: Segments as Attio returns them: ``{speech, start_time, end_time, speaker: {name}}``.
    transcript: list[Any] = []
    status: str = "completed"


@router.post("/meetings/{meeting_id}/call_recordings/{call_recording_id}/transcript")
async def finish_recording(
    state: StateDep, meeting_id: str, call_recording_id: str, body: TranscriptRequest
) -> dict[str, Any]:
    """Stand in for Attio's background transcription: attach a transcript to a recording and
    set its status (``completed`` by default, or ``failed``/``processing``)."""
    recording = recordings.finish_recording(
        state,
        meeting_id,
        call_recording_id,
        transcript=body.transcript,
        status=body.status,
    )
    return {"data": recording}


# --- UI actions: what only Attio's web app does, with the webhook events it sends ----------
# The acting workspace member is ``actor_workspace_member_id`` (body, or query on DELETE),
# by default the workspace's first member.


class UIAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_workspace_member_id: str | None = None


class MemberRequest(UIAction):
    email_address: str
    first_name: str
    last_name: str
    access_level: str = "member"


@router.post("/workspace_members")
async def join_member(state: StateDep, body: MemberRequest) -> dict[str, Any]:
    """A member joins the workspace: ``workspace-member.created``."""
    member = members.join_member(
        state,
        email_address=body.email_address,
        first_name=body.first_name,
        last_name=body.last_name,
        access_level=body.access_level,
        actor_member_id=body.actor_workspace_member_id,
    )
    return {"data": member}


async def _resolve(
    state: EmulatorState, comment_id: str, body: UIAction | None, resolved: bool
) -> dict[str, Any]:
    actor = members.member_actor(state, body.actor_workspace_member_id if body else None)
    return {"data": threads.set_resolved(state, comment_id, resolved, actor)}


@router.post("/comments/{comment_id}/resolve")
async def resolve_comment(
    state: StateDep, comment_id: str, body: UIAction | None = None
) -> dict[str, Any]:
    """Resolve the comment's thread: ``comment.resolved`` (nothing if already resolved)."""
    return await _resolve(state, comment_id, body, True)


@router.post("/comments/{comment_id}/unresolve")
async def unresolve_comment(
    state: StateDep, comment_id: str, body: UIAction | None = None
) -> dict[str, Any]:
    """Reopen the comment's thread: ``comment.unresolved`` (nothing if not resolved)."""
    return await _resolve(state, comment_id, body, False)


class NoteEdit(UIAction):
    title: str | None = None
    content_plaintext: str | None = None


@router.patch("/notes/{note_id}")
async def edit_note(state: StateDep, note_id: str, body: NoteEdit) -> dict[str, Any]:
    """Edit a note: ``note.updated`` for a new title, ``note-content.updated`` for new text."""
    actor = members.member_actor(state, body.actor_workspace_member_id)
    changes = body.model_dump(exclude_unset=True, exclude={"actor_workspace_member_id"})
    return {"data": notes.edit_note(state, note_id, changes, actor)}


@router.delete("/lists/{list}")
async def delete_list(
    state: StateDep, list: str, actor_workspace_member_id: str | None = None
) -> dict[str, Any]:
    """Delete a list and its entries: ``list.deleted``."""
    lists.delete_list(state, list, members.member_actor(state, actor_workspace_member_id))
    return {}


class MergeRequest(UIAction):
    duplicate_record_id: str


@router.post("/objects/{object}/records/{record_id}/merge")
async def merge_records(
    state: StateDep, object: str, record_id: str, body: MergeRequest
) -> dict[str, Any]:
    """Merge ``duplicate_record_id`` into the record: ``record.merged``."""
    obj = get_object(state, object)
    record = records.get_record(state, obj, record_id)
    actor = members.member_actor(state, body.actor_workspace_member_id)
    records.merge_records(state, obj, record, body.duplicate_record_id, actor)
    return {"data": records.render_record(state, record)}
