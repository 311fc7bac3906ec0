"""``/v2/tasks``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.tasks import models

router = APIRouter(prefix="/v2/tasks", tags=["tasks"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
_CONTEXT = ("object_configuration:read", "record_permission:read", "user_management:read")
Read = Annotated[Caller, Depends(require("task:read", *_CONTEXT))]
Write = Annotated[Caller, Depends(require("task:read-write", *_CONTEXT))]

# Deleting needs only the resource's own write scope (the spec names no others).
Delete = Annotated[Caller, Depends(require("task:read-write"))]


@router.get("")
async def list_tasks(
    state: StateDep,
    _: Read,
    request: Request,
    limit: str | None = None,
    offset: str | None = None,
    sort: str | None = None,
    linked_object: str | None = None,
    linked_record_id: str | None = None,
    assignee: str | None = None,
    is_completed: str | None = None,
) -> dict[str, Any]:
    tasks = models.list_tasks(
        state,
        limit=int_param(limit, "limit", default=500, minimum=1, maximum=500),
        offset=int_param(offset, "offset", default=0, minimum=0, maximum=None),
        sort=sort,
        linked_object=linked_object,
        linked_record_id=linked_record_id,
        assignee=assignee,
        assignee_given="assignee" in request.query_params,
        is_completed=is_completed,
    )
    return {"data": tasks}


@router.post("")
async def create_task(state: StateDep, caller: Write, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.create_task(state, data, caller.actor)}


@router.get("/{task_id}")
async def get_task(state: StateDep, _: Read, task_id: str) -> dict[str, Any]:
    return {"data": models.get_task(state, task_id)}


@router.patch("/{task_id}")
async def update_task(
    state: StateDep, caller: Write, task_id: str, request: Request
) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.update_task(state, task_id, data, caller.actor)}


@router.delete("/{task_id}")
async def delete_task(state: StateDep, caller: Delete, task_id: str) -> dict[str, Any]:
    models.delete_task(state, task_id, caller.actor)
    return {}
