"""``/v2/objects/{object}/records…`` and ``/v2/objects/records/search``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.errors import validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.lists.models import emit_entry_event
from attio_emulator.services.objects.models import get_attribute, get_object
from attio_emulator.services.records import models
from attio_emulator.services.records.search import search
from attio_emulator.services.webhooks.models import emit

router = APIRouter(prefix="/v2/objects", tags=["records"])

StateDep = Annotated[EmulatorState, Depends(get_state)]
Read = Annotated[Caller, Depends(require("record_permission:read", "object_configuration:read"))]
Write = Annotated[
    Caller, Depends(require("record_permission:read-write", "object_configuration:read"))
]
EntriesRead = Annotated[
    Caller,
    Depends(require("record_permission:read", "object_configuration:read", "list_entry:read")),
]


@router.post("/records/search")
async def search_records(state: StateDep, _: Read, request: Request) -> dict[str, Any]:
    return {"data": search(state, await json_body(request))}


@router.post("/{object}/records/query")
async def query_records(state: StateDep, _: Read, object: str, request: Request) -> JSONResponse:
    obj = get_object(state, object)
    rows = models.query_records(state, obj, await json_body(request))
    # Stored documents are plain JSON already: skip FastAPI's (slow) jsonable_encoder.
    return JSONResponse({"data": models.render_records(state, rows)})


@router.post("/{object}/records")
async def create_record(
    state: StateDep, caller: Write, object: str, request: Request
) -> dict[str, Any]:
    obj = get_object(state, object)
    data = data_of(await json_body(request))
    record = models.create_record(state, obj, data.get("values"), caller.actor)
    _emit(state, "record.created", record, caller)
    return {"data": models.render_record(state, record)}


@router.put("/{object}/records")
async def assert_record(
    state: StateDep, caller: Write, object: str, request: Request, matching_attribute: str = ""
) -> dict[str, Any]:
    if not matching_attribute:
        raise validation_error("The matching_attribute query parameter is required.")
    obj = get_object(state, object)
    data = data_of(await json_body(request))
    done = models.assert_record(state, obj, matching_attribute, data.get("values"), caller.actor)
    if done.created:
        _emit(state, "record.created", done.record, caller)
    _emit_updates(state, done.record, done.changed_attribute_ids, caller)
    return {"data": models.render_record(state, done.record)}


@router.get("/{object}/records/{record_id}")
async def get_record(state: StateDep, _: Read, object: str, record_id: str) -> dict[str, Any]:
    obj = get_object(state, object)
    return {"data": models.render_record(state, models.get_record(state, obj, record_id))}


async def _update(
    state: EmulatorState, caller: Caller, object: str, record_id: str, request: Request, mode: str
) -> dict[str, Any]:
    obj = get_object(state, object)
    record = models.get_record(state, obj, record_id)
    data = data_of(await json_body(request))
    changed = models.update_record(
        state, obj, record, data.get("values", {}), caller.actor, mode=mode
    )
    _emit_updates(state, record, changed, caller)
    return {"data": models.render_record(state, record)}


@router.patch("/{object}/records/{record_id}")
async def patch_record(
    state: StateDep, caller: Write, object: str, record_id: str, request: Request
) -> dict[str, Any]:
    return await _update(state, caller, object, record_id, request, "append")


@router.put("/{object}/records/{record_id}")
async def put_record(
    state: StateDep, caller: Write, object: str, record_id: str, request: Request
) -> dict[str, Any]:
    return await _update(state, caller, object, record_id, request, "overwrite")


@router.delete("/{object}/records/{record_id}")
async def delete_record(
    state: StateDep, caller: Write, object: str, record_id: str
) -> dict[str, Any]:
    obj = get_object(state, object)
    record = models.get_record(state, obj, record_id)
    removed_entries = models.delete_record(state, obj, record)
    _emit(state, "record.deleted", record, caller)
    for entry in removed_entries:
        emit_entry_event(state, "list-entry.deleted", entry, caller.actor)
    return {}


def _emit(
    state: EmulatorState,
    event_type: str,
    record: dict[str, Any],
    caller: Caller,
    attribute_id: str | None = None,
) -> None:
    """Tell subscribed webhooks (Attio's record events carry object and record ids)."""
    ids = {"object_id": record["id"]["object_id"], "record_id": record["id"]["record_id"]}
    if attribute_id is not None:
        ids["attribute_id"] = attribute_id
    emit(state, event_type, ids, caller.actor)


def _emit_updates(
    state: EmulatorState, record: dict[str, Any], attribute_ids: list[str], caller: Caller
) -> None:
    """Attio sends one ``record.updated`` per changed attribute, naming it in
    ``id.attribute_id``; a write that changes nothing sends none."""
    for attribute_id in attribute_ids:
        _emit(state, "record.updated", record, caller, attribute_id)


@router.get("/{object}/records/{record_id}/attributes/{attribute}/values")
async def record_values(
    state: StateDep,
    _: Read,
    object: str,
    record_id: str,
    attribute: str,
    show_historic: bool = False,
    limit: int | None = None,
    offset: int | None = None,
) -> dict[str, Any]:
    obj = get_object(state, object)
    record = models.get_record(state, obj, record_id)
    attr = get_attribute(state, obj["id"]["object_id"], attribute)
    items = models.attribute_values(state, record, attr, historic=show_historic)
    start = int_param(offset, "offset", default=0, minimum=0, maximum=None)
    end = (
        None
        if limit is None
        else start + int_param(limit, "limit", default=0, minimum=1, maximum=None)
    )
    return {"data": items[start:end]}


@router.get("/{object}/records/{record_id}/entries")
async def record_entries(
    state: StateDep,
    _: EntriesRead,
    object: str,
    record_id: str,
    limit: int | None = None,
    offset: int | None = None,
) -> dict[str, Any]:
    obj = get_object(state, object)
    models.get_record(state, obj, record_id)
    size = int_param(limit, "limit", default=100, minimum=1, maximum=1000)
    start = int_param(offset, "offset", default=0, minimum=0, maximum=None)
    lists = state.store.table("lists")
    items = []
    for entry in state.store.table("entries"):
        if entry.get("parent_record_id") != record_id:
            continue
        parent_list = lists.get(entry["id"]["list_id"])
        items.append(
            {
                "list_id": entry["id"]["list_id"],
                "list_api_slug": parent_list["api_slug"] if parent_list else None,
                "entry_id": entry["id"]["entry_id"],
                "created_at": entry["created_at"],
            }
        )
    return {"data": items[start : start + size]}
