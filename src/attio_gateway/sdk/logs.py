"""Call logs: every tool call and proxied request as the audit log holds it, with its
duration, who failed it (the error tier) and the caller's agent run id; queried by filters
with a cursor, and summed up over a window (docs/operations.md).

Error tiers:

- ``attio``: Attio answered with an error (an ``UpstreamError``, a proxied non-2xx answer,
  or a token Attio refused);
- ``policy``: a rule refused the call before it left (the account is not connected or not
  active, the grant lacks a scope, the caller may not act);
- ``gateway``: everything else the gateway refused or failed at (unknown tool, bad input,
  idempotency conflicts, storage).

``CallRecord`` is what a call observer (``AsyncGateway.call_observers``) is told after
each call: the server counts its Prometheus metrics from it, once per call whichever front
end made it.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    AccountNotActiveError,
    InvalidInputError,
    MissingScopesError,
    PermissionDeniedError,
    ToolInputError,
    UpstreamError,
)
from attio_gateway.sdk.auditlog import Audit
from attio_gateway.sdk.logmodels import (
    ERROR_TIERS,
    CallRecord,
    ErrorTier,
    LogOverview,
    LogPage,
    TierCount,
    ToolCount,
)
from attio_gateway.sdk.models import AuditEvent
from attio_gateway.storage import Database
from attio_gateway.storage.queries import logs as q

__all__ = [
    "ERROR_TIERS",
    "CallRecord",
    "ErrorTier",
    "LogOverview",
    "LogPage",
    "Logs",
    "check_agent_run_id",
    "error_tier",
    "parse_time",
]

_RUN_ID = re.compile(r"[\x21-\x7e]{1,255}")
_RELATIVE = re.compile(r"(\d{1,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_PAGE = 1000
#: The largest row id an audit event can have (a 32-bit integer column).
_MAX_ROW_ID = 2**31 - 1


def error_tier(exc: BaseException) -> ErrorTier:
    """Who failed the call that raised ``exc`` (see the module's docstring)."""
    if isinstance(exc, UpstreamError):
        return "attio"
    if isinstance(exc, PermissionDeniedError | MissingScopesError | AccountNotActiveError):
        return "policy"
    return "gateway"


def check_agent_run_id(agent_run_id: str | None) -> str | None:
    """An agent run id is 1-255 visible ASCII characters (no spaces), or ``None``.

    Raises: ToolInputError naming ``agent_run_id``."""
    if agent_run_id is None:
        return None
    if not isinstance(agent_run_id, str) or not _RUN_ID.fullmatch(agent_run_id):
        raise ToolInputError(
            "agent_run_id must be 1-255 visible ASCII characters (no spaces), "
            f"got {agent_run_id!r}.",
            field="agent_run_id",
        )
    return agent_run_id


def parse_time(value: str | datetime | None, *, now: datetime, field: str) -> datetime | None:
    """A point in time: a datetime, an ISO 8601 text (a naive one is UTC), or a span back
    from ``now`` (``30m``, ``24h``, ``7d``, ``90s``).

    Raises: InvalidInputError naming ``field``."""
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            parsed = value
        elif relative := _RELATIVE.fullmatch(value.strip()):
            amount, unit = relative.groups()
            parsed = now - timedelta(**{_UNITS[unit]: int(amount)})
        else:
            parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)  # a time UTC cannot hold is refused here, not stored
    except (ValueError, OverflowError):
        raise InvalidInputError(
            f"{field} must be an ISO 8601 time (2026-12-07T16:00:00Z) or a span back from "
            f"now (30m, 24h, 7d), got {value!r}.",
            field=field,
        ) from None


def _cursor(row_id: int) -> str:
    return f"c{row_id}"


def _before_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not re.fullmatch(r"c\d{1,10}", cursor) or int(cursor[1:]) > _MAX_ROW_ID:
        raise InvalidInputError(
            f"cursor {cursor!r} is not one this API returned (next_cursor).", field="cursor"
        )
    return int(cursor[1:])


