"""Cross-process invalidation of the per-call cache (``attio_gateway.sdk.invalidation``):
two gateways on one PostgreSQL database and one Redis stand in for two processes. A change
made through one is seen by the other's next call, long before the cache's TTL; when
Redis cannot take the message, the change still succeeds."""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, GatewayError, NotFoundError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.invalidation import CacheInvalidation
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

#: Far longer than any test: a change seen by the other gateway was not seen by expiry.
LONG_TTL = 3600.0
TIMEOUT = 10.0


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


def _settings(tmp_path: Path, postgres_url: str, redis_url: str, vault_key: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=postgres_url,
        redis_url=redis_url,
        vault_keys=[SecretStr(vault_key)],
    )


@dataclass
class Pair:
    a: AsyncGateway
    b: AsyncGateway
    #: Redis client ids of b's subscriber connection (those that appeared when b opened).
    b_subscriber_ids: set[int]


@pytest.fixture
async def pair(
    tmp_path: Path, postgres_url: str, redis_url: str, emulator: RunningEmulator
) -> AsyncIterator[Pair]:
    """Gateways ``a`` and ``b``, both subscribed, with user ``u`` connected through ``a``
    and ``b``'s cache warmed by one call."""
    vault_key = "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    settings = _settings(tmp_path, postgres_url, redis_url, vault_key)
    admin = aioredis.Redis.from_url(redis_url)
    try:
        async with AsyncGateway(settings) as a:
            await _until(a, lambda: _bus(a).subscriptions > 0)
            before_b = await _subscriber_ids(admin)
            async with AsyncGateway(settings) as b:
                await _until(b, lambda: _bus(b).subscriptions > 0)
                b_subscriber_ids = await _subscriber_ids(admin) - before_b
                await create_emulator_connection(a, emulator.base_url)
                await connect_user(a, "u")
                await _caught_up(b, a)
                b.call_cache.ttl = LONG_TTL
                assert await _get(b) == 200
                assert b.call_cache.account((None, "u", None)) is not None
                yield Pair(a, b, b_subscriber_ids)
    finally:
        await admin.aclose()


async def _subscriber_ids(admin: aioredis.Redis) -> set[int]:
    return {int(client["id"]) for client in await admin.client_list(_type="pubsub")}


def _bus(gateway: AsyncGateway) -> CacheInvalidation:
    assert gateway.invalidation is not None, "a gateway with Redis runs the subscriber"
    return gateway.invalidation


async def _until(gateway: AsyncGateway, predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT):
        await _bus(gateway).wait_for(predicate)


async def _caught_up(receiver: AsyncGateway, sender: AsyncGateway) -> None:
    """Wait until ``receiver`` has applied every message ``sender`` published."""
    mine, theirs = _bus(receiver), _bus(sender)
    await _until(receiver, lambda: mine.received[theirs.origin] >= theirs.published)


async def _get(gw: AsyncGateway, identifier: str = "u") -> int:
    response = await gw.actions.request(identifier=identifier, path="/v2/objects")
    return response.status_code


async def _disconnect(gw: AsyncGateway) -> None:
    await gw.actions.disconnect_connected_account(identifier="u")


async def _delete_account(gw: AsyncGateway) -> None:
    await gw.actions.delete_connected_account(identifier="u")


async def _delete_connection(gw: AsyncGateway) -> None:
    await gw.delete_connection("attio")


@pytest.mark.parametrize(
    ("change", "error", "status"),
    [
        (_disconnect, AccountNotActiveError, "DISCONNECTED"),
        (_delete_account, NotFoundError, None),
        (_delete_connection, NotFoundError, None),
    ],
)
async def test_a_change_through_one_gateway_is_seen_by_the_others_next_call(
    pair: Pair,
    change: Callable[[AsyncGateway], Awaitable[None]],
    error: type[GatewayError],
    status: str | None,
) -> None:
    a, b = pair.a, pair.b
    published = _bus(a).published
    await change(a)
    assert _bus(a).published > published
    await _caught_up(b, a)
    assert b.call_cache.account((None, "u", None)) is None
    with pytest.raises(error) as caught:
        await _get(b)
    if status is not None:
        assert getattr(caught.value, "status", None) == status


async def test_a_reauthorization_through_one_gateway_drops_the_others_token(
    pair: Pair,
) -> None:
    a, b = pair.a, pair.b
    account = b.call_cache.account((None, "u", None))
    assert account is not None
    old_token = b.call_cache.token(account[1].id)
    assert old_token is not None
    await connect_user(a, "u")  # a new token for the same account
    await _caught_up(b, a)
    assert b.call_cache.token(account[1].id) is None
    assert await _get(b) == 200
    new_token = b.call_cache.token(account[1].id)
    assert new_token is not None and new_token.token != old_token.token


async def test_a_connection_change_drops_the_others_schema_cache_and_own_messages_are_ignored(
    pair: Pair,
) -> None:
    a, b = pair.a, pair.b
    b.caches.schema("workspace")["objects"] = "cached"
    await a.update_connection("attio", scopes=["record_permission:read"])
    await _caught_up(b, a)
    assert b.caches.schema("workspace") == {}
    assert _bus(a).received[_bus(a).origin] == 0


async def test_the_subscriber_resubscribes_after_its_connection_is_killed(
    pair: Pair, redis_url: str
) -> None:
    a, b = pair.a, pair.b
    assert pair.b_subscriber_ids, "b's subscriber connection was found"
    subscriptions = _bus(b).subscriptions
    admin = aioredis.Redis.from_url(redis_url)
    try:
        for client_id in pair.b_subscriber_ids:  # only b's: other runs may share this Redis
            await admin.execute_command("CLIENT", "KILL", "ID", str(client_id))
    finally:
        await admin.aclose()
    await _until(b, lambda: _bus(b).subscriptions > subscriptions)  # redis-py reconnected
    assert await _get(b) == 200  # cached again (re-subscribing dropped the cache)
    await _disconnect(a)
    await _caught_up(b, a)
    with pytest.raises(AccountNotActiveError):
        await _get(b)


async def test_a_change_succeeds_when_redis_cannot_take_the_message(
    tmp_path: Path, emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: every publish fails (the rate limiter is not used here).
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    caplog.set_level(logging.WARNING, logger="attio_gateway.sdk.invalidation")
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        response = await gw.actions.disconnect_connected_account(identifier="u")
        assert response.connected_account.status == "DISCONNECTED"
        assert _bus(gw).published == 0
    assert "could not publish" in caplog.text


async def test_gateways_on_different_redis_databases_use_different_channels() -> None:
    """Redis shares pub/sub channels across its database numbers; ours carry the number."""
    clients = [aioredis.Redis.from_url(f"redis://127.0.0.1:6379/{db}") for db in (0, 3)]
    try:
        channels = [CacheInvalidation(c, lambda connections: None).channel for c in clients]
        assert channels == ["attio-gw:invalidate:0", "attio-gw:invalidate:3"]
    finally:
        for client in clients:
            await client.aclose()
