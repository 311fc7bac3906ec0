"""``python -m benchmarks scale``: how the gateway's cost grows with what it stores.

On a fresh PostgreSQL database (and the local Redis, when it answers), with the emulator
in its own process and limits off:

1. the per-call p50 of the embedded SDK and of the HTTP gateway (``serve`` in its own
   process) at 100 connected accounts;
2. then the tables are loaded the way years of use leave them — ``ACCOUNTS`` connected
   accounts over ``WORKSPACES`` workspaces, each with a sealed credential (a copy of a real
   one), and ``EVENTS`` audit events over 90 days — and analysed;
3. the same per-call p50s again, in the same run, and p50/p99 of the queries operators
   run: a page of ``list_connected_accounts`` (first and deep, keyset), the audit log by
   identifier, by tool and by time window; the audit table's size per million events;
   Redis operations and memory per call.

Defaults are reduced (100k accounts, 1M events); ``BENCH_FULL=1`` loads 10M events
(``BENCH_SCALE_ACCOUNTS`` and ``BENCH_SCALE_EVENTS`` set other sizes). The
numbers are written to ``benchmarks/results/scale.json`` and printed; docs/scaling.md
quotes them. Needs PostgreSQL on 127.0.0.1:5432 (trust auth); not part of ``make test``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis.asyncio as aioredis
from sqlalchemy import text

from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

FULL = os.environ.get("BENCH_FULL") == "1"
ACCOUNTS = int(os.environ.get("BENCH_SCALE_ACCOUNTS", 100_000))
WORKSPACES = 10_000
EVENTS = int(os.environ.get("BENCH_SCALE_EVENTS", 10_000_000 if FULL else 1_000_000))
CALLS = 600
QUERIES = 50
REDIS_URL = "redis://127.0.0.1:6379/15"
RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


async def timed(call: Callable[[], Awaitable[Any]], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 3), "p99_ms": p(samples, 0.99)}


async def admin(statement: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def redis_or_none() -> aioredis.Redis | None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        return None
    return client


async def load(gw: AsyncGateway, account_id: str, connection_id: str) -> dict[str, float]:
    """Accounts (with copies of the real account's sealed credential) and audit events, in
    bulk, then ANALYZE. The real account stays the newest, so its lookups are ordinary."""
    started = time.perf_counter()
    async with gw.services.db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO connected_accounts (id, connection_id, identifier, status, "
                "granted_scopes, workspace_id, workspace_name, api_config, created_at, "
                "updated_at) SELECT md5(n::text), :connection, 'user-' || n, 'ACTIVE', '[]', "
                "'ws-' || (n % CAST(:workspaces AS int)), "
                "'Workspace ' || (n % CAST(:workspaces AS int)), '{}', "
                "CAST(:start AS timestamptz) + n * interval '1 second', "
                "CAST(:start AS timestamptz) FROM generate_series(1, CAST(:accounts AS int)) n"
            ),
            {
                "connection": connection_id,
                "workspaces": WORKSPACES,
                "accounts": ACCOUNTS,
                "start": datetime(2025, 1, 1, tzinfo=UTC),
            },
        )
        await conn.execute(
            text(
                "INSERT INTO credentials (account_id, access_token_sealed, "
                "refresh_token_sealed, expires_at, updated_at) "
                "SELECT a.id, c.access_token_sealed, c.refresh_token_sealed, c.expires_at, "
                "c.updated_at FROM connected_accounts a, credentials c "
                "WHERE c.account_id = :real AND a.id <> :real"
            ),
            {"real": account_id},
        )
    accounts_s = time.perf_counter() - started
    started = time.perf_counter()
    batch = 1_000_000
    now = datetime.now(UTC)
    for first in range(0, EVENTS, batch):
        async with gw.services.db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO audit_events (event_id, at, kind, connection_name, "
                    "identifier, tool_name, method, path, outcome, http_status, duration_ms) "
                    "SELECT md5('e' || n), CAST(:now AS timestamptz) - "
                    "(n * interval '90 days' / CAST(:events AS int)), "
                    "CASE WHEN n % 3 = 0 THEN 'proxy' ELSE 'tool' END, 'attio', "
                    "'user-' || (n % CAST(:accounts AS int)), 'attio_tool_' || (n % 58), 'GET', "
                    "'/v2/objects', CASE WHEN n % 50 = 0 THEN 'error' ELSE 'success' END, "
                    "200, n % 400 FROM generate_series(CAST(:first AS int), CAST(:last AS int)) n"
                ),
                {
                    "now": now,
                    "events": EVENTS,
                    "accounts": ACCOUNTS,
                    "first": first + 1,
                    "last": min(first + batch, EVENTS),
                },
            )
    async with gw.services.db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    return {
        "accounts_load_s": round(accounts_s, 1),
        "events_load_s": round(time.perf_counter() - started, 1),
    }


class Store:
    """One gateway store on its own PostgreSQL database, a connected user ``bench``, an API
    client, and ``attio-gateway serve`` on it."""

    def __init__(self, tmp: Path, name: str, redis_url: str | None) -> None:
        self.name = name
        self.settings = Settings(
            data_dir=tmp / name,
            database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
            redis_url=redis_url,
            attio_reads_per_second=100_000,
            attio_writes_per_second=100_000,
            audit_retention_days=0,  # this run measures growth, not its bound
        )
        self.gw = AsyncGateway(self.settings)

    async def open(self, emulator_url: str) -> None:
        await admin(f'CREATE DATABASE "{self.name}"')
        await self.gw.open()
        self.connection = await create_emulator_connection(self.gw, emulator_url)
        await connect_user(self.gw, "bench")
        for n in range(99):  # 100 accounts in all before any load
            await self.gw.actions.get_authorization_link(identifier=f"small-{n}")
        details = await self.gw.actions.get_connected_account_details(identifier="bench")
        self.account_id = details.connected_account.id
        self.credentials = await create_api_client(self.gw, name="bench")

    async def serve(self) -> None:
        from benchmarks.__main__ import GatewayServerProcess

        self.server = GatewayServerProcess(self.settings)
        self.http = await self.server.client(self.credentials)

    async def close(self) -> None:
        if hasattr(self, "server"):
            await self.http.aclose()
            self.server.stop()
        await self.gw.close()
        await admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def per_call(
    stores: dict[str, Store], path: str, redis: aioredis.Redis | None
) -> dict[str, Any]:
    """p50/p99 of one proxied GET through each store's SDK and server, in alternating
    rounds (the stores share the machine's load alike), and Redis commands per call."""
    samples: dict[str, list[float]] = {f"{s}_{k}": [] for s in stores for k in ("sdk", "http")}
    body = {"identifier": "bench", "path": path}
    for store in stores.values():  # warm both paths
        for _ in range(50):
            await store.gw.actions.request(identifier="bench", path=path)
            await store.http.post("/api/v1/proxy", json=body)
    commands = 0
    rounds = 6
    for _ in range(rounds):
        for label, store in stores.items():
            before = await redis_stats(redis)
            for _ in range(CALLS // rounds):
                started = time.perf_counter()
                await store.gw.actions.request(identifier="bench", path=path)
                samples[f"{label}_sdk"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await store.http.post("/api/v1/proxy", json=body)
                samples[f"{label}_http"].append((time.perf_counter() - started) * 1000)
            commands += (await redis_stats(redis))["commands"] - before["commands"] - 2
    result: dict[str, Any] = {
        key: {"p50_ms": round(statistics.median(values), 3), "p99_ms": p(values, 0.99)}
        for key, values in samples.items()
    }
    if redis is not None:
        result["redis_commands_per_call"] = round(commands / sum(map(len, samples.values())), 2)
        result["redis_used_memory_bytes"] = (await redis_stats(redis))["memory"]
    return result


async def run() -> dict[str, Any]:
    from benchmarks.__main__ import EmulatorProcess, machine

    redis = await redis_or_none()
    if redis is not None:
        await redis.flushdb()
    emulator = EmulatorProcess()
    results: dict[str, Any] = {
        "machine": machine(),
        "accounts": ACCOUNTS,
        "workspaces": WORKSPACES,
        "events": EVENTS,
        "redis": redis is not None,
    }
    suffix = uuid.uuid4().hex[:8]
    redis_url = REDIS_URL if redis is not None else None
    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            "small": Store(Path(tmp), f"attio_gateway_scale_small_{suffix}", redis_url),
            "full": Store(Path(tmp), f"attio_gateway_scale_full_{suffix}", redis_url),
        }
        try:
            for store in stores.values():
                await store.open(emulator.base_url)
            full = stores["full"]
            print(f"loading {ACCOUNTS} accounts and {EVENTS} events …", flush=True)
            results["load"] = await load(full.gw, full.account_id, full.connection.id)
            for store in stores.values():
                await store.serve()
            async with httpx.AsyncClient(
                base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.token}"}
            ) as direct:
                created = await direct.post(
                    "/v2/objects/companies/records", json={"data": {"values": {"name": "S"}}}
                )
            path = f"/v2/objects/companies/records/{created.json()['data']['id']['record_id']}"
            print("per call, 100 accounts and full size in turns …", flush=True)
            results["per_call"] = await per_call(stores, path, redis)
            print("queries …", flush=True)
            results["queries"] = await queries(full.gw)
            results["audit_bytes_per_million_events"] = await audit_size(full.gw)
        finally:
            for store in stores.values():
                await store.close()
            emulator.stop()
            if redis is not None:
                await redis.flushdb()
                await redis.aclose()
    calls = results["per_call"]
    for kind in ("sdk", "http"):
        small, loaded = calls[f"small_{kind}"]["p50_ms"], calls[f"full_{kind}"]["p50_ms"]
        results[f"{kind}_p50_growth_percent"] = round((loaded / small - 1) * 100, 1)
    return results


async def redis_stats(redis: aioredis.Redis | None) -> dict[str, int]:
    if redis is None:
        return {"commands": 0, "memory": 0}
    stats = await redis.info("stats")
    memory = await redis.info("memory")
    return {
        "commands": int(stats["total_commands_processed"]),
        "memory": int(memory["used_memory"]),
    }


async def queries(gw: AsyncGateway) -> dict[str, dict[str, float]]:
    actions = gw.actions
    deep = await actions.list_connected_accounts(page_size=500)
    for _ in range(40):  # 20,000 accounts in: a keyset page deep in the table
        if deep.next_page_token is None:
            break
        deep = await actions.list_connected_accounts(page_size=500, page_token=deep.next_page_token)
    token = deep.next_page_token
    since = datetime.now(UTC) - timedelta(hours=6)
    return {
        "accounts_first_page": await timed(
            lambda: actions.list_connected_accounts(page_size=50), QUERIES
        ),
        "accounts_deep_page": await timed(
            lambda: actions.list_connected_accounts(page_size=50, page_token=token), QUERIES
        ),
        "audit_by_identifier": await timed(
            lambda: gw.audit_events(identifier="user-4242", limit=50), QUERIES
        ),
        "audit_by_tool": await timed(
            lambda: gw.audit_events(tool_name="attio_tool_7", limit=50), QUERIES
        ),
        "audit_time_window": await timed(lambda: gw.audit_events(since=since, limit=50), QUERIES),
    }


async def audit_size(gw: AsyncGateway) -> int:
    async with gw.services.db.engine.connect() as conn:
        size = (
            await conn.execute(text("SELECT pg_total_relation_size('audit_events')"))
        ).scalar_one()
    return int(size * 1_000_000 / EVENTS)


def main() -> None:
    results = asyncio.run(run())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
