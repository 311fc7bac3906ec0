"""``attio-gateway connections …`` and ``accounts …`` end to end against the emulator over
HTTP: the credential check, duplicate names, links, disconnecting, and ``tools call``
printing the link of an account that is not connected."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import consent

runner = CliRunner()


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "ATTIO_GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "ATTIO_GATEWAY_BASE_URL": "http://127.0.0.1:8000",
        "COLUMNS": "200",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def emulator_app(
    emulator: RunningEmulator, redirect_uri: str = "http://127.0.0.1:8000/callback"
) -> dict[str, str]:
    answer = httpx.post(
        f"{emulator.base_url}/_emulator/apps",
        json={"name": "cli test", "redirect_uris": [redirect_uri]},
        timeout=60,
    )
    answer.raise_for_status()
    created: dict[str, str] = answer.json()
    return created


def endpoints(emulator: RunningEmulator) -> list[str]:
    base = emulator.base_url
    return [
        "--authorize-url",
        f"{base}/authorize",
        "--token-url",
        f"{base}/oauth/token",
        "--api-base-url",
        base,
    ]


def test_connections_create_checks_credentials_and_refuses_a_taken_name(
    emulator: RunningEmulator, env: dict[str, str]
) -> None:
    oauth_app = emulator_app(emulator)
    code, out, err = cli(
        "connections", "create", "--name", "crm", "--client-id", oauth_app["client_id"],
        "--client-secret", "wrong", *endpoints(emulator),
    )  # fmt: skip
    assert code == 1, out + err
    assert "INVALID_CREDENTIALS" in out and "connections update crm" in err
    assert "creating a new gateway store" in err

    code, out, err = cli(
        "connections", "update", "crm", "--client-secret", oauth_app["client_secret"], "--json"
    )
    assert code == 0, out + err
    assert json.loads(out)["status"] == "ACTIVE"

    code, out, err = cli(
        "connections", "create", "--name", "crm", "--client-id", "x", "--client-secret", "y",
        "--no-validate",
    )  # fmt: skip
    assert code == 1
    assert "A connection named 'crm' already exists" in err
    assert "UNIQUE" not in out + err

    code, out, _ = cli("connections", "list")
    assert code == 0 and "crm" in out and "ACTIVE" in out
    code, out, _ = cli("connections", "show", "crm")
    assert code == 0 and "/sso/v1/oauth/" in out and f"{emulator.base_url}/oauth/token" in out
    code, _, err = cli("connections", "show", "nope")
    assert code == 1 and "No connection named 'nope'" in err

    code, out, _ = cli("connections", "delete", "crm", input="n\n")
    assert code == 1  # not confirmed: aborted, kept
    assert json.loads(cli("connections", "list", "--json")[1])[0]["name"] == "crm"
    code, out, _ = cli("connections", "delete", "crm", "--yes")
    assert code == 0 and json.loads(cli("connections", "list", "--json")[1]) == []


def test_accounts_link_show_disconnect_and_tools_call_prints_the_link(
    emulator: RunningEmulator, env: dict[str, str]
) -> None:
    # As with Attio: create the connection, add its redirect URI to the app, save the app's
    # credentials (checked).
    code, out, err = cli(
        "connections", "create", "--client-id", "pending", "--client-secret", "pending",
        "--no-validate", "--json", *endpoints(emulator),
    )  # fmt: skip
    assert code == 0, out + err
    oauth_app = emulator_app(emulator, json.loads(out)["redirect_uri"])
    code, out, err = cli(
        "connections", "update", "attio", "--client-id", oauth_app["client_id"],
        "--client-secret", oauth_app["client_secret"],
    )  # fmt: skip
    assert code == 0 and "ACTIVE" in out, out + err

    code, first, _ = cli("accounts", "link", "user_1")
    assert code == 0 and "/authorize?" in first
    code, second, _ = cli("accounts", "link", "user_1")
    assert code == 0 and second != first  # regenerated: a new single-use link each time

    code, out, _ = cli("accounts", "list")
    assert code == 0 and "user_1" in out and "PENDING" in out

    async def approve() -> None:
        async with AsyncGateway(Settings()) as gateway:
            await consent(gateway, second.strip())

    asyncio.run(approve())
    code, out, _ = cli("accounts", "show", "user_1")
    assert code == 0 and "ACTIVE" in out and "Emulated Workspace" in out
    code, out, _ = cli("accounts", "list", "--json")
    assert [a["status"] for a in json.loads(out)] == ["ACTIVE"]

    code, out, _ = cli("accounts", "disconnect", "user_1", "--yes")
    assert code == 0 and "user_1: DISCONNECTED" in out

    code, out, err = cli("tools", "call", "attio_list_people", "--identifier", "user_1")
    assert code == 1
    assert "send the user the authorization link" in err
    assert f"{emulator.base_url}/authorize?" in out

    code, _, err = cli("accounts", "show", "nobody")
    assert code == 1 and "nobody" in err


@pytest.mark.parametrize(
    "args",
    [
        ["connections", "list"],
        ["connections", "show", "attio"],
        ["accounts", "list"],
        ["accounts", "link", "user_1"],
        ["clients", "list"],
        ["tools", "call", "attio_list_people", "--identifier", "u1"],
        ["mcp", "token", "--identifier", "u1"],
        ["vault", "rotate"],
        ["db", "downgrade", "base", "--yes"],
    ],
)
def test_commands_refuse_a_missing_store_unless_init(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = cli(*args)
    assert code == 1, out + err
    assert "no gateway state at" in err and "--init" in err
    assert not (tmp_path / "state").exists()  # nothing was created


def test_init_creates_the_store(env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = cli("--init", "connections", "list")
    assert code == 0, out + err
    assert "No connections yet" in out and "creating a new gateway store" in err
    assert (tmp_path / "state" / "gateway.db").is_file()
    code, out, err = cli("connections", "list")  # now there is one: no note, no refusal
    assert code == 0 and "creating" not in err


def test_db_downgrade_and_upgrade_again(env: dict[str, str]) -> None:
    code, out, _ = cli("db", "upgrade")
    assert code == 0
    head = out.split()[-1]
    code, out, _ = cli("db", "downgrade", "0004", "--yes")
    assert code == 0 and "database at revision 0004" in out
    code, out, _ = cli("db", "downgrade", "--yes", "--", "-1")
    assert code == 0 and "database at revision 0003" in out
    code, _, err = cli("db", "downgrade", "9999", "--yes")
    assert code == 1 and "cannot downgrade to '9999'" in err and "Traceback" not in err
    code, out, _ = cli("db", "downgrade", "0002", input="n\n")
    assert code == 1  # not confirmed
    code, out, _ = cli("db", "upgrade")
    assert code == 0 and out.split()[-1] == head
