"""The per-call cache (``attio_gateway.sdk.callcache``) never outlives a change: every
change made through this process is seen by the very next call; a change made by another
process within the cache's TTL; ``last_used_at`` is written at most once a minute;
concurrent misses share one read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, NotFoundError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.callcache import CallCache
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
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=60) as http:
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


async def test_concurrent_misses_share_one_load() -> None:
    cache = CallCache()
    loads = 0
    release = asyncio.Event()

    async def load() -> str:
        nonlocal loads
        loads += 1
        await release.wait()
        return f"row {loads}"

    waiters = [asyncio.create_task(cache.load_once("k", load)) for _ in range(20)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # one caller gives up: the load goes on for the others
    release.set()
    results = await asyncio.gather(*waiters[1:])
    assert results == ["row 1"] * 19 and loads == 1
    assert await cache.load_once("k", load) == "row 2"  # done: the next miss loads again


async def test_a_failed_load_fails_every_waiter_and_forget_starts_a_new_one() -> None:
    cache = CallCache()
    started: list[asyncio.Event] = []

    async def failing() -> str:
        started.append(asyncio.Event())
        await started[-1].wait()
        raise NotFoundError("no such account")

    first = [asyncio.create_task(cache.load_once("k", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    cache.forget()  # a change while the load was in flight: later callers read anew
    later = asyncio.create_task(cache.load_once("k", failing))
    for _ in range(5):  # let the new load start
        await asyncio.sleep(0)
    assert len(started) == 2
    for gate in started:
        gate.set()
    for task in [*first, later]:
        with pytest.raises(NotFoundError, match="no such account"):
            await task


async def test_a_cold_cache_under_concurrent_calls_reads_the_database_once(
    gateway: AsyncGateway,
) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))  # before_cursor_execute(conn, cursor, statement, …)

    gateway.call_cache.forget()
    event.listen(gateway.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        assert set(await asyncio.gather(*(_get(gateway) for _ in range(30)))) == {200}
    finally:
        event.remove(gateway.db.engine.sync_engine, "before_cursor_execute", seen)
    credential_reads = [s for s in statements if "FROM credentials" in s]
    account_reads = [s for s in statements if "FROM connected_accounts" in s]
    assert len(credential_reads) == 1, statements
    assert len(account_reads) == 1, statements


async def test_the_cache_stays_bounded_however_many_accounts_a_process_serves(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """With room for two entries, calls for three users keep the two most recent: the
    oldest user's next call reads the database again and still succeeds."""
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        gw.caches.calls.max_entries = 2
        await create_emulator_connection(gw, emulator.base_url)
        for user in ("a", "b", "c"):
            await connect_user(gw, user)  # each connection drops the whole cache
        for user in ("a", "b", "c"):
            assert await _get(gw, user) == 200
        cache = gw.caches.calls
        assert len(cache._accounts) == len(cache._tokens) == len(cache._touched) == 2
        assert await _get(gw, "a") == 200  # evicted, read again
        assert len(cache._accounts) == 2


def test_schema_caches_are_bounded_per_process() -> None:
    from attio_gateway.sdk.callcache import MAX_WORKSPACES, Caches

    caches = Caches()
    first = caches.schema("w0")
    first["objects"] = ["kept while used"]
    assert caches.schema("w0") is first
    for n in range(1, MAX_WORKSPACES + 5):
        caches.schema(f"w{n}")
    assert len(caches._schemas) == MAX_WORKSPACES
    assert caches.schema("w0") == {}  # the oldest went first; a new one is made
