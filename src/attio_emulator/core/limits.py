"""Attio's rate limits and injectable faults, applied to every ``/v2`` request.

Rate limits (API-NOTES §3): 100 reads/s and 25 writes/s per token by default, answered
with 429 and ``Retry-After`` as an HTTP date; creating a call recording is further limited
to 1/s (Attio's spec). Faults (off by default, set through
``/_emulator/faults``) make a client's retry safety testable: added latency, a share of
5xx answers, and "accept then fail" — the write is applied but the answer is a 5xx.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx

READS = frozenset({"GET", "HEAD", "OPTIONS"})
_CALL_RECORDING_CREATE = re.compile(r"^/v2/meetings/[^/]+/call_recordings/?$")


def is_read(method: str, path: str) -> bool:
    """Queries and search are POSTs that only read: they count against the read limit."""
    bare = path.rstrip("/")
    return method in READS or (
        method == "POST" and (bare.endswith("/query") or bare == "/v2/objects/records/search")
    )


@dataclass
class Limits:
    reads_per_second: int = 100
    writes_per_second: int = 25
    enabled: bool = True
    #: ``POST /v2/meetings/{id}/call_recordings``, on top of the write limit.
    call_recording_creates_per_second: int = 1
    _sent: dict[tuple[str, str], deque[float]] = field(default_factory=dict, repr=False)
    #: How many requests were answered 429 (tests and benchmarks read it).
    rejected: int = 0
    #: Where the one-second windows read the time: a test may stop it, so that how many
    #: requests fit in a window does not depend on how fast a loaded machine sends them.
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def check(self, key: str, method: str, path: str = "") -> datetime | None:
        """Count the request; if over the limit, the moment it may be retried."""
        if not self.enabled:
            return None
        kind = "read" if is_read(method, path) else "write"
        buckets = [(kind, self.reads_per_second if kind == "read" else self.writes_per_second)]
        if method == "POST" and _CALL_RECORDING_CREATE.match(path):
            buckets.append(("call_recording_create", self.call_recording_creates_per_second))
        now = self.clock()
        windows = []
        for bucket, limit in buckets:
            sent = self._sent.setdefault((key, bucket), deque())
            while sent and sent[0] <= now - 1.0:
                sent.popleft()
            if len(sent) >= limit:
                self.rejected += 1
                oldest = sent[0] if sent else now  # a limit of 0: every request waits 1 s
                wall = datetime.now(UTC) + timedelta(seconds=oldest + 1.0 - now)
                # Attio names the next whole second.
                return wall.replace(microsecond=0) + timedelta(seconds=1)
            windows.append(sent)
        # Counted only once every bucket has room: a refused request uses no budget.
        for sent in windows:
            sent.append(now)
        return None


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    #: Writes are applied, then answered with a 5xx.
    accept_then_fail: bool = False
    #: Share of requests whose connection is dropped before any answer.
    reset_rate: float = 0.0
    #: Apply to this many more matching requests only (None: until cleared).
    remaining: int | None = None
    path_prefix: str = "/v2"
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng.seed(self.seed)

    def applies(self, path: str) -> bool:
        if not path.startswith(self.path_prefix):
            return False
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def reset_due(self) -> bool:
        return self.reset_rate > 0 and self._rng.random() < self.reset_rate

    def fail_status(self) -> int | None:
        if self.error_rate > 0 and self._rng.random() < self.error_rate:
            return self._rng.choice(self.error_statuses)
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "error_statuses": self.error_statuses,
            "accept_then_fail": self.accept_then_fail,
            "reset_rate": self.reset_rate,
            "remaining": self.remaining,
            "path_prefix": self.path_prefix,
        }


class InjectedReset(Exception):
    """Raised by the fault middleware; ``ResetConnections`` turns it into a dropped connection."""


class ResetConnections:
    """Pure ASGI middleware: on ``InjectedReset``, start an answer and abort it, so the
    server closes the connection mid-response (over HTTP the client sees the peer
    disconnect; in process, httpx's ASGI transport raises ``RemoteProtocolError``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except InjectedReset:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"64")],
                }
            )
            raise httpx.RemoteProtocolError("Connection reset (emulator fault).") from None


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


async def sleep_ms(ms: int) -> None:
    if ms > 0:
        await asyncio.sleep(ms / 1000)
