"""Attio-aware client-side rate limiting: 100 reads/s and 25 writes/s per workspace.

A limiter *waits* for a slot rather than failing, so bursts are smoothed below Attio's
limits instead of being answered with 429. ``InProcessRateLimiter`` serves one process;
``RedisRateLimiter`` shares the same slots across any number of processes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from attio_gateway.config import Settings
from attio_gateway.errors import StorageError

__all__ = [
    "CALL_RECORDING_CREATE",
    "READ_METHODS",
    "InProcessRateLimiter",
    "Limits",
    "RateLimiter",
    "RedisRateLimiter",
    "is_read",
    "rate_limiter_from_settings",
    "redis_client",
    "slots_for",
]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The bucket of Attio's stricter limit on attaching call recordings (1 a second), taken
#: on top of a write slot; passed to ``acquire`` in place of a method.
CALL_RECORDING_CREATE = "CALL_RECORDING_CREATE"
_CALL_RECORDING_PATH = re.compile(r"^/v2/meetings/[^/]+/call_recordings$")


def is_read(method: str, path: str) -> bool:
    """Whether Attio counts a request against its read limit. Record and entry queries and
    search are POSTs that only read (they need read scopes only), so they count as reads
    (which limit Attio applies to them is unconfirmed; the emulator does the same)."""
    if method.upper() in READ_METHODS:
        return True
    bare = path.split("?")[0].rstrip("/")
    return method.upper() == "POST" and (
        bare.endswith("/query") or bare.endswith("/v2/objects/records/search")
    )


def slots_for(method: str, path: str) -> tuple[str, ...]:
    """What to ``acquire`` before sending ``method path``: a read slot for reads (read-only
    POSTs included), a write slot for writes, and for attaching a call recording
    (``POST /v2/meetings/{id}/call_recordings``, 1 a second: API-NOTES §3) a slot of that
    stricter limit too."""
    if is_read(method, path):
        return ("GET",)
    if method.upper() == "POST" and _CALL_RECORDING_PATH.match(path.split("?")[0].rstrip("/")):
        return (method, CALL_RECORDING_CREATE)
    return (method,)


@dataclass(frozen=True)
class Limits:
    reads_per_second: float = 100
    writes_per_second: float = 25
    call_recording_creates_per_second: float = 1
    #: Share of Attio's limit to use. Requests leave evenly spaced; the remaining 3% (three
    #: requests a second at the read limit) absorbs arrivals bunched by network or server
    #: jitter inside Attio's one-second window.
    headroom: float = 0.97
    #: A request whose slot came while its process was busy (an event-loop stall, a slow
    #: Redis round trip) and that wakes later than this takes a new slot instead of leaving
    #: together with the requests sent on time after it, which could overfill the window.
    late_after: float = 0.015

    def interval(self, method: str) -> tuple[str, float]:
        """The bucket kind and the spacing between two requests of ``method``, in seconds."""
        if method.upper() in READ_METHODS:
            return "read", 1.0 / (self.reads_per_second * self.headroom)
        if method == CALL_RECORDING_CREATE:
            return "call-recording", 1.0 / (self.call_recording_creates_per_second * self.headroom)
        return "write", 1.0 / (self.writes_per_second * self.headroom)


async def _wait_for_slot(take_slot: Callable[[], Awaitable[float]], late_after: float) -> None:
    """Take a slot and sleep until it. A slot that passed while this process was busy is
    given up once for a new one (a second late wake-up goes anyway: a saturated process
    would otherwise never send)."""
    for attempt in (1, 2):
        wait = await take_slot()
        if wait <= 0:
            return
        started = time.monotonic()
        await asyncio.sleep(wait)
        if time.monotonic() - started - wait <= late_after or attempt == 2:
            return


class RateLimiter(Protocol):
    async def acquire(self, key: str, method: str) -> None:
        """Wait until a request of ``method`` may be sent for workspace ``key``."""


class InProcessRateLimiter:
    """Evenly spaced slots per (workspace, read/write) — the generic cell rate algorithm:
    each request takes the next free slot and waits for it."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._next_free: dict[tuple[str, str], float] = {}

    async def acquire(self, key: str, method: str) -> None:
        kind, interval = self.limits.interval(method)
        bucket = (key, kind)

        async def take_slot() -> float:
            now = time.monotonic()
            slot = max(now, self._next_free.get(bucket, now))
            self._next_free[bucket] = slot + interval
            return slot - now

        await _wait_for_slot(take_slot, self.limits.late_after)


# The same slots kept in Redis (theoretical arrival time per key, in microseconds of
# Redis' own clock, so processes on different hosts agree). Returns the wait in µs.
_NEXT_SLOT = """
local key, interval = KEYS[1], tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local free = tonumber(redis.call('GET', key) or now)
local slot = math.max(now, free)
redis.call('SET', key, slot + interval, 'PX', math.ceil((slot + interval - now) / 1000) + 1000)
return slot - now
"""


class RedisRateLimiter:
    """The same evenly spaced slots, kept in Redis so every gateway process shares them."""

    def __init__(
        self, client: aioredis.Redis, limits: Limits | None = None, *, prefix: str = "attio-gw"
    ) -> None:
        self.client = client
        self.limits = limits or Limits()
        self.prefix = prefix
        self._script = client.register_script(_NEXT_SLOT)

    async def acquire(self, key: str, method: str) -> None:
        kind, interval = self.limits.interval(method)
        redis_key = f"{self.prefix}:ratelimit:{key}:{kind}"

        async def take_slot() -> float:
            try:
                wait_us = await self._script(keys=[redis_key], args=[int(interval * 1_000_000)])
            except RedisError as exc:
                # Sending without the shared limiter could break Attio's limit everywhere.
                raise StorageError(f"the rate limiter's Redis could not be used: {exc}") from exc
            return int(wait_us) / 1_000_000

        await _wait_for_slot(take_slot, self.limits.late_after)


def redis_client(url: str, *, max_connections: int = 50) -> aioredis.Redis:
    """A Redis client whose pool *waits* for a free connection: a burst of requests must
    queue for the limiter, not fail with "Too many connections" (redis-py's default pool)."""
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=max_connections)
    return aioredis.Redis.from_pool(pool)  # closing the client closes the pool


def rate_limiter_from_settings(settings: Settings, limits: Limits | None = None) -> RateLimiter:
    """The Redis limiter when ``settings.redis_url`` is set (shared by every process),
    else the in-process one."""
    limits = limits or Limits(
        reads_per_second=settings.attio_reads_per_second,
        writes_per_second=settings.attio_writes_per_second,
    )
    if settings.redis_url:
        return RedisRateLimiter(redis_client(settings.redis_url), limits)
    return InProcessRateLimiter(limits)
