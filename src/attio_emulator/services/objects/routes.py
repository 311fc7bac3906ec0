"""``/v2/objects``, ``/v2/{target}/{identifier}/attributes``, options and statuses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, json_body, public
from attio_emulator.services.objects import models

router = APIRouter(prefix="/v2", tags=["objects and attributes"])

StateDep = Annotated[EmulatorState, Depends(get_state)]
ConfigRead = Annotated[Caller, Depends(require("object_configuration:read"))]
ConfigWrite = Annotated[Caller, Depends(require("object_configuration:read-write"))]
Target = Literal["objects", "lists"]


@router.get("/objects")
async def list_objects(state: StateDep, _: ConfigRead) -> dict[str, Any]:
    return {"data": [public(o) for o in models.list_objects(state)]}


@router.post("/objects")
async def create_object(state: StateDep, _: ConfigWrite, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": public(models.create_object(state, data))}


@router.get("/objects/{object}")
async def get_object(state: StateDep, _: ConfigRead, object: str) -> dict[str, Any]:
    return {"data": public(models.get_object(state, object))}


@router.patch("/objects/{object}")
async def update_object(
    state: StateDep, _: ConfigWrite, object: str, request: Request
) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": public(models.update_object(state, object, data))}


@router.get("/{target}/{identifier}/attributes")
async def list_attributes(
    state: StateDep,
    _: ConfigRead,
    target: Target,
    identifier: str,
    show_archived: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    parent_id = models.parent_id_of(state, target, identifier)
    items = [public(a) for a in models.attributes_of(state, parent_id, archived=show_archived)]
    end = None if limit is None else offset + limit
    return {"data": items[offset:end]}


@router.post("/{target}/{identifier}/attributes")
async def create_attribute(
    state: StateDep, target: Target, identifier: str, request: Request
) -> dict[str, Any]:
    scope = (
        "object_configuration:read-write"
        if target == "objects"
        else ("list_configuration:read-write")
    )
    caller = await require(scope)(request)
    parent_id = models.parent_id_of(state, target, identifier)
    data = data_of(await json_body(request))
    doc = models.create_attribute(state, target, parent_id, data)
    models.emit_attribute_event(state, "created", doc, caller.actor)
    other_side = state.store.table("attributes").get(doc.get("_pair") or "")
    if other_side is not None:  # a relationship creates the attribute on the other object too
        models.emit_attribute_event(state, "created", other_side, caller.actor)
    return {"data": public(doc)}


@router.get("/{target}/{identifier}/attributes/{attribute}")
async def get_attribute(
    state: StateDep, _: ConfigRead, target: Target, identifier: str, attribute: str
) -> dict[str, Any]:
    parent_id = models.parent_id_of(state, target, identifier)
    return {"data": public(models.get_attribute(state, parent_id, attribute))}


@router.patch("/{target}/{identifier}/attributes/{attribute}")
async def update_attribute(
    state: StateDep,
    caller: ConfigWrite,
    target: Target,
    identifier: str,
    attribute: str,
    request: Request,
) -> dict[str, Any]:
    parent_id = models.parent_id_of(state, target, identifier)
    doc = models.get_attribute(state, parent_id, attribute)
    data = data_of(await json_body(request))
    updated = models.update_attribute(state, doc, data)
    models.emit_attribute_event(state, "updated", updated, caller.actor)
    return {"data": public(updated)}


@router.get("/{target}/{identifier}/attributes/{attribute}/options")
async def list_options(
    state: StateDep,
    _: ConfigRead,
    target: Target,
    identifier: str,
    attribute: str,
    show_archived: bool = False,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    options = models.options_of(state, doc)
    return {"data": [o for o in options if show_archived or not o["is_archived"]]}


@router.post("/{target}/{identifier}/attributes/{attribute}/options")
async def create_option(
    state: StateDep,
    _: ConfigWrite,
    target: Target,
    identifier: str,
    attribute: str,
    request: Request,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    return {"data": models.create_option(state, doc, data_of(await json_body(request)))}


@router.patch("/{target}/{identifier}/attributes/{attribute}/options/{option}")
async def update_option(
    state: StateDep,
    _: ConfigWrite,
    target: Target,
    identifier: str,
    attribute: str,
    option: str,
    request: Request,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    data = data_of(await json_body(request))
    return {"data": models.update_choice(state, "select_options", doc, option, data)}


@router.get("/{target}/{identifier}/attributes/{attribute}/statuses")
async def list_statuses(
    state: StateDep,
    _: ConfigRead,
    target: Target,
    identifier: str,
    attribute: str,
    show_archived: bool = False,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    statuses = models.statuses_of(state, doc)
    return {"data": [s for s in statuses if show_archived or not s["is_archived"]]}


@router.post("/{target}/{identifier}/attributes/{attribute}/statuses")
async def create_status(
    state: StateDep,
    _: ConfigWrite,
    target: Target,
    identifier: str,
    attribute: str,
    request: Request,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    return {"data": models.create_status(state, doc, data_of(await json_body(request)))}


@router.patch("/{target}/{identifier}/attributes/{attribute}/statuses/{status}")
async def update_status(
    state: StateDep,
    _: ConfigWrite,
    target: Target,
    identifier: str,
    attribute: str,
    status: str,
    request: Request,
) -> dict[str, Any]:
    doc = models.get_attribute(state, models.parent_id_of(state, target, identifier), attribute)
    data = data_of(await json_body(request))
    return {"data": models.update_choice(state, "statuses", doc, status, data)}
