"""The server's signing key and the dashboard's operators live in the database (issue #9):
gateways with different data dirs on one database sign, check and log in alike; gateways
starting together agree on one key and one admin; an older version's files are imported;
vault rotation re-seals the key without breaking the tokens it signed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.errors import ConfigurationError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import (
    TOKEN_PREFIX,
    create_api_client,
    issue_access_token,
    verify_access_token,
)
from attio_gateway.sdk.operators import check_operator, ensure_operator, set_operator_password
from attio_gateway.sdk.signing import SIGNING_KEY_NAME, server_key, sign
from attio_gateway.storage import queries as q
from attio_gateway.storage.tables import operators
from attio_gateway.vault import Sealed
from attio_gateway.vault.keyring import new_key_text, parse_key
from attio_gateway.vault.rotation import rotate
from tests.gateway.dashboard.conftest import log_in

BASE = "http://gateway.test"
PASSWORD = "a long operator password"


@pytest.fixture
def vault_key() -> str:
    # Processes on one database share the vault keys (docs/scaling.md).
    return new_key_text()


def host_settings(tmp_path: Path, host: str, database_url: str, vault_key: str) -> Settings:
    """A gateway process on its own host: its own data dir, the shared database and keys."""
    return Settings(
        data_dir=tmp_path / host,
        database_url=database_url,
        vault_keys=[SecretStr(vault_key)],
        base_url=BASE,
    )


@pytest.fixture
async def two_hosts(
    tmp_path: Path, database_url: str, vault_key: str
) -> AsyncIterator[tuple[AsyncGateway, AsyncGateway]]:
    async with (
        AsyncGateway(host_settings(tmp_path, "a", database_url, vault_key)) as first,
        AsyncGateway(host_settings(tmp_path, "b", database_url, vault_key)) as second,
    ):
        yield first, second


async def operator_count(gateway: AsyncGateway) -> int:
    async with gateway.db.transaction() as conn:
        return int((await conn.execute(select(func.count()).select_from(operators))).scalar_one())


async def test_a_token_issued_by_one_gateway_verifies_on_another(
    two_hosts: tuple[AsyncGateway, AsyncGateway],
) -> None:
    first, second = two_hosts
    credentials = await create_api_client(first, name="shared")
    token = await issue_access_token(
        first, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    client = await verify_access_token(second, token.access_token)
    assert client.client_id == credentials.client_id
    assert await server_key(first) == await server_key(second)


async def test_an_operator_saved_through_one_gateway_logs_in_on_another(
    two_hosts: tuple[AsyncGateway, AsyncGateway],
) -> None:
    first, second = two_hosts
    await set_operator_password(first, "dana", PASSWORD)
    assert await check_operator(second, "dana", PASSWORD)
    assert not await check_operator(second, "dana", "not the password")
    # A new password set on the other gateway replaces the first one everywhere.
    await set_operator_password(second, "dana", PASSWORD + "!")
    assert await check_operator(first, "dana", PASSWORD + "!")
    assert not await check_operator(first, "dana", PASSWORD)
    assert await operator_count(first) == 1


@pytest.mark.postgres
async def test_the_dashboard_login_of_one_server_is_good_on_another(
    tmp_path: Path, postgres_url: str, vault_key: str
) -> None:
    settings = [host_settings(tmp_path, host, postgres_url, vault_key) for host in "ab"]
    apps = [create_app(one) for one in settings]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        await set_operator_password(apps[0].state.gateway, "dana", PASSWORD)
        first, second = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
            )
            for app in apps
        ]
        login = await log_in(second, "dana", PASSWORD)
        assert login.status_code == 303, login.text
        # The session cookie the second server signed opens the first server's pages.
        first.cookies.update(second.cookies)
        page = await first.get("/dashboard/connections")
        assert page.status_code == 200 and "dana" in page.text


async def test_gateways_starting_together_agree_on_one_key_and_one_admin(
    tmp_path: Path, database_url: str, vault_key: str
) -> None:
    async with AsyncExitStack() as stack:
        gateways = [
            await stack.enter_async_context(
                AsyncGateway(host_settings(tmp_path, f"host{n}", database_url, vault_key))
            )
            for n in range(5)
        ]
        keys = await asyncio.gather(*(server_key(gateway) for gateway in gateways))
        passwords = await asyncio.gather(*(ensure_operator(gateway) for gateway in gateways))
        assert len(set(keys)) == 1
        created = [password for password in passwords if password is not None]
        assert len(created) == 1, passwords
        assert await operator_count(gateways[0]) == 1
        assert await check_operator(gateways[-1], "admin", created[0])


def legacy_password_hash(password: str) -> str:
    """What an older version wrote to operators.json."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def legacy_token(key: bytes, client_id: str) -> str:
    claims = {"sub": client_id, "exp": int(time.time()) + 600}
    return TOKEN_PREFIX + sign(key, json.dumps(claims).encode())


