"""Permissions over the HTTP API: toolsets, rules, the dry evaluation and budgets managed
through routes; a deny rule on ``values.stage == "Won"`` blocks exactly that call (403 with
the message and rule id); a bad rule is a 400 naming the field; a used-up budget is a 429
with the reset time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.gateway.api.conftest import Server, assert_error, connected, server, settings
from tests.gateway.conftest import FakeClock
from tests.gateway.permissions.test_approvals import ASK_WON

__all__ = ["connected", "server", "settings"]


async def execute(
    client: httpx.AsyncClient, name: str, arguments: dict[str, Any], **extra: Any
) -> httpx.Response:
    body = {"tool_name": name, "tool_input": arguments, "identifier": "alice", **extra}
    return await client.post("/api/v1/tools/execute", json=body)


async def new_deal(client: httpx.AsyncClient) -> str:
    members = await execute(client, "attio_list_workspace_members", {})
    owner = members.json()["data"]["data"][0]["id"]["workspace_member_id"]
    created = await execute(
        client, "attio_create_deal", {"values": {"name": "Big", "stage": "Lead", "owner": owner}}
    )
    assert created.status_code == 200, created.text
    return str(created.json()["data"]["data"]["id"]["record_id"])


async def test_deny_rule_over_http(connected: Server) -> None:
    client = connected.client
    deal = await new_deal(client)
    made = await client.post(
        "/api/v1/policies/rules",
        json={
            "id": "no-won",
            "match": {
                "tool": "attio_update_deal",
                "arguments": [{"path": "values.stage", "equals": "Won"}],
            },
            "effect": "deny",
            "message": "Only people mark deals as won.",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["specificity"] == 3
    denied = await execute(
        client, "attio_update_deal", {"record_id": deal, "values": {"stage": "Won"}}
    )
    error = assert_error(denied, 403, "policy_denied")
    assert error["message"] == "Only people mark deals as won." and error["rule_id"] == "no-won"
    passed = await execute(
        client, "attio_update_deal", {"record_id": deal, "values": {"stage": "Lost"}}
    )
    assert passed.status_code == 200, passed.text
    dry = await client.post(
        "/api/v1/policies/evaluate",
        json={"tool_name": "attio_update_deal", "tool_input": {"values": {"stage": "Won"}}},
    )
    assert dry.json() == {
        "effect": "deny",
        "rule_id": "no-won",
        "message": "Only people mark deals as won.",
        "specificity": 3,
    }
    events = (await client.get("/api/v1/audit-events?tool_name=attio_update_deal")).json()
    assert [(e["policy_effect"], e["policy_rule_id"]) for e in events["audit_events"]] == [
        ("allow", None),
        ("deny", "no-won"),
    ]
    listed = (await client.get("/api/v1/policies/rules")).json()
    assert [r["id"] for r in listed["rules"]] == ["no-won"]
    assert (await client.delete("/api/v1/policies/rules/no-won")).status_code == 204
    assert_error(await client.get("/api/v1/policies/rules/no-won"), 404, "not_found")


async def test_bad_rule_is_a_400_naming_the_field(connected: Server) -> None:
    answer = await connected.client.post(
        "/api/v1/policies/rules", json={"match": {"tool": "attio_nope"}, "effect": "deny"}
    )
    assert assert_error(answer, 400, "invalid_input")["field"] == "match.tool"
    loaded = await connected.client.post(
        "/api/v1/policies/load", json={"source": "f.yaml", "text": "rules: [{effect: nah}]"}
    )
    assert assert_error(loaded, 400, "invalid_input")["field"] == "rules.0.effect"


async def test_toolsets_and_budgets_over_http(connected: Server) -> None:
    client = connected.client
    made = await client.post(
        "/api/v1/toolsets",
        json={"name": "readers", "tools": ["attio_list_deals", "attio_list_workspace_members"]},
    )
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    bad = await client.post("/api/v1/toolsets", json={"name": "x", "tools": ["nope"]})
    assert assert_error(bad, 400, "invalid_input")["field"] == "tools.0.name"
    listed = (await client.get("/api/v1/tools", params={"toolset": "readers"})).json()
    assert sorted(t["definition"]["name"] for t in listed["tools"]) == [
        "attio_list_deals",
        "attio_list_workspace_members",
    ]
    outside = await execute(client, "attio_create_person", {"values": {}}, toolset="readers")
    error = assert_error(outside, 403, "tool_not_in_toolset")
    assert (error["tool_name"], error["toolset"]) == ("attio_create_person", "readers")
    changed = await client.patch("/api/v1/toolsets/readers", json={"tools": ["attio_list_deals"]})
    assert changed.json()["version"] == 2

    # Budgets count in windows of the gateway's clock: one that stands still.
    clock = FakeClock()
    clock.set(datetime(2026, 12, 7, 16, 0, 30, tzinfo=UTC))
    connected.gateway.services.permissions.clock = clock
    budget = await client.post(
        "/api/v1/budgets", json={"id": "tight", "toolset": "readers", "calls_per_minute": 2}
    )
    assert budget.status_code == 201, budget.text
    for _ in range(2):
        ok = await execute(client, "attio_list_deals", {}, toolset="readers")
        assert ok.status_code == 200, ok.text
    over = await execute(client, "attio_list_deals", {}, toolset="readers")
    error = assert_error(over, 429, "budget_exceeded")
    assert (error["budget_id"], error["limit"]) == ("tight", 2)
    assert (error["reset_at"], error["retry_after"]) == ("2026-12-07T16:01:00+00:00", 30.0)
    # Calls outside the toolset are not counted against it.
    assert (await execute(client, "attio_list_deals", {})).status_code == 200
    refused = await client.delete("/api/v1/toolsets/readers")
    assert_error(refused, 409, "conflict")
    assert (await client.delete("/api/v1/budgets/tight")).status_code == 204
    assert (await client.delete("/api/v1/toolsets/readers")).status_code == 204


async def test_ask_over_http(connected: Server) -> None:
    client = connected.client

    async def execute(arguments: dict[str, Any], **extra: Any) -> httpx.Response:
        body = {"tool_name": "attio_update_deal", "tool_input": arguments, "identifier": "alice"}
        return await client.post("/api/v1/tools/execute", json={**body, **extra})

    members = await client.post(
        "/api/v1/tools/execute",
        json={"tool_name": "attio_list_workspace_members", "tool_input": {}, "identifier": "alice"},
    )
    owner = members.json()["data"]["data"][0]["id"]["workspace_member_id"]
    created = await client.post(
        "/api/v1/tools/execute",
        json={
            "tool_name": "attio_create_deal",
            "tool_input": {"values": {"name": "D", "stage": "Lead", "owner": owner}},
            "identifier": "alice",
        },
    )
    deal = created.json()["data"]["data"]["id"]["record_id"]
    assert (await client.post("/api/v1/policies/rules", json=ASK_WON)).status_code == 201
    won = {"record_id": deal, "values": {"stage": "Won 🎉"}}
    asked = await execute(won)
    assert asked.status_code == 202, asked.text
    error = asked.json()["error"]
    assert error["code"] == "approval_required"
    assert error["preview"]["changes"][0] == {
        "attribute": "stage",
        "before": "Lead",
        "after": "Won 🎉",
    }
    approval_id = error["approval_id"]
    listed = (await client.get("/api/v1/approvals", params={"status": "pending"})).json()
    assert [a["id"] for a in listed["approvals"]] == [approval_id]
    decided = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={"by": "ops"})
    assert decided.json()["status"] == "approved", decided.text
    again = await client.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert again.status_code == 409
    done = await execute(won, approval_id=approval_id)
    assert done.status_code == 200, done.text
    shown = (await client.get(f"/api/v1/approvals/{approval_id}")).json()
    assert shown["status"] == "executed"
