"""``/v2/lists`` and ``/v2/lists/{list}/entries…`` (list attributes are served by part 1's
generic ``/v2/{target}/{identifier}/attributes``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.lists import models

router = APIRouter(prefix="/v2/lists", tags=["lists and entries"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
ListRead = Annotated[Caller, Depends(require("list_configuration:read"))]
ListWrite = Annotated[Caller, Depends(require("list_configuration:read-write"))]
_ENTRY_CONTEXT = ("list_configuration:read",)
EntryRead = Annotated[Caller, Depends(require("list_entry:read", *_ENTRY_CONTEXT))]
EntryWrite = Annotated[Caller, Depends(require("list_entry:read-write", *_ENTRY_CONTEXT))]
# The values endpoint asks for exactly what the spec's security block lists.
EntryValuesRead = Annotated[Caller, Depends(require("list_entry:read", "list_configuration:read"))]


@router.get("")
async def list_lists(state: StateDep, _: ListRead) -> dict[str, Any]:
    return {"data": models.all_lists(state)}


@router.post("")
async def create_list(state: StateDep, caller: ListWrite, request: Request) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.create_list(state, data, caller.actor)}


@router.get("/{list}")
async def get_list(state: StateDep, _: ListRead, list: str) -> dict[str, Any]:
    return {"data": models.get_list(state, list)}


@router.patch("/{list}")
async def update_list(
    state: StateDep, caller: ListWrite, list: str, request: Request
) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.update_list(state, list, data, caller.actor)}


@router.post("/{list}/entries/query")
async def query_entries(
    state: StateDep, _: EntryRead, list: str, request: Request
) -> dict[str, Any]:
    lst = models.get_list(state, list)
    rows = models.query_entries(state, lst, await json_body(request))
    return {"data": [models.render_entry(state, e) for e in rows]}


@router.post("/{list}/entries")
async def create_entry(
    state: StateDep, caller: EntryWrite, list: str, request: Request
) -> dict[str, Any]:
    lst = models.get_list(state, list)
    entry = models.create_entry(state, lst, data_of(await json_body(request)), caller.actor)
    return {"data": models.render_entry(state, entry)}


@router.put("/{list}/entries")
async def assert_entry(
    state: StateDep, caller: EntryWrite, list: str, request: Request
) -> dict[str, Any]:
    lst = models.get_list(state, list)
    entry = models.assert_entry(state, lst, data_of(await json_body(request)), caller.actor)
    return {"data": models.render_entry(state, entry)}


@router.get("/{list}/entries/{entry_id}")
async def get_entry(state: StateDep, _: EntryRead, list: str, entry_id: str) -> dict[str, Any]:
    lst = models.get_list(state, list)
    return {"data": models.render_entry(state, models.get_entry(state, lst, entry_id))}


async def _update(
    state: EmulatorState, caller: Caller, list: str, entry_id: str, request: Request, mode: str
) -> dict[str, Any]:
    lst = models.get_list(state, list)
    data = data_of(await json_body(request))
    entry = models.update_entry(state, lst, entry_id, data, caller.actor, mode=mode)
    return {"data": models.render_entry(state, entry)}


@router.patch("/{list}/entries/{entry_id}")
async def append_entry(
    state: StateDep, caller: EntryWrite, list: str, entry_id: str, request: Request
) -> dict[str, Any]:
    return await _update(state, caller, list, entry_id, request, "append")


@router.put("/{list}/entries/{entry_id}")
async def overwrite_entry(
    state: StateDep, caller: EntryWrite, list: str, entry_id: str, request: Request
) -> dict[str, Any]:
    return await _update(state, caller, list, entry_id, request, "overwrite")


@router.delete("/{list}/entries/{entry_id}")
async def delete_entry(
    state: StateDep, caller: EntryWrite, list: str, entry_id: str
) -> dict[str, Any]:
    models.delete_entry(state, models.get_list(state, list), entry_id, caller.actor)
    return {}


@router.get("/{list}/entries/{entry_id}/attributes/{attribute}/values")
async def entry_values(
    state: StateDep,
    _: EntryValuesRead,
    list: str,
    entry_id: str,
    attribute: str,
    show_historic: bool = False,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    lst = models.get_list(state, list)
    values = models.entry_attribute_values(state, lst, entry_id, attribute, historic=show_historic)
    start = int_param(offset, "offset", default=0, minimum=0, maximum=None)
    size = int_param(limit, "limit", default=len(values) or 1, minimum=1, maximum=None)
    return {"data": values[start : start + size]}
