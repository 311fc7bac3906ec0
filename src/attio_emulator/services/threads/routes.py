"""``/v2/threads`` and ``/v2/comments``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.threads import models

router = APIRouter(prefix="/v2", tags=["threads and comments"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
# Attio adds record or entry scopes depending on the target; these are the common ones.
Read = Annotated[Caller, Depends(require("comment:read", "record_permission:read"))]
Write = Annotated[Caller, Depends(require("comment:read-write", "record_permission:read"))]


@router.get("/threads")
async def list_threads(
    state: StateDep,
    _: Read,
    object: str | None = None,
    record_id: str | None = None,
    list: str | None = None,
    entry_id: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    threads = models.list_threads(
        state,
        object=object,
        record_id=record_id,
        list_ref=list,
        entry_id=entry_id,
        limit=int_param(limit, "limit", default=10, minimum=1, maximum=50),
        offset=int_param(offset, "offset", default=0, minimum=0, maximum=None),
    )
    return {"data": threads}


@router.get("/threads/{thread_id}")
async def get_thread(state: StateDep, _: Read, thread_id: str) -> dict[str, Any]:
    return {"data": models.render_thread(state, thread_id)}


@router.post("/comments")
async def create_comment(state: StateDep, caller: Write, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.create_comment(state, data, caller.actor)}


@router.get("/comments/{comment_id}")
async def get_comment(state: StateDep, _: Read, comment_id: str) -> dict[str, Any]:
    return {"data": models.get_comment(state, comment_id)}


@router.delete("/comments/{comment_id}")
async def delete_comment(state: StateDep, caller: Write, comment_id: str) -> dict[str, Any]:
    models.delete_comment(state, comment_id, caller.actor)
    return {}
