"""The gateway's one clock: every "now" the gateway reads comes from a ``Clock``.

``AsyncGateway(settings, clock=...)`` takes one and hands it to each service it builds;
by default the system's. Tests pass a clock they move themselves instead of patching
module functions.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


class Clock(Protocol):
    """What the gateway asks of a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC): stored, compared with deadlines."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: for intervals inside one process."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK: Clock = SystemClock()
