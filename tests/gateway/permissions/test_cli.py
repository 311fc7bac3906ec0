"""``attio-gateway toolsets|policies|budgets …``: toolsets made from --tool and --fixed,
rules loaded from a YAML file and evaluated, bad input exits 1 naming the field."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.errors import ApprovalRequiredError
from attio_gateway.sdk import AsyncGateway
from tests.gateway.permissions.conftest import tool

runner = CliRunner()

RULES = """
version: 1
default: allow
rules:
  - id: no-won
    description: Agents never close a deal as won.
    match:
      tool: attio_update_deal
      arguments:
        - {path: values.stage, regex: "(?i)won.*"}
    effect: deny
    message: Only people mark deals as won.
"""


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "200")


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_toolsets(tmp_path: Path) -> None:
    code, out, err = cli(
        "toolsets",
        "create",
        "deals",
        "--tool",
        "attio_get_deal",
        "--fixed",
        "attio_list_records.object=deals",
        "--description",
        "Deals",
    )
    assert code == 0, err
    made = json.loads(out)
    assert made["tools"] == [
        {"name": "attio_get_deal", "fixed_arguments": {}},
        {"name": "attio_list_records", "fixed_arguments": {"object": "deals"}},
    ]
    code, out, err = cli("toolsets", "update", "deals", "--tool", "attio_get_deal")
    assert code == 0, err
    assert json.loads(out)["version"] == 2
    code, out, _ = cli("toolsets", "list")
    assert code == 0 and "deals" in out and "attio_get_deal" in out
    code, _, err = cli("toolsets", "create", "bad", "--tool", "attio_nope")
    assert code == 1 and "tools.0.name" in err
    code, out, err = cli("toolsets", "delete", "deals")
    assert code == 0, err


def test_policies_load_and_evaluate(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    code, out, err = cli("--init", "policies", "load", str(rules))
    assert code == 0, err
    assert "loaded 1 rule(s)" in out
    code, out, err = cli(
        "policies",
        "evaluate",
        "--tool",
        "attio_update_deal",
        "--input",
        '{"record_id": "r", "values": {"stage": "Won 🎉"}}',
    )
    assert code == 0, err
    assert json.loads(out)["rule_id"] == "no-won"
    code, out, _ = cli("policies", "evaluate", "--tool", "attio_update_deal", "--input", "{}")
    assert json.loads(out) == {
        "effect": "allow",
        "rule_id": None,
        "message": None,
        "specificity": None,
    }
    code, out, _ = cli("policies", "list", "--json")
    listed = json.loads(out)
    assert listed["default"] == "allow" and [r["id"] for r in listed["rules"]] == ["no-won"]
    assert listed["rules"][0]["source"] == "rules.yaml"
    code, out, err = cli("policies", "default", "deny")
    assert (code, out.strip()) == (0, "deny"), err
    code, _, err = cli(
        "policies", "create", "--rule", '{"match": {"tool": "zz*"}, "effect": "deny"}'
    )
    assert code == 1 and "match.tool" in err
    rules.write_text("rules:\n  - effect: deny\n    match: {access: sometimes}\n")
    code, _, err = cli("policies", "load", str(rules))
    assert code == 1 and "rules.0.match.access" in err


def test_budgets() -> None:
    code, out, err = cli("--init", "budgets", "create", "--id", "b1", "--calls-per-minute", "10")
    assert code == 0, err
    assert json.loads(out)["calls_per_minute"] == 10
    code, out, _ = cli("budgets", "list")
    assert "b1" in out
    code, _, err = cli("budgets", "create", "--writes-per-day", "0")
    assert code == 1 and "writes_per_day" in err
    code, _, err = cli("budgets", "delete", "b1")
    assert code == 0, err


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "state")


async def test_approvals(gateway: AsyncGateway, deal: str) -> None:
    """The CLI runs its own event loop: in a thread, beside the test's gateway."""
    await gateway.policies.create(
        id="ask-updates", match={"tool": "attio_update_deal"}, effect="ask"
    )
    with pytest.raises(ApprovalRequiredError) as asked:
        await tool(gateway, "attio_update_deal", {"record_id": deal, "values": {"stage": "Lost"}})
    approval_id = str(asked.value.approval_id)
    code, out, err = await asyncio.to_thread(cli, "approvals", "list", "--status", "pending")
    assert code == 0, err
    assert "stage: Lead → Lost" in out
    code, out, err = await asyncio.to_thread(
        cli, "approvals", "approve", approval_id, "--by", "ops"
    )
    assert code == 0, err
    assert json.loads(out)["status"] == "approved"
    code, _, err = await asyncio.to_thread(cli, "approvals", "deny", approval_id)
    assert code == 1 and "approved" in err
    code, out, _ = await asyncio.to_thread(cli, "approvals", "show", approval_id)
    assert json.loads(out)["decided_by"] == "ops"
