"""Emulator at scale: bulk load, memory and query latency for 1k, 10k and 100k people
(1M with ``BENCH_FULL=1``), for this tree and, with ``--baseline REF``, for a git ref in
the same run, so the ratios compare like with like on the same (busy) machine.

    .venv/bin/python -m benchmarks.emulator_scale [--baseline HEAD~5] [--sizes 1000,10000]

Each (implementation, size) runs in its own process, so its max RSS is its own. Queries go
through ``query_records`` (filter compilation, indexes, sorting, paging; not HTTP or
rendering). The first run of each query is reported separately (``first_ms``): it pays for
building whatever index the query uses; ``p50_ms`` is the median of the next ``--runs``.
Writes ``benchmarks/results/emulator_scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "emulator_scale.json"
FIRST = ["Ada", "Ben", "Chloé", "Dev", "Elena", "Farah", "Grace", "Hugo", "Ines", "Jonas"]
LAST = ["Morgan", "Okafor", "Durand", "Patel", "Rossi", "Silva", "Tanaka", "Weber", "Kim"]
JOBS = ["CEO", "CTO", "Engineer", "Account Executive", "Product Manager", "Founder"]


def queries(size: int) -> dict[str, dict[str, Any]]:
    deep = max(0, size - size // 10)
    return {
        "email $eq": {"filter": {"email_addresses": f"grace.kim.{size // 2}@example7.com"}},
        "sort last_name asc": {
            "sorts": [{"direction": "asc", "attribute": "name", "field": "last_name"}],
            "limit": 50,
        },
        "sort job_title desc": {
            "sorts": [{"direction": "desc", "attribute": "job_title"}],
            "limit": 50,
        },
        "sort created_at desc": {
            "sorts": [{"direction": "desc", "attribute": "created_at"}],
            "limit": 50,
        },
        f"sorted offset {deep}": {
            "sorts": [{"direction": "asc", "attribute": "name", "field": "last_name"}],
            "offset": deep,
            "limit": 50,
        },
        "$contains, no match": {"filter": {"name": {"full_name": {"$contains": "zebedee"}}}},
        "$contains, 1 match": {
            "filter": {"email_addresses": {"email_address": {"$contains": f".{size // 3}@"}}},
        },
        "$contains (limit 50)": {
            "filter": {"name": {"full_name": {"$contains": "ines wEB"}}},
            "limit": 50,
        },
        "$contains sorted (limit 50)": {
            "filter": {"job_title": {"$contains": "engineer"}},
            "sorts": [{"direction": "asc", "attribute": "name", "field": "full_name"}],
            "limit": 50,
        },
    }


def child(size: int, runs: int) -> dict[str, Any]:
    """Runs in the measured process: load ``size`` people, time every query."""
    import random

    from attio_emulator.core.state import EmulatorState
    from attio_emulator.core.store import Store
    from attio_emulator.services.objects.models import ensure_standard_objects, get_object
    from attio_emulator.services.records.models import create_record, query_records

    state = EmulatorState(store=Store())
    ensure_standard_objects(state)
    people = get_object(state, "people")
    actor = {"type": "system", "id": None}
    rng = random.Random(7)
    started = time.perf_counter()
    with state.store.batch():
        for i in range(size):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            values: dict[str, Any] = {
                "name": {"first_name": first, "last_name": last, "full_name": f"{first} {last}"},
                "email_addresses": [f"{first}.{last}.{i}@example{i % 10}.com".lower()],
                "job_title": rng.choice(JOBS),
            }
            create_record(state, people, values, actor)
    load = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict[str, Any] = {"load_s": round(load, 2), "max_rss_mb": round(rss_mb)}
    for name, body in queries(size).items():
        timings = []
        for _ in range(runs + 1):
            t = time.perf_counter()
            query_records(state, people, body)
            timings.append((time.perf_counter() - t) * 1000)
        out[name] = {
            "first_ms": round(timings[0], 2),
            "p50_ms": round(statistics.median(timings[1:]), 2),
        }
    return out


def measure(src: Path, size: int, runs: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.emulator_scale", "--child", str(size), str(runs)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def baseline_tree(ref: str, into: Path) -> Path:
    """``src/`` of ``ref``, exported read-only (no worktree, nothing in the repository moves)."""
    archive = subprocess.run(
        ["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git ref to measure in the same run")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s] or [1_000, 10_000, 100_000]
    if os.environ.get("BENCH_FULL") == "1" and not args.sizes:
        sizes.append(1_000_000)
    report: dict[str, Any] = {"sizes": sizes, "runs": args.runs, "current": {}}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"current": ROOT / "src"}
        if args.baseline:
            trees["baseline"] = baseline_tree(args.baseline, Path(tmp))
            report["baseline_ref"] = args.baseline
            report["baseline"] = {}
        for size in sizes:
            for label, src in trees.items():
                row = measure(src, size, args.runs)
                report[label][str(size)] = row
                print(f"{label:8} {size:>9,}  {json.dumps(row)}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
