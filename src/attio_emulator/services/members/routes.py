"""``/v2/workspace_members`` and ``/v2/self``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from attio_emulator.core.auth import Caller, bearer_token, get_state, require
from attio_emulator.core.state import EmulatorState
from attio_emulator.services.members import models

router = APIRouter(prefix="/v2", tags=["workspace members"])
StateDep = Annotated[EmulatorState, Depends(get_state)]
MembersRead = Annotated[Caller, Depends(require("user_management:read"))]


@router.get("/workspace_members")
async def list_members(state: StateDep, _: MembersRead) -> dict[str, Any]:
    return {"data": models.list_members(state)}


@router.get("/workspace_members/{workspace_member_id}")
async def get_member(state: StateDep, _: MembersRead, workspace_member_id: str) -> dict[str, Any]:
    return {"data": models.get_member(state, workspace_member_id)}


@router.get("/self")
async def identify(state: StateDep, request: Request) -> dict[str, Any]:
    """No scope needed; an unknown or revoked token answers ``{"active": false}`` (200)."""
    value = bearer_token(request)
    return models.self_body(state, state.token(value) if value else None)
