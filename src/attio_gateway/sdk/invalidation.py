"""Cross-process invalidation of the per-call cache, through Redis pub/sub.

Each gateway process with Redis publishes one small message on its database's channel
(``channel_for``) when it changes a connection, an account or a credential, and runs one
subscriber task that drops its own caches when *another* process announces a change. A
revoke, disconnect, re-authorization or refresh made through one process is then seen by
the others within a Redis round trip instead of within the cache's TTL.

Redis pub/sub delivers a message only to the subscribers connected at that moment, at
most once. So:

- whenever Redis confirms the subscription (at first, and each time redis-py reconnects
  and re-subscribes after a dropped connection) the subscriber drops its caches: it may
  have missed messages meanwhile;
- while the subscription is down (Redis unreachable) it retries with backoff, and the
  cache's TTL (``callcache.DEFAULT_TTL_SECONDS``) still bounds how stale it can be;
- a failed publish is logged, never raised: the change is already committed in the
  database, and the other processes see it within the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def channel_for(redis: aioredis.Redis) -> str:
    """``attio-gw:invalidate:<db>``: pub/sub channels are shared by every database of a Redis
    server, so gateways on different database numbers must not hear each other."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"attio-gw:invalidate:{db}"


#: A change never waits longer than this for Redis to take its message.
PUBLISH_TIMEOUT_SECONDS = 1.0
#: Backoff between attempts to (re)subscribe, in seconds: doubled up to the maximum.
RESUBSCRIBE_FIRST_DELAY = 0.5
RESUBSCRIBE_MAX_DELAY = 30.0


class CacheInvalidation:
    """Publishes this process's changes and applies the other processes' ones.

    ``on_invalidate(connections)`` drops the local caches; ``connections`` is true when a
    connection (not only an account) changed. ``start()`` runs the subscriber on the
    current event loop; ``close()`` stops it.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        on_invalidate: Callable[[bool], None],
        *,
        channel: str | None = None,
    ) -> None:
        self._redis = redis
        self._on_invalidate = on_invalidate
        self.channel = channel or channel_for(redis)
        #: Tells this process's messages from the others' (its own are ignored).
        self.origin = secrets.token_hex(8)
        #: How often Redis confirmed the subscription (re-subscriptions included).
        self.subscriptions = 0
        #: How many messages this process published.
        self.published = 0
        #: Messages applied, by the origin that sent them.
        self.received: Counter[str] = Counter()
        self._progress = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._subscribe(), name="attio-gateway-invalidation")

    async def close(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def publish(self, *, connections: bool) -> None:
        """Tell the other processes that something changed (best effort; see above)."""
        message = json.dumps({"origin": self.origin, "connections": connections})
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                await self._redis.publish(self.channel, message)
            self.published += 1
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning(
                "cache invalidation: could not publish to Redis (%r); other processes see "
                "the change when their cached entries expire",
                exc,
            )

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds, checked whenever a subscription is confirmed or
        a message applied (for tests and diagnostics; wrap it in a timeout), e.g.
        ``wait_for(lambda: mine.received[other.origin] >= other.published)``."""
        async with self._progress:
            await self._progress.wait_for(predicate)

    async def _subscribe(self) -> None:
        delay = RESUBSCRIBE_FIRST_DELAY
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            await self._confirmed()
                            delay = RESUBSCRIBE_FIRST_DELAY
                        elif message["type"] == "message":
                            await self._apply(message)
            except Exception as exc:  # Redis is down (or a bug): keep the subscriber alive
                log.warning(
                    "cache invalidation: Redis subscription down (%r); retrying in %.1f s, "
                    "cached entries expire on their own meanwhile",
                    exc,
                    delay,
                    exc_info=not isinstance(exc, RedisError | OSError),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUBSCRIBE_MAX_DELAY)

    async def _confirmed(self) -> None:
        # What was published while we were not subscribed is lost to us: drop everything.
        self._on_invalidate(True)
        async with self._progress:
            self.subscriptions += 1
            self._progress.notify_all()

    async def _apply(self, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["data"])
            origin, connections = str(body["origin"]), bool(body["connections"])
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("cache invalidation: ignored a malformed message (%s)", exc)
            return
        if origin == self.origin:
            return
        self._on_invalidate(connections)
        async with self._progress:
            self.received[origin] += 1
            self._progress.notify_all()


__all__ = ["CacheInvalidation", "channel_for"]
