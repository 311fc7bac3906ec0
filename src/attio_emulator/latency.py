"""Added latency on ``/v2`` requests, so a client is paced as it would be over the internet.

Over loopback an unpaced client sends writes far faster than it could to Attio, and meets
the (correct) 25 writes/s limit where against Attio it rarely would. ``Latency`` delays
every ``/v2`` answer by a fixed time, or by a sample from a log-normal distribution given
by its median and 95th percentile (the shape response times usually have: most near the
median, a long tail). Set with ``attio-emulator serve --latency``, ``POST
/_emulator/latency`` or the pytest fixture; unlike ``/_emulator/faults`` it never runs out.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field
from typing import Any

from attio_emulator.core.state import EmulatorState

#: ``state.options`` key of the active ``Latency`` (absent: none).
LATENCY = "latency"
#: z-score of the 95th percentile of a normal distribution.
_Z95 = 1.6448536269514722


@dataclass
class Latency:
    """``fixed_ms`` alone, or ``median_ms`` and ``p95_ms`` (log-normal), capped at ``max_ms``."""

    fixed_ms: float = 0.0
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float = 10_000.0
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.fixed_ms < 0 or self.max_ms < 0:
            raise ValueError("latency must not be negative")
        if (self.median_ms is None) != (self.p95_ms is None):
            raise ValueError("a latency distribution needs both median_ms and p95_ms")
        if self.median_ms is not None and self.p95_ms is not None:
            if self.fixed_ms:
                raise ValueError("choose fixed_ms or median_ms/p95_ms, not both")
            if not 0 < self.median_ms <= self.p95_ms:
                raise ValueError("median_ms must be above 0 and at most p95_ms")
        if self.seed is not None:
            self._rng.seed(self.seed)

    @classmethod
    def parse(cls, text: str) -> Latency:
        """``"120"`` (fixed ms) or ``"120/400"`` (median/p95 ms); ``ValueError`` naming the form."""
        median, slash, p95 = text.partition("/")
        try:
            if not slash:
                return cls(fixed_ms=float(median))
            return cls(median_ms=float(median), p95_ms=float(p95))
        except ValueError as exc:
            raise ValueError(
                f"latency {text!r}: expected MS (fixed) or MEDIAN_MS/P95_MS ({exc})"
            ) from None

    def sample_ms(self) -> float:
        if self.median_ms is None or self.p95_ms is None:
            return min(self.fixed_ms, self.max_ms)
        sigma = math.log(self.p95_ms / self.median_ms) / _Z95
        return min(self._rng.lognormvariate(math.log(self.median_ms), sigma), self.max_ms)

    def describe(self) -> dict[str, Any]:
        return {
            "fixed_ms": self.fixed_ms,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "max_ms": self.max_ms,
        }


def current(state: EmulatorState) -> Latency | None:
    latency = state.options.get(LATENCY)
    return latency if isinstance(latency, Latency) else None


async def delay(state: EmulatorState, path: str) -> None:
    """Wait the configured latency before a ``/v2`` request is handled."""
    latency = current(state)
    if latency is None or not path.startswith("/v2"):
        return
    ms = latency.sample_ms()
    if ms > 0:
        await asyncio.sleep(ms / 1000)
