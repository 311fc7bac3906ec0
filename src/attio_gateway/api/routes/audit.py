"""Audit events: what agents did, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from attio_gateway.api.access import connection_of_call
from attio_gateway.api.deps import AccountsReader, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk.models import AuditEvent

__all__ = ["router"]

router = APIRouter(prefix="/audit-events", tags=["audit"], responses=ERROR_RESPONSES)

Filter = Annotated[str | None, Query(min_length=1, max_length=500)]


class AuditEventList(BaseModel):
    audit_events: list[AuditEvent]


@router.get("", response_model=AuditEventList)
async def list_events(
    gateway: GatewayDep,
    client: AccountsReader,
    identifier: Filter = None,
    tool_name: Filter = None,
    outcome: Filter = None,
    kind: Filter = None,
    connection_name: Filter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> AuditEventList:
    """Scope ``accounts:read``; a client restricted to connections sees only theirs."""
    events = await gateway.audit_events(
        identifier=identifier,
        tool_name=tool_name,
        outcome=outcome,
        kind=kind,
        connection_name=connection_of_call(client, connection_name),
        limit=limit,
        offset=offset,
    )
    return AuditEventList(audit_events=events)
