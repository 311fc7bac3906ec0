"""Permissions: toolsets, policy rules (allow / deny / ask), the dry evaluation, budgets.

Reading needs the scope ``accounts:read`` or ``connections:admin``; changing needs
``connections:admin`` on a client not restricted to some connections (rules and budgets
hold for every connection). Bodies are checked by the SDK, so a bad value is a 400 naming
the field exactly as the SDK and CLI name it (docs/permissions.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from attio_gateway.api.deps import ApiClientDep, ConnectionsAdmin, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.errors import InsufficientScopeError, PermissionDeniedError
from attio_gateway.sdk.admin import ApiClient
from attio_gateway.sdk.permissions import Approval, Budget, Decision, PolicyRule, Toolset

__all__ = ["router"]

router = APIRouter(tags=["permissions"], responses=ERROR_RESPONSES)

Name = Annotated[str, Path(min_length=1, max_length=100)]
JsonBody = Annotated[dict[str, Any], Body()]


def _may_read(client: ApiClient) -> None:
    if not (client.has_scope("accounts:read") or client.has_scope("connections:admin")):
        raise InsufficientScopeError(
            "Reading permissions needs the scope 'accounts:read' or 'connections:admin'.",
            required_scope="accounts:read",
        )


def _may_change(client: ApiClient) -> None:
    if client.connections is not None:
        raise PermissionDeniedError(
            "Toolsets, rules and budgets hold for every connection: an API client "
            "restricted to some connections may not change them."
        )


class ToolsetList(BaseModel):
    toolsets: list[Toolset]


class RuleList(BaseModel):
    rules: list[PolicyRule]


class BudgetList(BaseModel):
    budgets: list[Budget]


class DefaultEffect(BaseModel):
    effect: str = Field(description="allow, deny or ask: what happens when no rule matches")


class RulesFileBody(BaseModel):
    text: str = Field(max_length=5_000_000, description="The YAML (or JSON) rules file")
    source: str = Field(
        min_length=1, max_length=200, description="Its name; a reload replaces its rules"
    )


# --- toolsets ------------------------------------------------------------------------------


@router.get("/toolsets", response_model=ToolsetList)
async def list_toolsets(gateway: GatewayDep, client: ApiClientDep) -> ToolsetList:
    _may_read(client)
    return ToolsetList(toolsets=await gateway.toolsets.list())


@router.post("/toolsets", response_model=Toolset, status_code=status.HTTP_201_CREATED)
async def create_toolset(body: JsonBody, gateway: GatewayDep, client: ConnectionsAdmin) -> Toolset:
    """``{"name", "description", "tools": ["tool", {"name", "fixed_arguments"}]}``."""
    _may_change(client)
    return await gateway.toolsets.create(
        str(body.get("name", "")),
        description=body.get("description", ""),
        tools=body.get("tools", []),
    )


@router.get("/toolsets/{name}", response_model=Toolset)
async def get_toolset(name: Name, gateway: GatewayDep, client: ApiClientDep) -> Toolset:
    _may_read(client)
    return await gateway.toolsets.get(name)


@router.patch("/toolsets/{name}", response_model=Toolset)
async def update_toolset(
    name: Name, body: JsonBody, gateway: GatewayDep, client: ConnectionsAdmin
) -> Toolset:
    """``description`` and/or ``tools`` (the whole new list); the version grows by one."""
    _may_change(client)
    return await gateway.toolsets.update(
        name, tools=body.get("tools"), description=body.get("description")
    )


@router.delete("/toolsets/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_toolset(name: Name, gateway: GatewayDep, client: ConnectionsAdmin) -> Response:
    """Refused (409) while a rule or budget names the toolset."""
    _may_change(client)
    await gateway.toolsets.delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- policy rules --------------------------------------------------------------------------


@router.get("/policies/rules", response_model=RuleList)
async def list_rules(gateway: GatewayDep, client: ApiClientDep) -> RuleList:
    _may_read(client)
    return RuleList(rules=await gateway.policies.list())


@router.post("/policies/rules", response_model=PolicyRule, status_code=status.HTTP_201_CREATED)
async def create_rule(body: JsonBody, gateway: GatewayDep, client: ConnectionsAdmin) -> PolicyRule:
    """``{"id"?, "description"?, "match": {...}, "effect": "allow|deny|ask", "message"?}``;
    a rule that could never match is refused naming the field."""
    _may_change(client)
    return await gateway.policies.create(body)


@router.get("/policies/rules/{rule_id}", response_model=PolicyRule)
async def get_rule(rule_id: Name, gateway: GatewayDep, client: ApiClientDep) -> PolicyRule:
    _may_read(client)
    return await gateway.policies.get(rule_id)


@router.patch("/policies/rules/{rule_id}", response_model=PolicyRule)
async def update_rule(
    rule_id: Name, body: JsonBody, gateway: GatewayDep, client: ConnectionsAdmin
) -> PolicyRule:
    _may_change(client)
    body.pop("id", None)
    return await gateway.policies.update(rule_id, **{str(k): v for k, v in body.items()})


@router.delete("/policies/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule_id: Name, gateway: GatewayDep, client: ConnectionsAdmin) -> Response:
    _may_change(client)
    await gateway.policies.delete(rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/policies/default", response_model=DefaultEffect)
async def get_default(gateway: GatewayDep, client: ApiClientDep) -> DefaultEffect:
    _may_read(client)
    return DefaultEffect(effect=await gateway.policies.default())


@router.put("/policies/default", response_model=DefaultEffect)
async def set_default(
    body: DefaultEffect, gateway: GatewayDep, client: ConnectionsAdmin
) -> DefaultEffect:
    _may_change(client)
    return DefaultEffect(effect=await gateway.policies.set_default(body.effect))


@router.post("/policies/load", response_model=RuleList)
async def load_rules(
    body: RulesFileBody, gateway: GatewayDep, client: ConnectionsAdmin
) -> RuleList:
    """Replace the rules loaded from ``source`` by the file's (one transaction)."""
    _may_change(client)
    return RuleList(rules=await gateway.policies.load(body.text, source=body.source))


class EvaluateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tool_name: str | None = Field(default=None, min_length=1, max_length=200)
    tool_input: dict[str, Any] | None = None
    method: str | None = Field(default=None, min_length=1, max_length=10)
    path: str | None = Field(default=None, min_length=1, max_length=2000)
    json_body: Any = Field(default=None, alias="json")
    identifier: str | None = Field(default=None, min_length=1, max_length=500)
    connection_name: str | None = Field(default=None, min_length=1, max_length=200)
    toolset: str | None = Field(default=None, min_length=1, max_length=100)


@router.post("/policies/evaluate", response_model=Decision)
async def evaluate(body: EvaluateBody, gateway: GatewayDep, client: ApiClientDep) -> Decision:
    """What would happen to a call (nothing is sent or counted): ``tool_name`` and
    ``tool_input``, or ``method``, ``path`` and ``json``; ``identifier``,
    ``connection_name``, ``toolset``."""
    _may_read(client)
    return await gateway.policies.evaluate(
        tool_name=body.tool_name,
        tool_input=body.tool_input,
        method=body.method,
        path=body.path,
        json=body.json_body,
        identifier=body.identifier,
        connection_name=body.connection_name,
        toolset=body.toolset,
    )


# --- budgets -------------------------------------------------------------------------------


@router.get("/budgets", response_model=BudgetList)
async def list_budgets(gateway: GatewayDep, client: ApiClientDep) -> BudgetList:
    _may_read(client)
    return BudgetList(budgets=await gateway.budgets.list())


@router.post("/budgets", response_model=Budget, status_code=status.HTTP_201_CREATED)
async def create_budget(body: JsonBody, gateway: GatewayDep, client: ConnectionsAdmin) -> Budget:
    """``{"id"?, "identifier"?, "toolset"?, "calls_per_minute"?, "writes_per_day"?}``."""
    _may_change(client)
    return await gateway.budgets.create(body)


@router.delete("/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_budget(budget_id: Name, gateway: GatewayDep, client: ConnectionsAdmin) -> Response:
    _may_change(client)
    await gateway.budgets.delete(budget_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- approvals -----------------------------------------------------------------------------


class ApprovalList(BaseModel):
    approvals: list[Approval]


class Decide(BaseModel):
    by: str = Field(default="api", min_length=1, max_length=200, description="Who decides")
    reason: str | None = Field(default=None, max_length=2000)


@router.get("/approvals", response_model=ApprovalList)
async def list_approvals(
    gateway: GatewayDep,
    client: ApiClientDep,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ApprovalList:
    """Newest first; ``status``: pending, approved, denied, executed."""
    _may_read(client)
    return ApprovalList(approvals=await gateway.approvals.list(status=status_, limit=limit))


@router.get("/approvals/{approval_id}", response_model=Approval)
async def get_approval(approval_id: Name, gateway: GatewayDep, client: ApiClientDep) -> Approval:
    _may_read(client)
    return await gateway.approvals.get(approval_id)


@router.post("/approvals/{approval_id}/approve", response_model=Approval)
async def approve(
    approval_id: Name, body: Decide, gateway: GatewayDep, client: ConnectionsAdmin
) -> Approval:
    """Approve a pending call (409 when it is not pending); the caller then submits it
    again with ``approval_id`` and it runs once."""
    _may_change(client)
    return await gateway.approvals.approve(approval_id, by=body.by)


@router.post("/approvals/{approval_id}/deny", response_model=Approval)
async def deny(
    approval_id: Name, body: Decide, gateway: GatewayDep, client: ConnectionsAdmin
) -> Approval:
    _may_change(client)
    return await gateway.approvals.deny(approval_id, by=body.by, reason=body.reason)
