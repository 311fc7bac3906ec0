"""Budgets: at most N calls a minute and M writes a day, counted per identifier.

Counters are fixed windows (the minute, the UTC day) of the gateway's clock. A call takes
one unit of every budget that applies to it, all or none: when any is used up, none is
taken and the call is refused with the time the fullest window resets. With Redis the
counters live there (one Lua script checks and counts atomically, so every process shares
them); without, in this process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from attio_gateway.errors import BudgetExceededError, StorageError
from attio_gateway.permissions.models import Budget

__all__ = ["Counters", "MemoryCounters", "RedisCounters", "Unit", "take_budgets", "units_for"]

PREFIX = "attio-gw:budget"

# KEYS: counters; ARGV: limit and seconds to keep, per key. 0: taken; i: KEYS[i] is used up.
_TAKE = """
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[2 * i - 1]) then return i end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
end
return 0
"""


@dataclass(frozen=True)
class Unit:
    """One unit to take from one budget's window."""

    key: str
    limit: int
    budget_id: str
    period: str  # "minute" or "day"
    resets_at: float  # epoch seconds


class Counters:
    async def take(self, units: Sequence[Unit], now: float) -> Unit | None:
        """Take every unit, or none: the first used-up unit, or ``None`` when taken."""
        raise NotImplementedError


class MemoryCounters(Counters):
    def __init__(self) -> None:
        self._used: dict[str, tuple[int, float]] = {}
        self._lock = asyncio.Lock()

    async def take(self, units: Sequence[Unit], now: float) -> Unit | None:
        async with self._lock:
            if len(self._used) > 100_000:
                self._used = {k: v for k, v in self._used.items() if v[1] > now}
            for unit in units:
                if self._used.get(unit.key, (0, 0.0))[0] >= unit.limit:
                    return unit
            for unit in units:
                used, _ = self._used.get(unit.key, (0, unit.resets_at))
                self._used[unit.key] = (used + 1, unit.resets_at)
            return None


class RedisCounters(Counters):
    def __init__(self, client: aioredis.Redis) -> None:
        self._script = client.register_script(_TAKE)

    async def take(self, units: Sequence[Unit], now: float) -> Unit | None:
        args: list[int] = []
        for unit in units:
            args += [unit.limit, max(int(unit.resets_at - now), 0) + 60]
        try:
            result = int(await self._script(keys=[f"{PREFIX}:{u.key}" for u in units], args=args))
        except RedisError as exc:
            raise StorageError(f"the budgets' Redis could not be used: {exc}") from exc
        return units[result - 1] if result else None


def units_for(
    budgets: Sequence[Budget], *, identifier: str, toolset: str | None, write: bool, now: datetime
) -> list[Unit]:
    """The units a call by ``identifier`` (bound to ``toolset``) takes at ``now``."""
    units: list[Unit] = []
    epoch = now.timestamp()
    minute = int(epoch // 60)
    day = int(epoch // 86_400)
    for budget in budgets:
        if budget.identifier is not None and budget.identifier != identifier:
            continue
        if budget.toolset is not None and budget.toolset != toolset:
            continue
        who = f"{budget.id}:{identifier}"
        if budget.calls_per_minute is not None:
            units.append(
                Unit(
                    f"{who}:m{minute}",
                    budget.calls_per_minute,
                    budget.id,
                    "minute",
                    (minute + 1) * 60.0,
                )
            )
        if write and budget.writes_per_day is not None:
            units.append(
                Unit(f"{who}:d{day}", budget.writes_per_day, budget.id, "day", (day + 1) * 86_400.0)
            )
    return units


async def take_budgets(
    counters: Counters,
    budgets: Sequence[Budget],
    *,
    identifier: str,
    toolset: str | None,
    write: bool,
    now: datetime,
) -> None:
    """Count this call against its budgets.

    Raises:
        BudgetExceededError: a budget is used up (naming it, its window and when it resets).
    """
    units = units_for(budgets, identifier=identifier, toolset=toolset, write=write, now=now)
    if not units:
        return
    full = await counters.take(units, now.timestamp())
    if full is None:
        return
    resets = datetime.fromtimestamp(full.resets_at, UTC)
    what = "calls a minute" if full.period == "minute" else "writes a day"
    raise BudgetExceededError(
        f"Budget {full.budget_id!r} of {full.limit} {what} for {identifier!r} is used up; "
        f"it resets at {resets.isoformat()}.",
        budget_id=full.budget_id,
        period=full.period,
        limit=full.limit,
        reset_at=resets.isoformat(),
        retry_after=max(full.resets_at - now.timestamp(), 0.0),
    )
