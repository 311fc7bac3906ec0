"""The permissions' models for front ends, which reach the core only through ``sdk``:
toolsets, policy rules, decisions, budgets (docs/permissions.md)."""

from attio_gateway.permissions.approvals import Approval
from attio_gateway.permissions.models import Budget, Decision, PolicyRule, Toolset, ToolsetTool

__all__ = ["Approval", "Budget", "Decision", "PolicyRule", "Toolset", "ToolsetTool"]
