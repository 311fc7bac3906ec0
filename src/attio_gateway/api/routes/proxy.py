"""The proxy: call Attio's REST API as a connected user; Attio's answer comes back as it was."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field

from attio_gateway.api.access import connection_of_account
from attio_gateway.api.deps import GatewayDep, ProxyClient
from attio_gateway.api.errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["proxy"], responses=ERROR_RESPONSES)

Text = Annotated[str, Field(min_length=1, max_length=500)]


class ProxyRequest(BaseModel):
    path: str = Field(pattern=r"^/\S*$", max_length=2000, examples=["/v2/objects"])
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    identifier: Text | None = None
    connected_account_id: Text | None = None
    connection_name: Text | None = None
    query_params: dict[str, str] | None = None
    body: Any = Field(default=None, description="Sent as JSON.")
    agent_run_id: str | None = Field(
        default=None, description="Your agent run's id, kept in the call's log entry."
    )
    approval_id: Text | None = Field(
        default=None, description="Run this call as approved (docs/permissions.md)."
    )


class ProxyResult(BaseModel):
    status_code: int
    headers: dict[str, str]
    body: Any = Field(description="Attio's JSON body, or its text when not JSON.")


@router.post("/proxy", response_model=ProxyResult)
async def proxy(
    request: ProxyRequest,
    gateway: GatewayDep,
    client: ProxyClient,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Send this write at most once per key."),
    ] = None,
    idempotency_force: Annotated[
        bool,
        Header(alias="Idempotency-Force", description="Resend a write whose outcome is unknown."),
    ] = False,
    idempotency_run: Annotated[
        str | None,
        Header(
            alias="Idempotency-Run",
            description="Derive the key from this run id and the request (instead of a key).",
        ),
    ] = None,
) -> Response:
    """Scope ``proxy``. With ``Idempotency-Key``, a write is sent at most once per key and
    a retry gets the stored answer (``idempotent-replayed: true``); docs/idempotency.md."""
    connection_name = await connection_of_account(
        gateway,
        client,
        connection_name=request.connection_name,
        identifier=request.identifier,
        connected_account_id=request.connected_account_id,
    )
    # Counted in /metrics by the gateway's call observer (api/metrics.py), once per call.
    response = await gateway.actions.request(
        connection_name=connection_name,
        identifier=request.identifier,
        connected_account_id=request.connected_account_id,
        path=request.path,
        method=request.method,
        query_params=request.query_params,
        json=request.body,
        idempotency_key=idempotency_key,
        force=idempotency_force,
        run_id=idempotency_run,
        agent_run_id=request.agent_run_id,
        approval_id=request.approval_id,
    )
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    keep = ("content-type", "x-request-id", "retry-after", "idempotent-replayed")
    headers = {k: v for k, v in response.headers.items() if k.lower() in keep}
    # Encoded here rather than through the response model: validating Attio's body (any
    # JSON) field by field cost more than the rest of the route. The shape is ProxyResult.
    result = {"status_code": response.status_code, "headers": headers, "body": body}
    return Response(json.dumps(result, separators=(",", ":")), media_type="application/json")
