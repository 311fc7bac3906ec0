"""Toolsets, allow/ask/deny policies, approvals and budgets for agents (docs/permissions.md)."""
