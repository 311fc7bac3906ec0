"""Call logs: tool calls and proxied requests by filters with a cursor, and the overview
numbers of a window (docs/operations.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from attio_gateway.api.access import connection_of_call
from attio_gateway.api.deps import AccountsReader, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk.logmodels import LogOverview, LogPage

__all__ = ["router"]

router = APIRouter(prefix="/logs", tags=["logs"], responses=ERROR_RESPONSES)

Filter = Annotated[str | None, Query(min_length=1, max_length=500)]
Time = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        description="ISO 8601 (2026-12-07T16:00:00Z) or a span back from now (30m, 24h, 7d)",
    ),
]


@router.get("", response_model=LogPage)
async def list_logs(
    gateway: GatewayDep,
    client: AccountsReader,
    kind: Annotated[str | None, Query(description="tool or proxy")] = None,
    identifier: Filter = None,
    connection_name: Filter = None,
    tool_name: Filter = None,
    outcome: Annotated[str | None, Query(description="success or error")] = None,
    error_tier: Annotated[str | None, Query(description="gateway, attio or policy")] = None,
    error_code: Filter = None,
    agent_run_id: Filter = None,
    since: Time = None,
    until: Time = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=40, description="a page's next_cursor")] = None,
) -> LogPage:
    """Tool calls and proxied requests, newest first; every filter given must match.
    Scope ``accounts:read``; a client restricted to connections sees only theirs."""
    return await gateway.logs.query(
        kind=kind,
        identifier=identifier,
        connection_name=connection_of_call(client, connection_name),
        tool_name=tool_name,
        outcome=outcome,
        error_tier=error_tier,
        error_code=error_code,
        agent_run_id=agent_run_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )


@router.get("/overview", response_model=LogOverview)
async def overview(
    gateway: GatewayDep,
    client: AccountsReader,
    since: Time = "24h",
    until: Time = None,
    connection_name: Filter = None,
    identifier: Filter = None,
    agent_run_id: Filter = None,
) -> LogOverview:
    """Totals, errors by tier and code, per-tool counts and p50/p95 latency from ``since``
    (default: the last 24 hours) to ``until`` (default: now). Scope ``accounts:read``."""
    return await gateway.logs.overview(
        since=since,
        until=until,
        connection_name=connection_of_call(client, connection_name),
        identifier=identifier,
        agent_run_id=agent_run_id,
    )
