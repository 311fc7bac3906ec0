"""``/v2/threads`` and ``/v2/comments``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, check_scopes, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.threads import models

router = APIRouter(prefix="/v2", tags=["threads and comments"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
# The spec's scopes; reading and commenting also need the target's own read scopes
# (API-NOTES §2), checked by ``_target_scopes`` once the target is known.
Read = Annotated[Caller, Depends(require("comment:read"))]
Write = Annotated[Caller, Depends(require("comment:read-write"))]


def _target_scopes(caller: Caller, *, on_entry: bool) -> None:
    if on_entry:
        check_scopes(caller, "list_configuration:read", "list_entry:read")
    else:
        check_scopes(caller, "object_configuration:read", "record_permission:read")


@router.get("/threads")
async def list_threads(
    state: StateDep,
    caller: Read,
    object: str | None = None,
    record_id: str | None = None,
    list: str | None = None,
    entry_id: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    if list is not None or entry_id is not None or object is not None or record_id is not None:
        _target_scopes(caller, on_entry=list is not None or entry_id is not None)
    threads = models.list_threads(
        state,
        object=object,
        record_id=record_id,
        list_ref=list,
        entry_id=entry_id,
        # Over the documented maximum: served as the maximum (Attio's answer is
        # unconfirmed; clients send limit=100).
        limit=int_param(limit, "limit", default=10, minimum=1, maximum=50, clamp=True),
        offset=int_param(offset, "offset", default=0, minimum=0, maximum=None),
    )
    return {"data": threads}


@router.get("/threads/{thread_id}")
async def get_thread(state: StateDep, caller: Read, thread_id: str) -> dict[str, Any]:
    thread = models.render_thread(state, thread_id)
    _target_scopes(caller, on_entry=thread["comments"][0]["entry"] is not None)
    return {"data": thread}


@router.post("/comments")
async def create_comment(state: StateDep, caller: Write, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    if isinstance(data, dict) and ("entry" in data or "record" in data):
        _target_scopes(caller, on_entry="entry" in data)
    return {"data": models.create_comment(state, data, caller.actor)}


@router.get("/comments/{comment_id}")
async def get_comment(state: StateDep, caller: Read, comment_id: str) -> dict[str, Any]:
    comment = models.get_comment(state, comment_id)
    _target_scopes(caller, on_entry=comment["entry"] is not None)
    return {"data": comment}


@router.delete("/comments/{comment_id}")
async def delete_comment(state: StateDep, caller: Write, comment_id: str) -> dict[str, Any]:
    models.delete_comment(state, comment_id, caller.actor)
    return {}
