"""Toolsets, allow/ask/deny policies, approvals and budgets for agents (issue 17)."""
