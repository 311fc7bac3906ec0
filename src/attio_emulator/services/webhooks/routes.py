"""``/v2/webhooks``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.wire import data_of, int_param, json_body
from attio_emulator.services.webhooks import models

router = APIRouter(prefix="/v2/webhooks", tags=["webhooks"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
Read = Annotated[Caller, Depends(require("webhook:read"))]
Write = Annotated[Caller, Depends(require("webhook:read-write"))]


@router.get("")
async def list_webhooks(
    state: StateDep, _: Read, limit: str | None = None, offset: str | None = None
) -> dict[str, Any]:
    size = int_param(limit, "limit", default=10, minimum=10, maximum=100)
    start = int_param(offset, "offset", default=0, minimum=0, maximum=None)
    return {"data": models.list_webhooks(state, size, start)}


@router.post("")
async def create_webhook(state: StateDep, _: Write, request: Request) -> dict[str, Any]:
    return {"data": models.create_webhook(state, data_of(await json_body(request)))}


@router.get("/{webhook_id}")
async def get_webhook(state: StateDep, _: Read, webhook_id: str) -> dict[str, Any]:
    return {"data": models.render(models.get_webhook(state, webhook_id))}


@router.patch("/{webhook_id}")
async def update_webhook(
    state: StateDep, _: Write, webhook_id: str, request: Request
) -> dict[str, Any]:
    data = data_of(await json_body(request))
    return {"data": models.update_webhook(state, webhook_id, data)}


@router.delete("/{webhook_id}")
async def delete_webhook(state: StateDep, _: Write, webhook_id: str) -> dict[str, Any]:
    models.delete_webhook(state, webhook_id)
    return {}
