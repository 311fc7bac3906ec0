"""``ask``: the call is not sent; an approval keeps it with a preview (``stage: Lead →
Won``); after a person approves, the call submitted again with the approval id runs once —
a second submission does not write again. Over the SDK, the HTTP API and MCP."""

from __future__ import annotations

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
from tests.gateway.permissions.conftest import tool

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


async def test_ask_on_a_proxied_record_patch(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(
        id="ask-proxy-writes",
        match={"method": ["PATCH", "DELETE"], "path": "/v2/objects/deals/records/*"},
        effect="ask",
    )
    path = f"/v2/objects/deals/records/{deal}"
    body = {"data": {"values": {"name": "Renamed"}}}
    with pytest.raises(ApprovalRequiredError) as asked:
        await gateway.actions.request(identifier="u", method="PATCH", path=path, json=body)
    preview = asked.value.preview
    assert preview["changes"] == [{"attribute": "name", "before": "Big deal", "after": "Renamed"}]
    assert preview["request"]["method"] == "PATCH"
    with pytest.raises(ApprovalRequiredError) as deleting:
        await gateway.actions.request(identifier="u", method="DELETE", path=path)
    assert deleting.value.preview["would_delete"]["values"]["name"] == "Big deal"
    approval_id = str(asked.value.approval_id)
    await gateway.approvals.approve(approval_id)
    sent = await gateway.actions.request(
        identifier="u", method="PATCH", path=path, json=body, approval_id=approval_id
    )
    assert sent.status_code == 200
    again = await gateway.actions.request(
        identifier="u", method="PATCH", path=path, json=body, approval_id=approval_id
    )
    assert again.headers.get("idempotent-replayed") == "true"
    got = await gateway.actions.request(identifier="u", method="GET", path=path)
    assert got.json()["data"]["values"]["name"][0]["value"] == "Renamed"
    assert (await gateway.approvals.get(approval_id)).status == "executed"
