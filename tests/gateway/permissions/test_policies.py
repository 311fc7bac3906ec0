"""Policies over the SDK: a deny rule on ``values.stage == "Won"`` for ``attio_update_deal``
blocks exactly that call, says why, and the audit log names the rule; precedence, the
default, YAML loading, the dry evaluation, rules that could never match."""

from __future__ import annotations

import asyncio

import pytest

from attio_gateway.errors import (
    ApprovalRequiredError,
    InvalidInputError,
    PolicyDeniedError,
)
from attio_gateway.sdk import AsyncGateway
from tests.gateway.permissions.conftest import tool

NO_WON = {
    "id": "no-won",
    "match": {
        "tool": "attio_update_deal",
        "arguments": [{"path": "values.stage", "equals": "Won"}],
    },
    "effect": "deny",
    "message": "Agents may not mark deals as won; ask the account owner.",
}


async def test_deny_blocks_exactly_that_call(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(**NO_WON)
    with pytest.raises(PolicyDeniedError) as denied:
        await tool(gateway, "attio_update_deal", {"record_id": deal, "values": {"stage": "Won"}})
    assert denied.value.message == NO_WON["message"]
    assert denied.value.rule_id == "no-won"
    # Nothing was sent: the deal is still in Lead.
    got = await tool(gateway, "attio_get_deal", {"record_id": deal})
    assert got["data"]["values"]["stage"][0]["status"]["title"] == "Lead"
    # Other calls pass: another stage, another tool.
    await tool(gateway, "attio_update_deal", {"record_id": deal, "values": {"stage": "Lost"}})
    await tool(gateway, "attio_update_deal", {"record_id": deal, "values": {"name": "Renamed"}})
    events = await gateway.audit_events(tool_name="attio_update_deal")
    assert [(e.outcome, e.policy_effect, e.policy_rule_id) for e in events] == [
        ("success", "allow", None),
        ("success", "allow", None),
        ("error", "deny", "no-won"),
    ]
    assert events[-1].error_code == "policy_denied"


async def test_proxy_rules(gateway: AsyncGateway, deal: str) -> None:
    await gateway.policies.create(
        id="no-deal-deletes",
        match={"method": "DELETE", "path": "/v2/objects/deals/records/*"},
        effect="deny",
        message="No deleting deals",
    )
    with pytest.raises(PolicyDeniedError) as denied:
        await gateway.actions.request(
            identifier="u", method="DELETE", path=f"/v2/objects/deals/records/{deal}"
        )
    assert denied.value.rule_id == "no-deal-deletes"
    answer = await gateway.actions.request(
        identifier="u", method="GET", path=f"/v2/objects/deals/records/{deal}"
    )
    assert answer.status_code == 200
    [event, *_] = await gateway.audit_events(kind="proxy")
    assert (event.policy_effect, event.policy_rule_id) == ("allow", None)


async def test_precedence_default_and_evaluate(gateway: AsyncGateway) -> None:
    await gateway.policies.set_default("deny")
    assert (await gateway.policies.evaluate(tool_name="attio_list_deals")).rule_id is None
    assert (await gateway.policies.evaluate(tool_name="attio_list_deals")).effect == "deny"
    await gateway.policies.create(id="reads", match={"access": "read"}, effect="allow")
    await gateway.policies.create(id="deals-read", match={"tool": "attio_*_deal*"}, effect="ask")
    await gateway.policies.create(
        id="u-deals", match={"tool": "attio_list_deals", "identifier": "u"}, effect="allow"
    )
    await gateway.policies.create(
        id="u-deals-no", match={"tool": "attio_list_deals", "identifier": ["u", "v"]}, effect="deny"
    )

    async def decided(**call: object) -> tuple[str, str | None]:
        decision = await gateway.policies.evaluate(**call)  # type: ignore[arg-type]
        return decision.effect, decision.rule_id

    # read (1) < glob tool (1) + deny/ask beats allow at equal specificity → ask.
    assert await decided(tool_name="attio_get_deal") == ("ask", "deals-read")
    # exact tool + identifier (3): allow and deny tie → deny.
    assert await decided(tool_name="attio_list_deals", identifier="u") == ("deny", "u-deals-no")
    assert await decided(tool_name="attio_list_deals", identifier="v") == ("deny", "u-deals-no")
    assert await decided(tool_name="attio_list_people") == ("allow", "reads")
    assert await decided(tool_name="attio_create_person") == ("deny", None)
    await gateway.policies.delete("u-deals-no")
    assert await decided(tool_name="attio_list_deals", identifier="u") == ("allow", "u-deals")
    with pytest.raises(ApprovalRequiredError) as asked:
        await tool(gateway, "attio_get_deal", {"record_id": "x"})
    assert asked.value.rule_id == "deals-read"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"match": {"tool": "attio_nope"}, "effect": "deny"}, "match.tool"),
        ({"match": {"tool": "zzz_*"}, "effect": "deny"}, "match.tool"),
        (
            {"match": {"tool": "attio_list_deals", "access": "write"}, "effect": "deny"},
            "match.access",
        ),
        ({"match": {"tool": "attio_list_deals", "method": "GET"}, "effect": "deny"}, "match"),
        (
            {"match": {"arguments": [{"path": "a", "in": []}]}, "effect": "deny"},
            "match.arguments.0",
        ),
        (
            {"match": {"arguments": [{"path": "a", "regex": "("}]}, "effect": "deny"},
            "match.arguments.0.regex",
        ),
        (
            {"match": {"arguments": [{"path": "a", "gt": 5, "lt": 1}]}, "effect": "deny"},
            "match.arguments.0",
        ),
        ({"match": {"method": "FETCH"}, "effect": "deny"}, "match.method"),
        ({"match": {}, "effect": "maybe"}, "effect"),
        ({"match": {"colour": "red"}, "effect": "deny"}, "match.colour"),
    ],
)
async def test_bad_rules_name_the_field(
    gateway: AsyncGateway, rule: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await gateway.policies.create(**rule)
    assert refused.value.field == field


RULES_YAML = """
version: 1
default: allow
rules:
  - id: big-deals
    match:
      tool: attio_create_deal
      arguments:
        - path: values.value
          gt: 100000
    effect: deny
    message: Deals over 100k are made by people.
  - match: {tool: attio_delete_*}
    effect: deny
"""


async def test_load_yaml_replaces_rules_of_that_file(gateway: AsyncGateway) -> None:
    loaded = await gateway.policies.load(RULES_YAML, source="rules.yaml")
    assert [r.id for r in loaded] == ["big-deals", "rules.yaml#2"]
    decision = await gateway.policies.evaluate(
        tool_name="attio_create_deal", tool_input={"values": {"value": 250000}}
    )
    assert (decision.effect, decision.rule_id) == ("deny", "big-deals")
    small = await gateway.policies.evaluate(
        tool_name="attio_create_deal", tool_input={"values": {"value": 50}}
    )
    assert (small.effect, small.rule_id) == ("allow", None)
    await gateway.policies.load("rules: []", source="rules.yaml")
    assert await gateway.policies.list() == []
    with pytest.raises(InvalidInputError) as refused:
        await gateway.policies.load(
            "rules:\n  - effect: deny\n    match: {tool: nope}\n", source="x"
        )
    assert refused.value.field == "rules.0.match.tool"


async def test_concurrent_calls_past_the_refresh_share_one_look_at_the_rules(
    gateway: AsyncGateway,
) -> None:
    """When the snapshot is due for its check, 20 calls at once read the rules' generation
    once between them, and all see the same snapshot; a change made here is seen at once."""
    from sqlalchemy import event

    permissions = gateway.services.permissions
    await gateway.policies.create(**NO_WON)
    first = await permissions.snapshot()
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    engine = gateway.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        permissions._checked_at = 0.0  # due for its check, as after refresh_seconds
        seen = await asyncio.gather(*(permissions.snapshot() for _ in range(20)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 1, reads  # the generation, once; the rules did not change
    assert all(s is first for s in seen)
    await gateway.policies.delete("no-won")
    assert (await permissions.snapshot()) is not first
