"""The per-call fast path's in-process cache: ACTIVE account rows, unsealed access tokens
and active API clients (the HTTP API's bearer check) for a few seconds, and when an
account's ``last_used_at`` was last written.

Without it every proxied call costs two lookups, a credential read and an AES-GCM unseal,
and a ``last_used_at`` write before the audit insert. Correctness rules:

- Only ACTIVE accounts are cached; any other status is read from the database each time.
- Every change this process makes to a connection, an account, a credential or an API
  client calls ``forget()``, which drops everything; so does a 401 from Attio. A bumped generation
  keeps a lookup that was in flight during the change from storing what it read.
- Concurrent misses of one entry share one read (``load_once``): when the cache is cold or
  an entry expires under load, one database read serves every caller waiting for it
  instead of each caller queueing its own.
- Each map holds at most ``MAX_ENTRIES`` entries (``MAX_WORKSPACES`` schema caches): a
  process serving more accounts than that drops the least recently stored first, so its
  memory stays flat however many accounts it serves over its life.
- A change made by *another* process is seen at once when the processes share Redis
  (``Caches.forget`` announces it, see ``invalidation``), and within ``ttl``
  seconds otherwise or while Redis is unreachable (see docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from attio_gateway.sdk.invalidation import CacheInvalidation
from attio_gateway.storage.records import (
    AccountRow,
    ApiClientRow,
    ConnectionRow,
    CredentialRow,
)

__all__ = ["Caches", "CallCache"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: How long a cached row or token is used before it is read again.
DEFAULT_TTL_SECONDS = 5.0
#: ``last_used_at`` is written at most this often per account (per process).
TOUCH_EVERY_SECONDS = 60.0
#: Entries per map of one process's call cache (accounts, tokens, API clients, touches).
MAX_ENTRIES = 10_000
#: Workspace schema caches one process keeps.
MAX_WORKSPACES = 1_000


def _put_bounded(entries: dict[K, V], key: K, value: V, limit: int) -> None:
    """Store ``key`` as the newest entry, dropping the oldest ones beyond ``limit``."""
    entries.pop(key, None)
    while len(entries) >= limit:
        del entries[next(iter(entries))]
    entries[key] = value


@dataclass(frozen=True)
class _Entry:
    generation: int
    expires: float


@dataclass(frozen=True)
class CachedAccount(_Entry):
    connection: ConnectionRow
    account: AccountRow


@dataclass(frozen=True)
class CachedToken(_Entry):
    token: str
    credential: CredentialRow


@dataclass(frozen=True)
class CachedApiClient(_Entry):
    row: ApiClientRow


class CallCache:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        touch_every: float = TOUCH_EVERY_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.ttl = ttl
        self.touch_every = touch_every
        self.max_entries = max_entries
        self.generation = 0
        self._accounts: dict[Hashable, CachedAccount] = {}
        self._tokens: dict[str, CachedToken] = {}
        self._api_clients: dict[str, CachedApiClient] = {}
        self._touched: dict[str, float] = {}
        self._loading: dict[Hashable, asyncio.Task[Any]] = {}

    def _live(self, entry: _Entry | None) -> bool:
        return (
            entry is not None
            and entry.generation == self.generation
            and entry.expires > time.monotonic()
        )

    def account(self, key: Hashable) -> tuple[ConnectionRow, AccountRow] | None:
        entry = self._accounts.get(key)
        if entry is None or not self._live(entry):
            return None
        return entry.connection, entry.account

    def put_account(
        self, key: Hashable, connection: ConnectionRow, account: AccountRow, *, generation: int
    ) -> None:
        """Store rows read while ``generation`` was current (ignored if it has moved on)."""
        if generation == self.generation and account.status == "ACTIVE":
            entry = CachedAccount(generation, time.monotonic() + self.ttl, connection, account)
            _put_bounded(self._accounts, key, entry, self.max_entries)

    def token(self, account_id: str) -> CachedToken | None:
        entry = self._tokens.get(account_id)
        return entry if entry is not None and self._live(entry) else None

    def put_token(
        self, account_id: str, token: str, credential: CredentialRow, *, generation: int
    ) -> None:
        if generation == self.generation:
            entry = CachedToken(generation, time.monotonic() + self.ttl, token, credential)
            _put_bounded(self._tokens, account_id, entry, self.max_entries)

    def api_client(self, client_id: str) -> ApiClientRow | None:
        entry = self._api_clients.get(client_id)
        return entry.row if entry is not None and self._live(entry) else None

    def put_api_client(self, row: ApiClientRow, *, generation: int) -> None:
        """Store an active (not revoked) client read while ``generation`` was current."""
        if generation == self.generation and row.revoked_at is None:
            entry = CachedApiClient(generation, time.monotonic() + self.ttl, row)
            _put_bounded(self._api_clients, row.client_id, entry, self.max_entries)

    async def load_once(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``, shared by every caller that asks for ``key`` while it runs.

        The load runs as its own task, so a caller that is cancelled does not cancel it
        for the others; they all get its result or its exception. After ``forget()`` new
        callers start a new load (one in flight may have read what just changed)."""
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(load())
            self._loading[key] = task
            task.add_done_callback(lambda done: self._loaded(key, done))
        result: T = await asyncio.shield(task)
        return result

    def _loaded(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._loading.get(key) is task:
            del self._loading[key]
        if not task.cancelled():
            task.exception()  # retrieved here too: every waiter may have been cancelled

    def forget(self) -> None:
        """Something changed: drop every cached row and token."""
        self.generation += 1
        self._loading.clear()
        self._accounts.clear()
        self._tokens.clear()
        self._api_clients.clear()

    def due_for_touch(self, account_id: str) -> bool:
        """Whether ``last_used_at`` should be written now (and note that it will be)."""
        now = time.monotonic()
        last = self._touched.get(account_id)
        if last is not None and now - last < self.touch_every:
            return False
        _put_bounded(self._touched, account_id, now, self.max_entries)
        return True


class Caches:
    """Everything one gateway process caches: the call cache and the workspace schemas the
    tools share, and (with Redis) the channel that tells the other processes to drop
    theirs. ``forget`` is what every service calls after a change."""

    def __init__(self) -> None:
        #: ACTIVE accounts and unsealed tokens for a few seconds; see ``CallCache``.
        self.calls = CallCache()
        self._schemas: dict[str, dict[str, Any]] = {}
        #: With Redis: tells the other processes to drop their caches; see ``invalidation``.
        self.invalidation: CacheInvalidation | None = None

    async def forget(self, *, connections: bool = False) -> None:
        """Something changed (``connections``: a connection, not only an account): drop this
        process's caches and, with Redis, tell the other processes to drop theirs."""
        self.drop(connections)
        if self.invalidation is not None:
            await self.invalidation.publish(connections=connections)

    def drop(self, connections: bool) -> None:
        """Drop this process's caches (what an invalidation message asks for)."""
        self.calls.forget()
        if connections:
            # Schemas are kept per workspace; a connection that changed or went away may
            # leave ones no account uses any more: cheap to read again.
            self._schemas.clear()

    def schema(self, workspace_key: str) -> dict[str, Any]:
        """The workspace schema cache the tools share (per workspace, per process)."""
        schema = self._schemas.get(workspace_key)
        if schema is None:
            schema = {}
            _put_bounded(self._schemas, workspace_key, schema, MAX_WORKSPACES)
        return schema
