"""``/v2/notes``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.notes import models

router = APIRouter(prefix="/v2/notes", tags=["notes"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
Read = Annotated[
    Caller, Depends(require("note:read", "object_configuration:read", "record_permission:read"))
]
Write = Annotated[
    Caller,
    Depends(require("note:read-write", "object_configuration:read", "record_permission:read")),
]

# Deleting needs only the resource's own write scope (the spec names no others).
Delete = Annotated[Caller, Depends(require("note:read-write"))]


@router.get("")
async def list_notes(
    state: StateDep,
    _: Read,
    limit: str | None = None,
    offset: str | None = None,
    parent_object: str | None = None,
    parent_record_id: str | None = None,
) -> dict[str, Any]:
    notes = models.list_notes(
        state,
        # Over the documented maximum: served as the maximum (Attio's answer is
        # unconfirmed; clients send limit=100).
        limit=int_param(limit, "limit", default=10, minimum=1, maximum=50, clamp=True),
        offset=int_param(offset, "offset", default=0, minimum=0, maximum=None),
        parent_object=parent_object,
        parent_record_id=parent_record_id,
    )
    return {"data": notes}


@router.post("")
async def create_note(state: StateDep, caller: Write, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.create_note(state, data, caller.actor)}


@router.get("/{note_id}")
async def get_note(state: StateDep, _: Read, note_id: str) -> dict[str, Any]:
    return {"data": models.get_note(state, note_id)}


@router.delete("/{note_id}")
async def delete_note(state: StateDep, caller: Delete, note_id: str) -> dict[str, Any]:
    models.delete_note(state, note_id, caller.actor)
    return {}
