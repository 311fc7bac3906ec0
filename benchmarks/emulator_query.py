"""Emulator query benchmark: load N people, time filtered queries through the HTTP API.

    .venv/bin/python -m benchmarks.emulator_query [--people 100000] [--runs 25]

Each query is sent in process (httpx over ASGI, so routing, auth, filter validation and
rendering are all included) ``--runs`` times; the median and p90 are printed in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

import httpx

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.services.objects.models import ensure_standard_objects, get_object
from attio_emulator.services.records.models import create_record

FIRST = ["Ada", "Ben", "Chloé", "Dev", "Elena", "Farah", "Grace", "Hugo", "Ines", "Jonas"]
LAST = ["Morgan", "Okafor", "Durand", "Patel", "Rossi", "Silva", "Tanaka", "Weber", "Kim"]
JOBS = ["CEO", "CTO", "Engineer", "Account Executive", "Product Manager", "Founder"]


def load_people(state: EmulatorState, count: int) -> None:
    rng = random.Random(7)
    ensure_standard_objects(state)
    people = get_object(state, "people")
    actor = {"type": "system", "id": None}
    with state.store.batch():
        for i in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            values: dict[str, Any] = {
                "name": {"first_name": first, "last_name": last, "full_name": f"{first} {last}"},
                "email_addresses": [f"{first}.{last}.{i}@example{i % 500}.com".lower()],
                "job_title": rng.choice(JOBS),
            }
            create_record(state, people, values, actor)


async def measure(client: httpx.AsyncClient, body: dict[str, Any], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.post("/v2/objects/people/records/query", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


async def main(people: int, runs: int) -> None:
    state = EmulatorState(store=Store())
    started = time.perf_counter()
    load_people(state, people)
    print(f"loaded {people} people in {time.perf_counter() - started:.1f} s")
    state.limits.enabled = False
    token = state.issue_token()["token"]
    queries = {
        "email $eq": {"filter": {"email_addresses": "grace.kim.4242@example242.com"}},
        "name $contains (limit 50)": {
            "filter": {"name": {"full_name": {"$contains": "ines wEB"}}},
            "limit": 50,
        },
        "name $contains, no match (full scan)": {
            "filter": {"name": {"full_name": {"$contains": "zebedee"}}},
        },
        "$and of two (limit 50)": {
            "filter": {
                "$and": [
                    {"name": {"last_name": {"$eq": "Tanaka"}}},
                    {"job_title": {"$contains": "engineer"}},
                ]
            },
            "limit": 50,
        },
    }
    async with httpx.AsyncClient(
        transport=transport(create_app(state)),
        base_url="https://api.attio.com",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        for name, body in queries.items():
            timings = sorted(await measure(client, body, runs))
            p90 = timings[int(len(timings) * 0.9) - 1]
            print(f"{name:38} median {statistics.median(timings):8.2f} ms   p90 {p90:8.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.runs))