class Logs:
    """Reads the call logs of the audit log (``AsyncGateway.logs``)."""

    def __init__(self, db: Database, clock: Clock, audit: Audit) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit

    def _filter(
        self,
        *,
        kind: str | None = None,
        identifier: str | None = None,
        connection_name: str | None = None,
        tool_name: str | None = None,
        outcome: str | None = None,
        error_tier: str | None = None,
        error_code: str | None = None,
        agent_run_id: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
    ) -> q.CallLogFilter:
        if kind is not None and kind not in q.CALL_KINDS:
            raise InvalidInputError(f"kind must be tool or proxy, got {kind!r}.", field="kind")
        if outcome is not None and outcome not in ("success", "error"):
            raise InvalidInputError(
                f"outcome must be success or error, got {outcome!r}.", field="outcome"
            )
        if error_tier is not None and error_tier not in ERROR_TIERS:
            raise InvalidInputError(
                f"error_tier must be one of {', '.join(ERROR_TIERS)}, got {error_tier!r}.",
                field="error_tier",
            )
        now = self._clock.now()
        return q.CallLogFilter(
            kind=kind,
            identifier=identifier,
            connection_name=connection_name,
            tool_name=tool_name,
            outcome=outcome,
            error_tier=error_tier,
            error_code=error_code,
            agent_run_id=agent_run_id,
            since=parse_time(since, now=now, field="since"),
            until=parse_time(until, now=now, field="until"),
        )

    async def query(
        self,
        *,
        kind: str | None = None,
        identifier: str | None = None,
        connection_name: str | None = None,
        tool_name: str | None = None,
        outcome: str | None = None,
        error_tier: str | None = None,
        error_code: str | None = None,
        agent_run_id: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> LogPage:
        """Tool calls and proxied requests, newest first; every filter given must match.
        ``since`` and ``until`` take a datetime, ISO 8601 text or a span back from now
        (``24h``); ``cursor`` is a page's ``next_cursor``.

        Raises: InvalidInputError naming a filter that cannot match (an unknown kind,
        outcome or tier, a bad time or cursor, a limit outside 1-1000)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(
                f"limit must be between 1 and {MAX_PAGE}, got {limit}.", field="limit"
            )
        where = self._filter(
            kind=kind,
            identifier=identifier,
            connection_name=connection_name,
            tool_name=tool_name,
            outcome=outcome,
            error_tier=error_tier,
            error_code=error_code,
            agent_run_id=agent_run_id,
            since=since,
            until=until,
        )
        before = _before_id(cursor)
        await self._audit.writer.flush()  # this process always reads its own calls
        rows = await q.list_call_logs(self._db, where=where, before_id=before, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        fields = AuditEvent.model_fields
        return LogPage(
            logs=[AuditEvent(**{k: getattr(r, k) for k in fields}) for _, r in rows],
            next_cursor=_cursor(rows[-1][0]) if more and rows else None,
        )

    async def overview(
        self,
        *,
        since: str | datetime | None = "24h",
        until: str | datetime | None = None,
        connection_name: str | None = None,
        identifier: str | None = None,
        agent_run_id: str | None = None,
    ) -> LogOverview:
        """Totals, errors by tier and by code, per-tool counts and p50/p95 latency of the
        calls from ``since`` (default: the last 24 hours) to ``until`` (default: now).

        Raises: InvalidInputError for a bad time, or ``since`` not before ``until``."""
        now = self._clock.now()
        start = parse_time(since, now=now, field="since") or now - timedelta(hours=24)
        end = parse_time(until, now=now, field="until") or now
        if start >= end:
            raise InvalidInputError(
                f"since ({start.isoformat()}) must be before until ({end.isoformat()}).",
                field="since",
            )
        where = self._filter(
            connection_name=connection_name,
            identifier=identifier,
            agent_run_id=agent_run_id,
            since=start,
            until=end,
        )
        await self._audit.writer.flush()
        by_outcome = await q.count_call_logs(self._db, where=where, by=("outcome",))
        calls = sum(int(row[1]) for row in by_outcome)
        errors = sum(int(row[1]) for row in by_outcome if row[0] != "success")
        failed = q.CallLogFilter(**{**where.__dict__, "outcome": "error"})
        by_code = await q.count_call_logs(self._db, where=failed, by=("error_tier", "error_code"))
        tiers: dict[str, int] = dict.fromkeys(ERROR_TIERS, 0)
        for tier, _, count, _ in by_code:
            # "unknown": errors logged before tiers were (migration 0011).
            tiers[tier or "unknown"] = tiers.get(tier or "unknown", 0) + int(count)
        per_tool = await q.count_call_logs(
            self._db, where=where, by=("kind", "tool_name", "outcome")
        )
        tools: dict[tuple[str, str | None], dict[str, Any]] = {}
        for kind, tool_name, outcome, count, total_ms in per_tool:
            entry = tools.setdefault((kind, tool_name), {"calls": 0, "errors": 0, "total_ms": 0})
            entry["calls"] += int(count)
            entry["total_ms"] += int(total_ms or 0)
            if outcome != "success":
                entry["errors"] += int(count)
        return LogOverview(
            since=start,
            until=end,
            calls=calls,
            errors=errors,
            error_rate=round(errors / calls, 4) if calls else 0.0,
            errors_by_tier=tiers,
            errors_by_code=sorted(
                (
                    TierCount(error_tier=tier, error_code=code, count=int(count))
                    for tier, code, count, _ in by_code
                ),
                key=lambda c: (-c.count, c.error_tier or "", c.error_code or ""),
            ),
            tools=sorted(
                (
                    ToolCount(
                        tool_name=tool_name,
                        kind=kind,
                        calls=entry["calls"],
                        errors=entry["errors"],
                        mean_duration_ms=round(entry["total_ms"] / entry["calls"], 1),
                    )
                    for (kind, tool_name), entry in tools.items()
                ),
                key=lambda t: (-t.calls, t.kind, t.tool_name or ""),
            ),
            latency_p50_ms=await self._percentile(where, 0.50),
            latency_p95_ms=await self._percentile(where, 0.95),
        )

    async def _percentile(self, where: q.CallLogFilter, p: float) -> int | None:
        """Nearest rank: the smallest duration at least ``p`` of the calls took at most."""
        count = await q.count_durations(self._db, where=where)
        if count == 0:
            return None
        return await q.duration_at_rank(
            self._db, where=where, rank=max(math.ceil(p * count), 1) - 1
        )
