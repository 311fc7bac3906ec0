"""``/_emulator/*``: reset the workspace, mint tokens, look at state. Never part of Attio's API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from attio_emulator.core.auth import get_state
from attio_emulator.core.state import ALL_SCOPES, EmulatorState

router = APIRouter(prefix="/_emulator", tags=["emulator control"])

StateDep = Annotated[EmulatorState, Depends(get_state)]


class TokenRequest(BaseModel):
    scopes: list[str] = list(ALL_SCOPES)
    token: str | None = None


@router.post("/reset")
async def reset(state: StateDep) -> dict[str, Any]:
    """Forget everything: an empty workspace (tokens included)."""
    state.store.clear()
    return {}


@router.post("/tokens")
async def mint_token(state: StateDep, body: TokenRequest) -> dict[str, Any]:
    """A workspace API token with the given scopes (all by default)."""
    doc = state.issue_token(scopes=body.scopes, token=body.token)
    return {"token": doc["token"], "scopes": doc["scopes"]}


@router.get("/state")
async def describe(state: StateDep) -> dict[str, Any]:
    workspace = state.workspace
    return {
        "workspace_id": workspace.workspace_id,
        "workspace_name": workspace.name,
        "workspace_slug": workspace.slug,
    }
