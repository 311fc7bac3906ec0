"""The rule engine alone: predicates on dotted paths (equals, in, regex, gt/lt, lists),
matching on every field, precedence (most specific, then deny > ask > allow, then the
older rule) and the default."""

from __future__ import annotations

from typing import Any

import pytest

from attio_gateway.permissions.models import Match, RuleInput
from attio_gateway.permissions.rules import Facts, RuleSet, compile_rule


def ruleset(*rules: dict[str, Any], default: str = "allow") -> RuleSet:
    compiled = []
    for order, raw in enumerate(rules):
        rule = RuleInput.model_validate(raw)
        compiled.append(
            compile_rule(rule.id or f"r{order}", rule.match, rule.effect, rule.message, order)
        )
    return RuleSet(compiled, default)  # type: ignore[arg-type]


def call(tool: str = "attio_update_deal", arguments: Any = None, **facts: Any) -> Facts:
    return Facts(
        kind="tool", read=facts.pop("read", False), tool=tool, arguments=arguments, **facts
    )


@pytest.mark.parametrize(
    ("predicate", "arguments", "holds"),
    [
        ({"equals": "Won"}, {"values": {"stage": "Won"}}, True),
        ({"equals": "Won"}, {"values": {"stage": "won"}}, False),
        ({"equals": "Won"}, {"values": {"stage": ["Lead", "Won"]}}, True),
        ({"equals": "Won"}, {"values": {}}, False),
        ({"equals": None}, {"values": {"stage": None}}, True),
        ({"equals": None}, {"values": {}}, False),
        ({"equals": 1}, {"values": {"stage": True}}, False),
        ({"equals": 1}, {"values": {"stage": 1.0}}, True),
        ({"in": ["Won", "Lost"]}, {"values": {"stage": "Lost"}}, True),
        ({"in": ["Won", "Lost"]}, {"values": {"stage": "Lead"}}, False),
        ({"regex": "(?i)won.*"}, {"values": {"stage": "Won 🎉"}}, True),
        ({"regex": "Won"}, {"values": {"stage": "Not Won"}}, False),
        ({"gt": 100}, {"values": {"stage": 101}}, True),
        ({"gt": 100}, {"values": {"stage": "101"}}, False),
        ({"gt": 1, "lt": 10}, {"values": {"stage": 10}}, False),
        ({"lt": 10}, {"values": {"stage": [{"x": 1}, 5]}}, True),
    ],
)
def test_predicates(predicate: dict[str, Any], arguments: Any, holds: bool) -> None:
    rules = ruleset(
        {"match": {"arguments": [{"path": "values.stage", **predicate}]}, "effect": "deny"}
    )
    assert (rules.evaluate(call(arguments=arguments)).effect == "deny") is holds


def test_list_index_paths() -> None:
    rules = ruleset(
        {"match": {"arguments": [{"path": "entries.1.id", "equals": "b"}]}, "effect": "deny"}
    )
    assert rules.evaluate(call(arguments={"entries": [{"id": "a"}, {"id": "b"}]})).effect == "deny"
    assert rules.evaluate(call(arguments={"entries": [{"id": "b"}]})).effect == "allow"


def test_fields_and_kinds() -> None:
    rules = ruleset(
        {"id": "conn", "match": {"connection": "other"}, "effect": "deny"},
        {"id": "group", "match": {"identifier": ["a", "b"], "access": "write"}, "effect": "deny"},
        {"id": "proxy", "match": {"method": ["DELETE"], "path": "/v2/objects/*"}, "effect": "deny"},
        {"id": "set", "match": {"toolset": "ro", "access": "write"}, "effect": "deny"},
    )
    assert rules.evaluate(call(connection="other")).rule_id == "conn"
    assert rules.evaluate(call(connection="attio", identifier="a")).rule_id == "group"
    assert rules.evaluate(call(identifier="a", read=True)).rule_id is None
    assert rules.evaluate(call(identifier="c", toolset="ro")).rule_id == "set"
    proxied = Facts(kind="proxy", read=False, method="DELETE", path="/v2/objects/deals/records/1")
    assert rules.evaluate(proxied).rule_id == "proxy"
    # A rule with method/path never matches a tool call; one with a tool never a proxied one.
    assert rules.evaluate(call(tool="attio_delete_deal")).rule_id is None
    tools_only = ruleset({"match": {"tool": "attio_*"}, "effect": "deny"})
    assert tools_only.evaluate(proxied).effect == "allow"


def test_precedence() -> None:
    rules = ruleset(
        {"id": "writes", "match": {"access": "write"}, "effect": "deny"},  # 1
        {"id": "glob", "match": {"tool": "attio_update_*"}, "effect": "allow"},  # 1
        {"id": "exact", "match": {"tool": "attio_update_deal"}, "effect": "allow"},  # 2
        {"id": "exact-ask", "match": {"tool": "attio_update_deal"}, "effect": "ask"},  # 2
        {
            "id": "won",
            "match": {
                "tool": "attio_update_deal",
                "arguments": [{"path": "values.stage", "equals": "Won"}],
            },
            "effect": "deny",
        },
        {
            "id": "won-u",
            "match": {
                "tool": "attio_update_deal",
                "identifier": "boss",
                "arguments": [{"path": "values.stage", "equals": "Won"}],
            },
            "effect": "allow",
        },
        default="deny",
    )
    # Equal specificity: deny beats allow (writes vs glob), ask beats allow (exact).
    assert rules.evaluate(call(tool="attio_update_company")).rule_id == "writes"
    assert rules.evaluate(call()).rule_id == "exact-ask"
    assert rules.evaluate(call(arguments={"values": {"stage": "Won"}})).rule_id == "won"
    decided = rules.evaluate(call(arguments={"values": {"stage": "Won"}}, identifier="boss"))
    assert (decided.rule_id, decided.effect, decided.specificity) == ("won-u", "allow", 4)
    assert rules.evaluate(call(tool="attio_list_deals", read=True)).rule_id is None
    assert rules.evaluate(call(tool="attio_list_deals", read=True)).effect == "deny"


def test_older_rule_first_on_a_full_tie() -> None:
    rules = ruleset(
        {"id": "first", "match": {"tool": "attio_update_deal"}, "effect": "deny", "message": "1"},
        {"id": "second", "match": {"tool": "attio_update_deal"}, "effect": "deny", "message": "2"},
    )
    assert rules.evaluate(call()).rule_id == "first"


def test_thousand_rules_keep_the_index_small() -> None:
    rules = ruleset(
        *(
            {
                "match": {
                    "tool": "attio_update_record",
                    "arguments": [{"path": "record_id", "equals": str(i)}],
                },
                "effect": "deny",
            }
            for i in range(1000)
        ),
        {"id": "deal", "match": {"tool": "attio_update_deal"}, "effect": "ask"},
    )
    assert rules.size == 1001
    assert rules.evaluate(call()).rule_id == "deal"
    assert len(rules._for_tool("attio_update_deal")) == 1
    assert (
        rules.evaluate(call(tool="attio_update_record", arguments={"record_id": "999"})).effect
        == "deny"
    )


def test_match_refuses_tool_with_method() -> None:
    with pytest.raises(ValueError, match="could never match"):
        Match.model_validate({"tool": "attio_list_deals", "path": "/v2/self"})
