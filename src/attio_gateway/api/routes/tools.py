"""Tools: the catalog (definitions with JSON schemas) and execution for a connected account."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field

from attio_gateway.api.access import connection_of_account
from attio_gateway.api.deps import GatewayDep, ToolsClient
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk import models

__all__ = ["router"]

router = APIRouter(prefix="/tools", tags=["tools"], responses=ERROR_RESPONSES)

Text = Annotated[str, Field(min_length=1, max_length=500)]


class ToolEntry(BaseModel):
    definition: dict[str, Any] = Field(description="name, description, input_schema, annotations")
    usable: bool
    missing_scopes: list[str]


class ToolList(BaseModel):
    tools: list[ToolEntry]
    next_page_token: str | None
    total_size: int


class ExecuteRequest(BaseModel):
    tool_name: Text
    tool_input: dict[str, Any] = Field(default_factory=dict)
    identifier: Text | None = None
    connected_account_id: Text | None = None
    connection_name: Text | None = None
    output: Literal["default", "compact"] = "default"
    agent_run_id: str | None = Field(
        default=None, description="Your agent run's id, kept in the call's log entry."
    )
    toolset: str | None = Field(
        default=None, min_length=1, max_length=100, description="Run only a tool of this toolset"
    )
    approval_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Run this call as approved (docs/permissions.md)",
    )


@router.get("", response_model=ToolList)
async def list_tools(
    gateway: GatewayDep,
    client: ToolsClient,
    identifier: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
    connection_name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    tool_name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    query: Annotated[str | None, Query(max_length=200)] = None,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
    page_token: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
    toolset: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> ToolList:
    """With ``identifier``, each tool says whether that user's grant allows it. Scope
    ``tools:execute``."""
    if identifier is not None or connection_name is not None:
        connection_name = await connection_of_account(
            gateway,
            client,
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=None,
        )
    result = await gateway.actions.list_tools(
        connection_name=connection_name,
        identifier=identifier,
        tool_name=tool_name,
        query=query,
        page_size=page_size,
        page_token=page_token,
        toolset=toolset,
    )
    return ToolList.model_validate(result)


class ToolSearchHit(BaseModel):
    name: str
    description: str
    status: Literal["ready", "needs_connection", "needs_scopes"] | None = Field(
        description="Whether the user can call it now (null when no user is named)"
    )
    missing_scopes: list[str]


class ToolSearchResult(BaseModel):
    query: str
    tools: list[ToolSearchHit]


@router.get("/search", response_model=ToolSearchResult)
async def search_tools(
    gateway: GatewayDep,
    client: ToolsClient,
    # query and limit are checked by actions.search_tools, so the remote SDK raises the
    # embedded one's ToolInputError.
    query: Annotated[str, Query(max_length=2000)],
    identifier: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
    connected_account_id: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
    connection_name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: int = 5,
) -> ToolSearchResult:
    """The best tools for a task in the user's words, best first, with that user's
    readiness (``ready``, ``needs_connection``, ``needs_scopes``). Scope ``tools:execute``."""
    if identifier is not None or connected_account_id is not None:
        connection_name = await connection_of_account(
            gateway,
            client,
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
    result = await gateway.actions.search_tools(
        query,
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
        limit=limit,
    )
    return ToolSearchResult.model_validate(result)


@router.post(
    "/execute",
    response_model=models.ExecuteToolResponse,
    responses={202: {"description": "Not run: a person approves it first (approval_required)"}},
)
async def execute_tool(
    body: ExecuteRequest,
    gateway: GatewayDep,
    client: ToolsClient,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Run this write at most once per key."),
    ] = None,
    idempotency_force: Annotated[
        bool,
        Header(alias="Idempotency-Force", description="Rerun a write whose outcome is unknown."),
    ] = False,
    idempotency_run: Annotated[
        str | None,
        Header(
            alias="Idempotency-Run",
            description="Derive the key from this run id and the call (instead of a key).",
        ),
    ] = None,
) -> models.ExecuteToolResponse:
    """Scope ``tools:execute``. With ``Idempotency-Key``, a write tool runs at most once
    per key and a retry gets the stored result (docs/idempotency.md)."""
    # Counted in /metrics by the gateway's call observer (api/metrics.py), once per call.
    connection_name = await connection_of_account(
        gateway,
        client,
        connection_name=body.connection_name,
        identifier=body.identifier,
        connected_account_id=body.connected_account_id,
    )
    return await gateway.actions.execute_tool(
        tool_input=body.tool_input,
        tool_name=body.tool_name,
        identifier=body.identifier,
        connected_account_id=body.connected_account_id,
        connection_name=connection_name,
        output=body.output,
        idempotency_key=idempotency_key,
        force=idempotency_force,
        run_id=idempotency_run,
        agent_run_id=body.agent_run_id,
        toolset=body.toolset,
        approval_id=body.approval_id,
    )
