"""Idempotency keys: a write retried with its key is sent to Attio at most once.

``Idempotency.run`` wraps one write of one connected account:

- the key is claimed (``in_flight``) in the database *before* the request leaves, so a
  gateway killed mid-write leaves a trace the next attempt finds;
- same key, same canonical request, finished → the stored result, nothing sent;
- same key, another request → ``IdempotencyKeyReusedError`` (409) naming both fingerprints;
- same key still in flight (in any process) → polled until it finishes, for at most
  ``Settings.idempotency_wait``, then ``IdempotencyInProgressError`` (409);
- the outcome was unknown (``WriteOutcomeUnknownError``), or a claim was not renewed for
  ``Settings.idempotency_lease`` (a running write renews it every third of the lease, so
  its gateway died) → the next attempt takes the key over
  and *reconciles*: a reconciler looks for what the first attempt wrote (found: that is the
  result, recorded; not found: sent once). Without one the write is refused
  (``IdempotencyOutcomeUnknownError``) unless ``force=True``.
- an error that says the write was not applied (a 4xx, a refused input, a connection never
  made) releases the key: the next attempt sends again.

The fingerprint is the SHA-256 of the canonical request: method, path (or tool name) and
the arguments as JSON with sorted keys and no spaces.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    GatewayError,
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    IdempotencyOutcomeUnknownError,
    ToolInputError,
    WriteOutcomeUnknownError,
)
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import IdempotencyRow

__all__ = [
    "Idempotency",
    "Reconciler",
    "canonical_json",
    "check_key",
    "derive_key",
    "fingerprint",
]

#: What a send and a reconciler give back: a JSON object stored as the key's result.
Result = dict[str, Any]
#: Looks for what a first attempt with an unknown outcome wrote: its result, or ``None``.
Reconciler = Callable[[IdempotencyRow], Awaitable[Result | None]]

_KEY = re.compile(r"[\x21-\x7e]{1,255}")
#: How often a waiting duplicate looks at the key again.
POLL_SECONDS = 0.05
#: The purge of expired keys runs at most this often per process.
PURGE_EVERY = 60.0


def check_key(key: str) -> str:
    """A key is 1–255 visible ASCII characters (a UUID is a good one)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ToolInputError(
            f"idempotency_key must be 1-255 visible ASCII characters (no spaces), got {key!r}.",
            field="idempotency_key",
        )
    return key