async def test_an_older_versions_files_are_imported_once(
    tmp_path: Path, database_url: str, vault_key: str
) -> None:
    settings = host_settings(tmp_path, "old", database_url, vault_key)
    settings.data_dir.mkdir()
    legacy_key = secrets.token_bytes(32)
    (settings.data_dir / "server.key").write_bytes(legacy_key)
    legacy_operators = {"admin": legacy_password_hash(PASSWORD), "erin": legacy_password_hash("e")}
    (settings.data_dir / "operators.json").write_text(json.dumps(legacy_operators))

    async with AsyncGateway(settings) as gateway:
        assert await ensure_operator(gateway) is None  # the imported admin counts
        assert await check_operator(gateway, "admin", PASSWORD)
        assert await check_operator(gateway, "erin", "e")
        credentials = await create_api_client(gateway, name="from before")
        # A token the old version signed with its file keeps working.
        client = await verify_access_token(gateway, legacy_token(legacy_key, credentials.client_id))
        assert client.client_id == credentials.client_id
    # The files are left as they were (and ignored from now on).
    assert (settings.data_dir / "server.key").read_bytes() == legacy_key

    # Another host with other files on the same database: the database's key and operators win.
    other = host_settings(tmp_path, "other", database_url, vault_key)
    other.data_dir.mkdir()
    (other.data_dir / "server.key").write_bytes(secrets.token_bytes(32))
    other_operators = {"mallory": legacy_password_hash("m")}
    (other.data_dir / "operators.json").write_text(json.dumps(other_operators))
    async with AsyncGateway(other) as gateway:
        assert await server_key(gateway) == legacy_key
        assert not await check_operator(gateway, "mallory", "m")
        assert await check_operator(gateway, "admin", PASSWORD)
        assert await operator_count(gateway) == 2


async def test_a_broken_operators_file_is_named_in_the_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    (tmp_path / "operators.json").write_text("[not json")
    async with AsyncGateway(settings) as gateway:
        with pytest.raises(ConfigurationError) as caught:
            await ensure_operator(gateway)
    assert caught.value.code == "configuration_error"
    assert str(tmp_path / "operators.json") in caught.value.message


async def test_vault_rotation_reseals_the_server_key_and_tokens_still_verify(
    tmp_path: Path, database_url: str, vault_key: str
) -> None:
    settings = host_settings(tmp_path, "a", database_url, vault_key)
    async with AsyncGateway(settings) as gateway:
        credentials = await create_api_client(gateway, name="rotating")
        token = await issue_access_token(
            gateway, client_id=credentials.client_id, client_secret=credentials.client_secret
        )
        new_ring, new_key = gateway.keyring.with_new_key()
        report = await rotate(gateway.db, new_ring)
        assert report.rows["server_secrets"] == 1
        stored = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
        assert stored is not None and Sealed.from_text(stored).key_id == parse_key(new_key)[0]
        # This process keeps the key it read; the token still verifies here.
        assert (await verify_access_token(gateway, token.access_token)).client_id == (
            credentials.client_id
        )

    # A process that only has the new key reads the re-sealed key and accepts the token.
    async with AsyncGateway(host_settings(tmp_path, "b", database_url, new_key)) as gateway:
        client = await verify_access_token(gateway, token.access_token)
        assert client.client_id == credentials.client_id
