"""What the call logs answer with, and what a call observer is told: plain models with no
database or HTTP stack behind them (the CLI and ``RemoteGateway`` import them without
loading the gateway). ``sdk.logs`` reads them from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from attio_gateway.sdk.models import AuditEvent

__all__ = [
    "ERROR_TIERS",
    "CallRecord",
    "ErrorTier",
    "LogOverview",
    "LogPage",
    "TierCount",
    "ToolCount",
]

ErrorTier = Literal["gateway", "attio", "policy"]
ERROR_TIERS: tuple[ErrorTier, ...] = ("gateway", "attio", "policy")


@dataclass(frozen=True)
class CallRecord:
    """One finished call, as a call observer is told of it."""

    kind: Literal["tool", "proxy"]
    tool_name: str | None
    #: ``success`` or ``error``.
    outcome: str
    error_code: str | None
    error_tier: ErrorTier | None
    #: Attio's HTTP status of a proxied call, when it answered.
    http_status: int | None
    duration_seconds: float
    agent_run_id: str | None


class LogPage(BaseModel):
    """One page of call logs, newest first; ``next_cursor`` reads the next (older) page."""

    logs: list[AuditEvent]
    next_cursor: str | None


class TierCount(BaseModel):
    error_tier: str | None
    error_code: str | None
    count: int


class ToolCount(BaseModel):
    #: The tool's name; ``None`` for proxied requests (``kind`` says ``proxy``).
    tool_name: str | None
    kind: str
    calls: int
    errors: int
    mean_duration_ms: float | None


class LogOverview(BaseModel):
    """Call logs summed over ``since``..``until``."""

    since: datetime
    until: datetime
    calls: int
    errors: int
    error_rate: float
    errors_by_tier: dict[str, int]
    errors_by_code: list[TierCount]
    tools: list[ToolCount]
    #: Nearest-rank percentiles of the calls' durations; ``None`` without calls.
    latency_p50_ms: int | None
    latency_p95_ms: int | None
