"""Audit events written off the caller's path, without losing any.

An insert (a commit, an fsync on SQLite) used to cost more than the proxied call itself.
``AuditWriter.put`` queues the event; with ``wait=True`` it also waits until the event is
stored (``AsyncGateway.audit`` does, for the tools and every other caller; only the
proxy's per-call event does not wait). One background task inserts what is queued in
batches, one transaction per batch, at most ``LINGER_SECONDS`` after the first event of a
batch was queued (at once when someone waits). Nothing is dropped:

- the queue is bounded, and a full queue makes callers wait (back-pressure) rather than
  discard;
- a batch the database refuses stays queued and is retried (a duplicate ``event_id`` is
  skipped: that event is already stored);
- ``flush()`` returns once everything queued so far is stored: ``audit_events()`` calls
  it before reading, so a process always reads its own events; ``close()`` flushes, and
  raises naming how many events could not be stored if the database stays unusable.

Another process reads a proxy event once it is stored, normally within ~50 ms; only a
crash (``SIGKILL``, power loss) can lose the proxy events of the batch being gathered.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
from typing import Any

from attio_gateway.clock import Clock
from attio_gateway.errors import ConflictError, StorageError
from attio_gateway.sdk import models
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuditEventRow

__all__ = [
    "CLOSE_TIMEOUT",
    "LINGER_SECONDS",
    "MAX_BATCH",
    "MAX_QUEUED",
    "RETRY_DELAYS",
    "Audit",
    "AuditWriter",
]

log = logging.getLogger(__name__)

MAX_QUEUED = 10_000
MAX_BATCH = 500
#: Backoff between retries of a batch the database refused, in seconds.
RETRY_DELAYS = (0.05, 0.2, 1.0, 2.0)
#: How long the writer waits for more events before storing a batch: one insert per call
#: would cost the event loop about as much CPU as the proxied call itself.
LINGER_SECONDS = 0.05
#: How long ``close()`` waits for the last events to be stored.
CLOSE_TIMEOUT = 10.0


_Item = tuple[AuditEventRow, "asyncio.Future[None] | None"]


class AuditWriter:
    def __init__(self, db: Database, *, max_queued: int = MAX_QUEUED) -> None:
        self._db = db
        #: Each event with the future of a caller waiting until it is stored, if any.
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(max_queued)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_requested = asyncio.Event()

    async def put(self, event: AuditEventRow, *, wait: bool = False) -> None:
        """Queue ``event``; with ``wait``, return only once it is stored."""
        if self._task is None or self._task.done():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.create_task(self._run(), name="attio-gateway-audit")
            atexit.register(self._flush_at_exit)
            # Let the writer enter its loop: a task cancelled before it ever ran could not
            # drain the queue when asyncio.run() ends without close().
            await asyncio.sleep(0)
        if not wait:
            await self._queue.put((event, None))
            return
        stored = asyncio.get_running_loop().create_future()
        await self._queue.put((event, stored))
        self._flush_requested.set()  # someone waits: no lingering
        await stored

    async def flush(self) -> None:
        """Wait until every event queued so far is stored."""
        if self._task is not None:
            self._flush_requested.set()  # no lingering: store what is queued now
            await self._queue.join()
            self._flush_requested.clear()

    async def close(self) -> None:
        """Flush, then stop the writer; raise if events could not be stored in time."""
        if self._task is None:
            return
        atexit.unregister(self._flush_at_exit)
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.flush()
        except TimeoutError:
            raise StorageError(
                f"{self._queue.qsize()} audit event(s) could not be written to the database "
                f"within {CLOSE_TIMEOUT:.0f} s of closing."
            ) from None
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _flush_at_exit(self) -> None:
        """The interpreter is exiting with the gateway still open (a script that raised, or
        never closed a synchronous ``Gateway``, whose loop runs on a daemon thread)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return  # asyncio.run() already ended: its cancellation drained the queue
        try:
            # close(): flush, then end the writer task (a pending task is reported at exit).
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(CLOSE_TIMEOUT + 1)
        except Exception:
            log.exception("audit: %d event(s) could not be stored at exit", self._queue.qsize())

    async def _run(self) -> None:
        batch: list[_Item] = []
        try:
            while True:
                batch = [await self._queue.get()]
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(LINGER_SECONDS):
                        await self._flush_requested.wait()
                while len(batch) < MAX_BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                self._flush_requested.clear()
                await self._store_batch(batch)
                batch = []
        except asyncio.CancelledError:
            # Stopped by close(), or by asyncio.run() ending without close(): store what
            # was taken and what is still queued (a few tries only: the loop is ending).
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if batch:
                await self._store_batch(batch, attempts=len(RETRY_DELAYS))
            raise

    async def _store_batch(self, batch: list[_Item], *, attempts: int | None = None) -> None:
        stored = await self._store([event for event, _ in batch], attempts=attempts)
        for _, waiter in batch:
            if waiter is not None and not waiter.done():
                if stored:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(StorageError("the audit event could not be stored"))
            self._queue.task_done()

    async def _store(self, batch: list[AuditEventRow], *, attempts: int | None = None) -> bool:
        """Insert ``batch``, retrying (forever unless ``attempts`` is given); whether it is
        stored."""
        attempt = 0
        while True:
            try:
                await q.record_audit_events(self._db, events=batch)
                return True
            except ConflictError:
                if len(batch) == 1:
                    return True  # this event_id is already stored: never written twice
                results = [await self._store([event], attempts=attempts) for event in batch]
                return all(results)
            except Exception as exc:  # retried, never dropped silently
                attempt += 1
                if attempts is not None and attempt >= attempts:
                    log.error("audit: %d event(s) could not be stored: %s", len(batch), exc)
                    return False
                delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
                log.warning(
                    "audit: %d event(s) not stored yet (%s); retrying in %.2f s",
                    len(batch),
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)


class Audit:
    """The audit log of one gateway process: events recorded through one ``AuditWriter``,
    stamped by the gateway's clock, and read back (this process's own events first
    stored)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.writer = AuditWriter(db)

    async def record(self, *, wait: bool = True, **fields: Any) -> str:
        """Record one audit event (never tokens, never bodies); returns its id. With
        ``wait=False`` it is only queued (stored within ~50 ms, never dropped)."""
        event_id = fields.pop("event_id", None) or q.new_id()
        await self.writer.put(
            AuditEventRow(event_id=event_id, at=self._clock.now(), **fields), wait=wait
        )
        return event_id

    async def events(self, **filters: Any) -> list[models.AuditEvent]:
        """Stored events, newest first, filtered as ``storage.queries.list_audit_events``."""
        await self.writer.flush()  # this process always reads its own events
        rows = await q.list_audit_events(self._db, **filters)
        return [
            models.AuditEvent(**{k: getattr(r, k) for k in models.AuditEvent.model_fields})
            for r in rows
        ]
