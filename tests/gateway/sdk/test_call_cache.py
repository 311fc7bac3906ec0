"""The per-call cache (``attio_gateway.sdk.callcache``) never outlives a change: every
change made through this process is seen by the very next call; a change made by another
process within the cache's TTL; ``last_used_at`` is written at most once a minute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, NotFoundError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(tmp_path: Path, emulator: RunningEmulator) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        yield gw


async def _get(gw: AsyncGateway, identifier: str = "u") -> int:
    response = await gw.actions.request(identifier=identifier, path="/v2/objects")
    return response.status_code


async def test_calls_are_served_from_the_cache_after_the_first(gateway: AsyncGateway) -> None:
    assert await _get(gateway) == 200
    cached = gateway.call_cache.account((None, "u", None))
    assert cached is not None
    assert gateway.call_cache.token(cached[1].id) is not None
    assert await _get(gateway) == 200


async def test_revoked_in_attio_after_a_cached_call_fails_and_keeps_failing(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    assert await _get(gateway) == 200  # rows and token now cached
    details = await gateway.actions.get_connected_account(identifier="u")
    access = details.connected_account.authorization_details["oauth_token"]["access_token"]
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        assert (await http.post("/oauth/revoke", data={"token": access})).status_code == 204
    for _ in range(2):  # the 401 forgets the cache; the second call fails before Attio
        with pytest.raises(AccountNotActiveError) as caught:
            await _get(gateway)
        assert caught.value.status == "EXPIRED"


async def test_disconnect_and_delete_through_this_process_are_seen_at_once(
    gateway: AsyncGateway,
) -> None:
    assert await _get(gateway) == 200
    await gateway.actions.disconnect_connected_account(identifier="u")
    with pytest.raises(AccountNotActiveError) as caught:
        await _get(gateway)
    assert caught.value.status == "DISCONNECTED"

    await connect_user(gateway, "v")
    assert await _get(gateway, "v") == 200
    await gateway.actions.delete_connected_account(identifier="v")
    with pytest.raises(NotFoundError):
        await _get(gateway, "v")


async def test_a_second_connection_makes_a_nameless_call_ambiguous_at_once(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    assert await _get(gateway) == 200
    await create_emulator_connection(gateway, emulator.base_url, name="second")
    with pytest.raises(NotFoundError, match="connection_name is required"):
        await _get(gateway)


async def test_another_process_change_is_seen_within_the_ttl(
    tmp_path: Path, gateway: AsyncGateway
) -> None:
    gateway.call_cache.ttl = 0.2
    assert await _get(gateway) == 200
    # A second gateway on the same database stands in for another process.
    async with AsyncGateway(Settings(data_dir=tmp_path)) as other:
        await other.actions.disconnect_connected_account(identifier="u")
    await asyncio.sleep(0.3)
    with pytest.raises(AccountNotActiveError):
        await _get(gateway)


async def test_last_used_at_is_written_at_most_once_a_minute(gateway: AsyncGateway) -> None:
    assert await _get(gateway) == 200
    first = (await gateway.actions.get_connected_account(identifier="u")).connected_account
    assert first.last_used_at is not None
    assert await _get(gateway) == 200
    second = (await gateway.actions.get_connected_account(identifier="u")).connected_account
    assert second.last_used_at == first.last_used_at
    gateway.call_cache.touch_every = 0
    assert await _get(gateway) == 200
    third = (await gateway.actions.get_connected_account(identifier="u")).connected_account
    assert third.last_used_at is not None and third.last_used_at > first.last_used_at
