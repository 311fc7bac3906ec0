"""Snapshot and restore of an emulated workspace (issue 24's target: both within 50 ms).

    .venv/bin/python -m benchmarks.emulator_snapshot [--people 10000] [--runs 15]

Loads ``--people`` people (name, email, job title) through the records model, then times
``Store.snapshot()``, ``Store.restore()`` and the first query after a restore (which
rebuilds the record index the restore dropped), ``--runs`` times each; medians and p90
in ms. Results are also written to ``benchmarks/results/emulator_snapshot.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records.models import (
    create_record,
    delete_record,
    query_records,
    update_record,
)
from attio_emulator.snapshots import restore, take
from benchmarks.emulator_query import load_people

RESULTS = Path(__file__).resolve().parent / "results" / "emulator_snapshot.json"
ACTOR = {"type": "system", "id": None}


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
    }


def run(people: int, runs: int, path: str | None) -> dict[str, Any]:
    state = EmulatorState(store=Store(path))
    load_people(state, people)
    state.issue_token()
    obj = get_object(state, "people")
    query_records(state, obj, {"filter": {"job_title": "CEO"}, "limit": 10})  # index built
    started = time.perf_counter()
    baseline = take(state)
    first_snapshot_ms = (time.perf_counter() - started) * 1000
    snap_ms, restore_ms, total_ms, first_query_ms = [], [], [], []
    records = state.store.table("records").values()
    for n in range(runs):
        # What a test does: a few writes (one create, one update, one delete), then the
        # fixture's snapshot of it (as a test taking its own would) and the restore.
        create_record(state, obj, {"job_title": f"Run {n}"}, ACTOR)
        update_record(state, obj, records[n], {"job_title": f"Edited {n}"}, ACTOR, mode="overwrite")
        delete_record(state, obj, records[-1 - n])
        started = time.perf_counter()
        take(state)
        taken = time.perf_counter()
        restore(state, baseline)
        done = time.perf_counter()
        query_records(state, obj, {"filter": {"job_title": "CEO"}, "limit": 10})
        queried = time.perf_counter()
        snap_ms.append((taken - started) * 1000)
        restore_ms.append((done - taken) * 1000)
        total_ms.append((done - started) * 1000)
        first_query_ms.append((queried - done) * 1000)
    return {
        "records": len(state.store.table("records")),
        "store": "file" if path else "memory",
        "first_snapshot_ms": round(first_snapshot_ms, 2),
        "snapshot": summary(snap_ms),
        "restore": summary(restore_ms),
        "snapshot_and_restore": summary(total_ms),
        "first_query_after_restore": summary(first_query_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", help="measure a file store at this (new) path too")
    args = parser.parse_args()
    results = [run(args.people, args.runs, None)]
    if args.file:
        results.append(run(args.people, args.runs, args.file))
    for result in results:
        print(json.dumps(result))
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "python": platform.python_version(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
