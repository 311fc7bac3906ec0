"""Snapshots of a whole workspace, for fast test isolation (``/_emulator/snapshots``, fixtures).

``take(state)`` keeps every stored document (records, lists, members, tokens, webhooks…);
``restore(state, snapshot)`` puts them back, undoing only what was written since, and keeps
the record index in step. Faults, rate limits and the clock are settings, not data: they
are not part of a snapshot (``/_emulator/reset`` and the pytest fixtures reset them).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Change, Snapshot

_ids = itertools.count(1)


@dataclass(frozen=True)
class WorkspaceSnapshot:
    store: Snapshot
    snapshot_id: str = field(default_factory=lambda: f"snap_{next(_ids)}")


def take(state: EmulatorState) -> WorkspaceSnapshot:
    """Everything the workspace stores, as it is now."""
    return WorkspaceSnapshot(state.store.snapshot())


def restore(state: EmulatorState, snapshot: WorkspaceSnapshot) -> int:
    """Put the workspace back as ``snapshot`` holds it; answers how many documents changed."""
    changes = state.store.restore(snapshot.store)
    _follow_record_index(state, changes.get("records", []))
    return sum(len(pairs) for pairs in changes.values())


def _follow_record_index(state: EmulatorState, pairs: list[Change]) -> None:
    """The record index (built from the records table, then kept in step by every write)
    learns what the restore changed. A record that came back takes its old place in
    creation order: the index's order maps are rebuilt from the table (ids only, no
    values), which is in snapshot order after a restore."""
    if not pairs:
        return
    from attio_emulator.services.records import index

    table = state.store.table("records")
    built = index._INDEXES.get(table)
    if built is None:
        return
    for before, after in pairs:
        if after is None and before is not None:
            built.removed(before)
    if any(before is None for before, _ in pairs):
        by_object: dict[str, dict[str, None]] = {}
        position: dict[str, int] = {}
        for n, (record_id, record) in enumerate(table.items()):
            by_object.setdefault(record["id"]["object_id"], {})[record_id] = None
            position[record_id] = n
        built._by_object, built._position = by_object, position
    for _, after in pairs:
        if after is not None:
            built.saved(after)


class SnapshotRegistry:
    """Snapshots kept by id for the control routes (one per emulator process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, WorkspaceSnapshot] = {}

    def add(self, snapshot: WorkspaceSnapshot) -> None:
        with self._lock:
            self._held[snapshot.snapshot_id] = snapshot

    def get(self, snapshot_id: str) -> WorkspaceSnapshot | None:
        with self._lock:
            return self._held.get(snapshot_id)

    def delete(self, snapshot_id: str) -> bool:
        with self._lock:
            return self._held.pop(snapshot_id, None) is not None

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._held)


def registry(state: EmulatorState) -> SnapshotRegistry:
    """The state's registry of named snapshots (created on first use)."""
    held = state.options.get(_REGISTRY)
    if not isinstance(held, SnapshotRegistry):
        held = state.options[_REGISTRY] = SnapshotRegistry()
    return held


_REGISTRY = "_snapshots"