def derive_key(
    idempotency_key: str | None, run_id: str | None, request: dict[str, Any]
) -> str | None:
    """The key a write runs under: the caller's own, or one derived from its ``run_id``
    (opt-in): the same write — tool or method and path, with the same canonical
    arguments — in one run is sent once; another run, or other arguments, is another key."""
    if idempotency_key is not None:
        if run_id is not None:
            raise ToolInputError("give idempotency_key or run_id, not both.", field="run_id")
        return check_key(idempotency_key)
    if run_id is None:
        return None
    if not isinstance(run_id, str) or not _KEY.fullmatch(run_id):
        raise ToolInputError(
            f"run_id must be 1-255 visible ASCII characters (no spaces), got {run_id!r}.",
            field="run_id",
        )
    return "run-" + fingerprint({"run_id": run_id, "request": request})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(request: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


class Idempotency:
    """Idempotency keys of one gateway process (the rows are shared through the database)."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        ttl: float = 24 * 3600,
        wait: float = 30,
        lease: float = 300,
    ) -> None:
        self._db = db
        self._clock = clock
        self._ttl = timedelta(seconds=ttl)
        self._wait = wait
        self._lease = timedelta(seconds=lease)
        self._purged_at: float | None = None

    async def _purge(self) -> None:
        """Drop expired keys, at most once a minute per process (opportunistic: on a write)."""
        moment = self._clock.monotonic()
        if self._purged_at is not None and moment - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = moment
        await q.delete_expired_idempotency_keys(self._db, now=self._clock.now())

    async def run(
        self,
        *,
        account_id: str,
        key: str,
        request: dict[str, Any],
        send: Callable[[], Awaitable[Result]],
        reconcile: Reconciler | None,
        force: bool = False,
        keep: Callable[[Result], bool] | None = None,
    ) -> tuple[Result, bool]:
        """``(result, replayed)``: ``send()``'s result, or the stored one (``replayed``).
        A result ``keep`` refuses (an answer saying nothing was done, such as a 429) is
        returned but not stored: the key is released, and the next attempt sends again."""
        check_key(key)
        await self._purge()
        wanted = fingerprint(request)
        owner = str(uuid.uuid4())
        deadline = self._clock.monotonic() + self._wait
        while True:
            now = self._clock.now()
            row, claimed = await q.claim_idempotency_key(
                self._db,
                account_id=account_id,
                key=key,
                fingerprint=wanted,
                request=request,
                owner=owner,
                now=now,
                expires_at=now + self._ttl,
            )
            if claimed:
                return await self._send(account_id, key, owner, send, keep), False
            if row.fingerprint != wanted:
                raise IdempotencyKeyReusedError(
                    f"Idempotency key {key!r} was first used for another request "
                    f"(fingerprint {row.fingerprint}); this request's fingerprint is {wanted}. "
                    "A key names one request: use a new key for a different one."
                )
            if row.state == "done" and row.result is not None:
                return row.result, True
            stale = row.state == "in_flight" and now - row.updated_at >= self._lease
            if row.state == "unknown" or stale:
                if not await q.take_over_idempotency_key(
                    self._db,
                    account_id=account_id,
                    key=key,
                    previous_owner=row.owner,
                    owner=owner,
                    now=now,
                ):
                    continue  # another attempt took it over first: look again
                return await self._reconcile(row, owner, send, reconcile, force, keep)
            if self._clock.monotonic() >= deadline:
                raise IdempotencyInProgressError(
                    f"The request with idempotency key {key!r} is still in progress "
                    f"(started {row.created_at.isoformat()}); retry it later with the same key."
                )
            await asyncio.sleep(POLL_SECONDS)

    async def _send(
        self,
        account_id: str,
        key: str,
        owner: str,
        send: Callable[[], Awaitable[Result]],
        keep: Callable[[Result], bool] | None,
    ) -> Result:
        heartbeat = asyncio.create_task(self._renew(account_id, key, owner))
        try:
            result = await send()
        except WriteOutcomeUnknownError:
            await self._finish(account_id, key, owner, "unknown", None)
            raise
        except GatewayError:
            # Said not applied (refused, never reached Attio): the key may be used again.
            await q.release_idempotency_key(self._db, account_id=account_id, key=key, owner=owner)
            raise
        except BaseException:
            # Cancelled or crashed mid-write: whether it was applied is not known.
            await asyncio.shield(self._finish(account_id, key, owner, "unknown", None))
            raise
        finally:
            heartbeat.cancel()
        if keep is not None and not keep(result):
            await q.release_idempotency_key(self._db, account_id=account_id, key=key, owner=owner)
        else:
            await self._finish(account_id, key, owner, "done", result)
        return result

    async def _renew(self, account_id: str, key: str, owner: str) -> None:
        """While a write runs, its claim is renewed every third of the lease, so only a
        claim whose gateway stopped (killed, crashed) outlives the lease."""
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await q.renew_idempotency_key(
                    self._db, account_id=account_id, key=key, owner=owner, now=self._clock.now()
                )
            except GatewayError:
                continue  # the database is away a moment: the next renewal tries again

    async def _finish(
        self, account_id: str, key: str, owner: str, state: str, result: Result | None
    ) -> None:
        await q.finish_idempotency_key(
            self._db,
            account_id=account_id,
            key=key,
            owner=owner,
            state=state,
            result=result,
            now=self._clock.now(),
        )

    async def _reconcile(
        self,
        row: IdempotencyRow,
        owner: str,
        send: Callable[[], Awaitable[Result]],
        reconcile: Reconciler | None,
        force: bool,
        keep: Callable[[Result], bool] | None,
    ) -> tuple[Result, bool]:
        if not force:
            if reconcile is None:
                await self._finish(row.account_id, row.key, owner, "unknown", None)
                raise IdempotencyOutcomeUnknownError(
                    f"The first request with idempotency key {row.key!r} may or may not have "
                    "been applied, and there is no safe way to look it up for this request. "
                    "Check Attio, then resend with force=True (or use a new key)."
                )
            try:
                found = await reconcile(row)
            except BaseException:
                await asyncio.shield(self._finish(row.account_id, row.key, owner, "unknown", None))
                raise
            if found is not None:
                await self._finish(row.account_id, row.key, owner, "done", found)
                return found, True
        return await self._send(row.account_id, row.key, owner, send, keep), False
