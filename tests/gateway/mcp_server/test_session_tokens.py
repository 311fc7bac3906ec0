"""Per-user session tokens (``attio_gateway.sdk.sessions``) on SQLite and PostgreSQL, and the
``attio-gateway mcp token`` / ``revoke-token`` commands."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_emulator.server import RunningEmulator
from attio_gateway.cli import app as cli_app
from attio_gateway.config import Settings
from attio_gateway.errors import NotFoundError, ToolInputError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.sdk.sessions import (
    create_session_token,
    revoke_session_token,
    verify_session_token,
)
from attio_gateway.storage import queries as q


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """``None`` (the SQLite file in data_dir) or a fresh PostgreSQL database."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


@pytest.fixture
async def any_gateway(
    database_url: str | None, tmp_path: Path, running_emulator: RunningEmulator
) -> AsyncIterator[AsyncGateway]:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, running_emulator.base_url)
        await connect_user(gw, "alice")
        await connect_user(gw, "bob")
        yield gw


async def test_a_token_verifies_to_its_own_account_until_revoked(any_gateway: AsyncGateway) -> None:
    gw = any_gateway
    alice = await create_session_token(gw, identifier="alice", ttl=timedelta(hours=1))
    bob = await create_session_token(gw, identifier="bob")
    alice_account = (
        await gw.actions.get_connected_account_details(identifier="alice")
    ).connected_account
    assert alice.connected_account_id == alice_account.id != bob.connected_account_id
    assert alice.token.startswith("agst_") and alice.token != bob.token
    assert timedelta(minutes=59) < alice.expires_at - datetime.now(UTC) <= timedelta(hours=1)

    verified = await verify_session_token(gw, alice.token)
    assert verified is not None and verified.connected_account_id == alice_account.id
    assert await revoke_session_token(gw, alice.token)
    assert await verify_session_token(gw, alice.token) is None
    assert not await revoke_session_token(gw, alice.token)
    assert (await verify_session_token(gw, bob.token)) is not None  # others unaffected


async def test_only_a_hash_of_the_token_is_stored(any_gateway: AsyncGateway) -> None:
    issued = await create_session_token(any_gateway, identifier="alice")
    assert await q.get_session_token(any_gateway.db, token_hash=issued.token) is None
    digest = hashlib.sha256(issued.token.encode()).hexdigest()
    row = await q.get_session_token(any_gateway.db, token_hash=digest)
    assert row is not None and row.account_id == issued.connected_account_id


async def test_expired_unknown_and_malformed_tokens_do_not_verify(
    any_gateway: AsyncGateway,
) -> None:
    gw = any_gateway
    issued = await create_session_token(gw, identifier="alice")
    expired = "agst_expired"
    now = datetime.now(UTC)
    await q.create_session_token(
        gw.db,
        token_hash=hashlib.sha256(expired.encode()).hexdigest(),
        account_id=issued.connected_account_id,
        now=now - timedelta(days=2),
        expires_at=now - timedelta(days=1),
    )
    for token in (expired, "agst_unknown", "", "Bearer x", issued.token + "x"):
        assert await verify_session_token(gw, token) is None


async def test_bad_requests_for_a_token_name_what_was_wrong(any_gateway: AsyncGateway) -> None:
    with pytest.raises(ToolInputError) as bad_ttl:
        await create_session_token(any_gateway, identifier="alice", ttl=timedelta(0))
    assert bad_ttl.value.field == "ttl"
    with pytest.raises(NotFoundError, match="nobody"):
        await create_session_token(any_gateway, identifier="nobody")
    with pytest.raises(NotFoundError, match="no-such-connection"):
        await create_session_token(
            any_gateway, identifier="alice", connection_name="no-such-connection"
        )


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
async def alice_connected(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")


def test_cli_issues_and_revokes_session_tokens(
    alice_connected: None, gateway_env: dict[str, str]
) -> None:
    runner = CliRunner(env=gateway_env)
    issued = runner.invoke(cli_app, ["mcp", "token", "--identifier", "alice", "--json"])
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.stdout)["token"]
    assert token.startswith("agst_")
    revoked = runner.invoke(cli_app, ["mcp", "revoke-token", token])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    again = runner.invoke(cli_app, ["mcp", "revoke-token", token])
    assert again.exit_code == 1 and "no such active session token" in again.stderr
    unknown = runner.invoke(cli_app, ["mcp", "token", "--identifier", "nobody"])
    assert unknown.exit_code == 1 and "nobody" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["mcp"], "--identifier is required"),
        (["mcp", "--http", "--identifier", "alice"], "--identifier is for stdio"),
        (["mcp", "--identifier", "alice", "--tools", " , "], "--tools needs"),
    ],
)
def test_cli_refuses_contradictory_options(
    alice_connected: None, gateway_env: dict[str, str], args: list[str], complaint: str
) -> None:
    result = CliRunner(env=gateway_env).invoke(cli_app, args)
    assert result.exit_code == 1
    assert complaint in result.stderr
