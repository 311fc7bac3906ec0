"""Shared fixtures: the machine's real PostgreSQL and Redis.

Outside CI, a test that needs a server that is not listening skips with the reason.
Under CI (``CI`` set), it fails instead: CI must never pass with those tests skipped.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379

# The CLI's messages are wrapped by rich to the terminal's width, which is $COLUMNS when
# output is not a terminal: tests assert on whole phrases, so give them one wide width
# whatever the shell that runs them set.
os.environ["COLUMNS"] = "200"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _need(service: str, host: str, port: int) -> None:
    if _listening(host, port):
        return
    reason = f"{service} is not listening on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (under CI this test must run, not skip)")
    pytest.skip(reason)


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres", database="test"
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """``postgresql+asyncpg://`` URL of a fresh, empty database, dropped afterwards."""
    import asyncio

    _need("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"attio_gateway_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """``redis://`` URL of the local server; keys written under a per-test prefix are removed."""
    import redis

    _need("Redis", REDIS_HOST, REDIS_PORT)
    db = 0
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    yield url
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter("attio-gateway-test:*"):
            client.delete(key)
    finally:
        client.close()
