"""Audit retention: events older than ``Settings.audit_retention_days`` are deleted in
batches by a background task of each gateway process, exported first when
``Settings.audit_export_path`` is set (docs/scaling.md).

Each batch is one short transaction of at most ``BATCH`` rows found through the ``at``
index, so calls writing their own events are never held up for long; between batches
the task yields to the event loop. Processes sharing one database prune disjoint
batches. The export is appended and flushed to disk before the batch's delete commits:
an event is never deleted unexported. A crash between the two can export a batch twice
(at least once); each line carries the event's unique ``event_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from attio_gateway.clock import Clock
from attio_gateway.errors import ConfigurationError
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AuditEventRow

__all__ = ["BATCH", "AuditRetention", "event_line"]

log = logging.getLogger(__name__)

#: Events deleted per transaction.
BATCH = 1000


def event_line(event: AuditEventRow) -> str:
    """One exported event: a JSON object on one line, times in ISO 8601."""
    fields = asdict(event)
    fields["at"] = event.at.isoformat()
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


class AuditRetention:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        days: float,
        every: float,
        export_path: Path | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._days = days
        self._every = every
        self._export_path = export_path
        self._task: asyncio.Task[None] | None = None

    async def prune(
        self,
        *,
        older_than_days: float | None = None,
        export: TextIO | Path | None = None,
        batch: int = BATCH,
    ) -> int:
        """Delete every event older than ``older_than_days`` (the setting by default; 0
        deletes nothing), each batch written to ``export`` first (a file appended to, or
        an open text stream; the setting by default). How many were deleted."""
        days = self._days if older_than_days is None else older_than_days
        if days <= 0:
            return 0
        target = self._export_path if export is None else export
        before = self._clock.now() - timedelta(days=days)
        deleted = 0
        while True:
            taken = await q.prune_audit_events(
                self._db, before=before, limit=batch, export=_exporter(target)
            )
            deleted += taken
            if taken < batch:
                return deleted
            await asyncio.sleep(0)  # let calls in between batches

    def start(self) -> None:
        """Run ``prune`` now and every ``every`` seconds, until ``close``."""
        if self._days > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="attio-gateway-audit-retention")

    async def _run(self) -> None:
        while True:
            try:
                deleted = await self.prune()
                if deleted:
                    log.info("audit retention: deleted %d events", deleted)
            except Exception:  # a database hiccup must not end the job; the next run retries
                log.exception("audit retention failed")
            await asyncio.sleep(self._every)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _exporter(
    target: TextIO | Path | None,
) -> Callable[[list[AuditEventRow]], Awaitable[None]] | None:
    if target is None:
        return None

    async def export(events: list[AuditEventRow]) -> None:
        text = "".join(event_line(event) + "\n" for event in events)
        try:
            await asyncio.to_thread(_append, target, text)
        except OSError as exc:  # said as what it is, not as a database that is unreachable
            raise ConfigurationError(
                f"The audit export {target} cannot be written ({exc.strerror or exc}); "
                "nothing was deleted."
            ) from exc

    return export


def _append(target: TextIO | Path, text: str) -> None:
    if not isinstance(target, Path):
        target.write(text)
        target.flush()
        return
    with target.open("a", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())  # on disk before the delete commits
