"""``ask``: the call is not sent; an approval keeps it with a preview (``stage: Lead →
Won``); after a person approves, the call submitted again with the approval id runs once —
a second submission does not write again. Over the SDK, the HTTP API and MCP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from attio_gateway.errors import (
    ApprovalRequiredError,
    ConflictError,
    NotFoundError,
    PolicyDeniedError,
)
from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from tests.gateway.api.conftest import Server, connected, server, settings
from tests.gateway.permissions.conftest import tool

__all__ = ["connected", "server", "settings"]

ASK_WON = {
    "id": "ask-won",
    "match": {
        "tool": "attio_update_deal",
        "arguments": [{"path": "values.stage", "regex": "(?i)won.*"}],
    },
    "effect": "ask",
    "message": "Closing a deal as won needs the account owner.",
}


async def stage(gateway: AsyncGateway, deal: str, identifier: str = "u") -> str:
    got = await tool(gateway, "attio_get_deal", {"record_id": deal}, identifier=identifier)
    return str(got["data"]["values"]["stage"][0]["status"]["title"])


async def test_ask_approve_runs_once(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(**ASK_WON)
    won = {"record_id": deal, "values": {"stage": "Won 🎉"}}
    with pytest.raises(ApprovalRequiredError) as asked:
        await tool(gateway, "attio_update_deal", won)
    error = asked.value
    assert error.http_status == 202 and error.rule_id == "ask-won" and error.status == "pending"
    assert error.preview["changes"] == [{"attribute": "stage", "before": "Lead", "after": "Won 🎉"}]
    assert error.preview["summary"] == "stage: Lead → Won 🎉"
    assert "stage: Lead → Won 🎉" in error.message
    approval_id = str(error.approval_id)
    assert await stage(gateway, deal) == "Lead"  # not sent

    pending = await gateway.approvals.get(approval_id)
    assert pending.status == "pending" and pending.call["arguments"] == won
    assert [a.id for a in await gateway.approvals.list(status="pending")] == [approval_id]
    with pytest.raises(ApprovalRequiredError) as still:
        await tool(gateway, "attio_update_deal", won, approval_id=approval_id)
    assert still.value.approval_id == approval_id

    approved = await gateway.approvals.approve(approval_id, by="boss")
    assert (approved.status, approved.decided_by) == ("approved", "boss")
    with pytest.raises(ConflictError):
        await gateway.approvals.approve(approval_id)
    other = {"record_id": deal, "values": {"stage": "Won 🎉", "name": "Sneaky"}}
    with pytest.raises(ConflictError):
        await tool(gateway, "attio_update_deal", other, approval_id=approval_id)

    first = await gateway.actions.execute_tool(
        won, "attio_update_deal", "u", approval_id=approval_id
    )
    assert await stage(gateway, deal) == "Won 🎉"
    assert (await gateway.approvals.get(approval_id)).status == "executed"
    # Someone moves the deal on; the same approval again is answered, not sent again.
    await tool(gateway, "attio_update_deal", {"record_id": deal, "values": {"stage": "Lost"}})
    again = await gateway.actions.execute_tool(
        won, "attio_update_deal", "u", approval_id=approval_id
    )
    assert again.execution_id == first.execution_id and again.data == first.data
    assert await stage(gateway, deal) == "Lost"
    events = await gateway.audit_events(tool_name="attio_update_deal")
    assert [(e.error_code, e.policy_effect) for e in reversed(events)] == [
        ("approval_required", "ask"),
        ("approval_required", "ask"),
        ("conflict", "ask"),
        (None, "ask"),
        (None, "allow"),
        (None, "ask"),
    ]


async def test_denied_and_foreign_approvals(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(**ASK_WON)
    won = {"record_id": deal, "values": {"stage": "won"}}
    with pytest.raises(ApprovalRequiredError) as asked:
        await tool(gateway, "attio_update_deal", won)
    approval_id = str(asked.value.approval_id)
    denied = await gateway.approvals.deny(approval_id, by="boss", reason="not yet")
    assert denied.status == "denied" and denied.reason == "not yet"
    with pytest.raises(PolicyDeniedError) as refused:
        await tool(gateway, "attio_update_deal", won, approval_id=approval_id)
    assert "not yet" in refused.value.message
    with pytest.raises(NotFoundError):
        await tool(gateway, "attio_update_deal", won, approval_id="no-such-approval")
    assert await stage(gateway, deal) == "Lead"


async def test_ask_over_mcp(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(**ASK_WON)
    won = {"record_id": deal, "values": {"stage": "Won 🎉"}}
    async with Client(build_server(gateway, account_of=fixed_account("u"))) as client:
        asked = await client.call_tool("attio_update_deal", won)
        assert asked.is_error
        error = asked.structured_content["error"]
        assert error["code"] == "approval_required"
        assert error["preview"]["summary"] == "stage: Lead → Won 🎉"
        await gateway.approvals.approve(error["approval_id"])
        done = await client.call_tool(
            "attio_update_deal", won, meta={"approval_id": error["approval_id"]}
        )
        assert not done.is_error
    assert await stage(gateway, deal) == "Won 🎉"


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
