"""``/_emulator/snapshots``, ``/latency`` and ``/export``: test isolation, pacing, seed files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from attio_emulator import seedfile, snapshots
from attio_emulator.core.auth import get_state
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.latency import LATENCY, Latency, current

router = APIRouter(prefix="/_emulator", tags=["emulator control"])

StateDep = Annotated[EmulatorState, Depends(get_state)]


@router.post("/snapshots")
async def take_snapshot(state: StateDep) -> dict[str, Any]:
    """Keep the whole workspace as it is now; answers the id to restore it by."""
    snapshot = snapshots.take(state)
    snapshots.registry(state).add(snapshot)
    return {"snapshot_id": snapshot.snapshot_id}


@router.get("/snapshots")
async def list_snapshots(state: StateDep) -> dict[str, Any]:
    return {"data": [{"snapshot_id": i} for i in snapshots.registry(state).ids()]}


@router.post("/snapshots/{snapshot_id}/restore")
async def restore_snapshot(state: StateDep, snapshot_id: str) -> dict[str, Any]:
    """Put the workspace back as the snapshot holds it (faults, limits, latency untouched)."""
    snapshot = snapshots.registry(state).get(snapshot_id)
    if snapshot is None:
        raise not_found(f'Snapshot "{snapshot_id}" not found.')
    changed = snapshots.restore(state, snapshot)
    return {"snapshot_id": snapshot_id, "documents_restored": changed}


@router.delete("/snapshots/{snapshot_id}")
async def delete_snapshot(state: StateDep, snapshot_id: str) -> dict[str, Any]:
    if not snapshots.registry(state).delete(snapshot_id):
        raise not_found(f'Snapshot "{snapshot_id}" not found.')
    return {}


class LatencyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fixed_ms: float = 0.0
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float = 10_000.0
    seed: int | None = None


@router.post("/latency")
async def set_latency(state: StateDep, body: LatencyRequest) -> dict[str, Any]:
    """Delay every /v2 answer: ``{"fixed_ms": 80}`` or ``{"median_ms": 120, "p95_ms": 400}``;
    ``{}`` removes it."""
    try:
        latency = Latency(**body.model_dump())
    except ValueError as exc:
        raise validation_error(str(exc)) from None
    state.options[LATENCY] = latency
    return latency.describe()


@router.get("/latency")
async def get_latency(state: StateDep) -> dict[str, Any]:
    latency = current(state) or Latency()
    return latency.describe()


@router.get("/export")
async def export_workspace(state: StateDep) -> dict[str, Any]:
    """The workspace in the seed-file format (``attio-emulator serve --seed FILE``)."""
    return seedfile.export(state)
