"""``attio-gateway clients list | create | update | revoke``: the operator's hand on API
clients' scopes and connections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ATTIO_GATEWAY_DATA_DIR": str(tmp_path), "COLUMNS": "200"}


def run(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, ["clients", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def listed(env: dict[str, str]) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in json.loads(run(env, "list", "--json"))}


def test_create_update_list_and_revoke(env: dict[str, str]) -> None:
    default = json.loads(run(env, "create", "--name", "app", "--json"))
    assert default["client_secret"].startswith("agcs_")
    assert default["scopes"] == [
        "proxy",
        "tools:execute",
        "accounts:read",
        "accounts:write",
        "connections:admin",
    ]
    boot = run(env, "create", "--name", "bootstrap", "--all-scopes")
    assert "clients:admin" in boot and "accounts:tokens" in boot and "(shown once)" in boot
    narrow = json.loads(
        run(env, "create", "--name", "crm-bot", "--scope", "proxy", "--connection", "crm", "--json")
    )
    assert narrow["scopes"] == ["proxy"] and narrow["connections"] == ["crm"]

    run(env, "update", narrow["client_id"], "--scope", "proxy", "--scope", "tools:execute")
    clients = listed(env)
    assert clients["crm-bot"]["scopes"] == ["proxy", "tools:execute"]
    assert clients["crm-bot"]["connections"] == ["crm"]  # not given: kept
    run(env, "update", narrow["client_id"], "--all-connections")
    assert listed(env)["crm-bot"]["connections"] is None

    table = run(env, "list")
    assert "bootstrap" in table and "operator" in table and "every" in table

    assert narrow["client_id"] in run(env, "revoke", narrow["client_id"])
    assert listed(env)["crm-bot"]["revoked_at"] is not None


def test_bad_input_exits_with_a_message(env: dict[str, str]) -> None:
    unknown = runner.invoke(app, ["clients", "create", "--name", "x", "--scope", "root"], env=env)
    assert unknown.exit_code == 1 and "Unknown API client scope 'root'" in unknown.output
    both = runner.invoke(
        app, ["clients", "create", "--name", "x", "--scope", "proxy", "--all-scopes"], env=env
    )
    assert both.exit_code == 2 and "--all-scopes" in both.output
    missing = runner.invoke(app, ["clients", "revoke", "agc_nope"], env=env)
    assert missing.exit_code == 1 and "No active API client 'agc_nope'" in missing.output
    nothing = runner.invoke(app, ["clients", "update", "agc_nope"], env=env)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
