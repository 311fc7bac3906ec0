"""Failed dashboard sign-ins, counted per user name and per client address.

After ``max_per_user`` failures for one user name, or ``max_per_address`` from one address,
within ``window`` seconds of the first, every sign-in for that name (or from that address)
is refused — the right password too — until the window ends; the page says how long. A
success clears the user name's count. Counts live in this process, or in Redis when
``ATTIO_GATEWAY_REDIS_URL`` is set, so every process behind one address agrees.

The address is the connection's peer (``request.client``): behind a reverse proxy that is
the proxy, so all sign-ins share the per-address budget; the per-user one still holds.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from attio_gateway.config import Settings
from attio_gateway.errors import StorageError
from attio_gateway.proxy.ratelimit import redis_client

__all__ = ["MAX_PER_ADDRESS", "MAX_PER_USER", "WINDOW_SECONDS", "LoginThrottle", "Refusal"]

#: Failures allowed per user name, and per client address, within one window.
MAX_PER_USER = 5
MAX_PER_ADDRESS = 20
WINDOW_SECONDS = 600


@dataclass(frozen=True)
class Refusal:
    """Sign-ins are refused for ``retry_after`` seconds more; ``reason`` says why."""

    retry_after: int
    reason: str


class LoginThrottle:
    def __init__(
        self,
        *,
        redis_url: str | None = None,
        max_per_user: int = MAX_PER_USER,
        max_per_address: int = MAX_PER_ADDRESS,
        window: int = WINDOW_SECONDS,
        prefix: str = "attio-gw",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis_url = redis_url
        self.max_per_user = max_per_user
        self.max_per_address = max_per_address
        self.window = window
        self.prefix = prefix
        self.clock = clock
        #: In process: key → (failures, when the window ends, on ``clock``).
        self._counts: dict[str, tuple[int, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls(redis_url=settings.redis_url)

    def _keys(self, username: str, address: str) -> tuple[str, str]:
        def key(kind: str, value: str) -> str:
            digest = hashlib.sha256(value.encode()).hexdigest()[:32]
            return f"{self.prefix}:login-failures:{kind}:{digest}"

        return key("user", username), key("address", address)

    async def refusal(self, username: str, address: str) -> Refusal | None:
        """Why sign-ins for ``username`` from ``address`` are refused now, or ``None``."""
        user_key, address_key = self._keys(username, address)
        for key, limit, reason in (
            (user_key, self.max_per_user, "for this user name"),
            (address_key, self.max_per_address, "from this address"),
        ):
            count, retry_after = await self._read(key)
            if count >= limit:
                return Refusal(retry_after=max(1, retry_after), reason=reason)
        return None

    async def failed(self, username: str, address: str) -> None:
        for key in self._keys(username, address):
            await self._add(key)

    async def succeeded(self, username: str, address: str) -> None:
        user_key, _ = self._keys(username, address)
        if self.redis_url is None:
            self._counts.pop(user_key, None)
            return
        async with self._redis() as redis:
            await redis.delete(user_key)

    # --- storage: in process or in Redis -------------------------------------------------

    async def _read(self, key: str) -> tuple[int, int]:
        """(failures, seconds until the window ends)."""
        if self.redis_url is None:
            count, ends = self._counts.get(key, (0, 0.0))
            left = ends - self.clock()
            if left <= 0:
                self._counts.pop(key, None)
                return 0, 0
            return count, math.ceil(left)
        async with self._redis() as redis, redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            raw, ttl = await pipe.execute()
        return int(raw or 0), max(0, int(ttl))

    async def _add(self, key: str) -> None:
        if self.redis_url is None:
            now = self.clock()
            count, ends = self._counts.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + self.window
            self._counts[key] = (count + 1, ends)
            if len(self._counts) > 100_000:  # junk names cannot grow this without bound
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return
        async with self._redis() as redis, redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window, nx=True)  # the window starts at the first failure
            await pipe.execute()

    @asynccontextmanager
    async def _redis(self) -> AsyncIterator[aioredis.Redis]:
        """A client of its own per use: sign-ins are rare, and a client per call has no
        pool to close at shutdown or to tie to one event loop."""
        assert self.redis_url is not None
        client = redis_client(self.redis_url, max_connections=2)
        try:
            yield client
        except RedisError as exc:
            raise StorageError(f"the sign-in throttle's Redis could not be used: {exc}") from exc
        finally:
            await client.aclose()
