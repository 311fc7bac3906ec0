"""``attio-gateway serve`` and ``attio-gateway admin create`` through typer's runner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.operators import check_operator


def test_serve_is_a_command_with_host_and_port() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


def test_serve_refuses_a_bad_port() -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 2


def test_admin_create_sets_the_operator_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    short = runner.invoke(app, ["admin", "create"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    made = runner.invoke(
        app, ["admin", "create", "--username", "ops"], input="long enough\nlong enough\n"
    )
    assert made.exit_code == 0, made.output

    async def check(password: str) -> bool:
        # Stored in the database: another gateway on it (any data dir) accepts the login.
        async with AsyncGateway(Settings(data_dir=tmp_path)) as gateway:
            return await check_operator(gateway, "ops", password)

    assert asyncio.run(check("long enough"))
    assert not asyncio.run(check("wrong password"))
