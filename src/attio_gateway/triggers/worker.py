"""``DeliveryWorker``: posts each pending trigger delivery to its app, signed, in order per
subscription, retried with exponential back-off and dead after ``max_attempts``.

One asyncio task per gateway process. Work is found in the database, so any number of
processes share it: a delivery is claimed (``claimed_by`` until ``claimed_until``) before
it is sent, and a process that dies holding one loses it when the lease passes; another
process then sends it (at least once). Only the first pending delivery of a subscription
is ever due, so a subscription's events go out in the order they were received, and an
app that keeps failing holds back only its own subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from datetime import timedelta
from typing import Any

import httpx

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    AccountNotActiveError,
    GatewayError,
    NotFoundError,
    ToolInputError,
    UpstreamError,
    UpstreamUnavailableError,
)
from attio_gateway.events.signing import SIGNATURE_HEADER, signature_header
from attio_gateway.proxy.httpx_errors import sending
from attio_gateway.storage import Database
from attio_gateway.storage.queries import new_id
from attio_gateway.storage.queries import triggers as tq
from attio_gateway.triggers.service import AttioCall, event_of, record_path
from attio_gateway.vault.credentials import Credentials

__all__ = ["DeliveryWorker", "backoff"]

logger = logging.getLogger("attio_gateway.triggers")

MAX_BACKOFF = 3600.0


def backoff(attempts: int, base: float) -> float:
    """Seconds before attempt ``attempts + 1``: ``base``, doubled after each failure,
    at most an hour."""
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


class DeliveryWorker:
    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        clock: Clock,
        http: httpx.AsyncClient,
        attio: AttioCall | None = None,
        max_attempts: int = 8,
        retry_base: float = 1.0,
        lease: float = 60.0,
        poll_interval: float = 1.0,
        retention: float = 30 * 86400.0,
        timeout: float = 10.0,
        concurrency: int = 32,
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._clock = clock
        self._http = http
        self._attio = attio
        self._claimed_any = False
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.lease = lease
        self.poll_interval = poll_interval
        #: Seconds a settled event is kept; purged at most once an hour per process.
        self.retention = retention
        self._purged_at: float | None = None
        self.timeout = timeout
        self.concurrency = concurrency
        #: This process's name on the deliveries it holds.
        self.owner = new_id()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending: dict[str, asyncio.Task[None]] = {}  # subscription id → its send

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="attio-gateway trigger deliveries"
            )

    def wake(self) -> None:
        """Look for due deliveries now (new work was queued in this process)."""
        self._wake.set()

    async def close(self) -> None:
        """Stop; a send in flight is cancelled and its delivery left pending for the next
        round (this process's claims are released, so nothing waits out the lease)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        sends = list(self._sending.values())
        for send in sends:
            send.cancel()
        await asyncio.gather(task, *sends, return_exceptions=True)
        if self._claimed_any:
            with contextlib.suppress(Exception):
                await tq.release_claims(self._db, owner=self.owner)

    async def _run(self) -> None:
        while True:
            try:
                await self.purge_if_due()
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was away a moment: try again next round
                logger.exception("trigger deliveries: a round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    async def purge_if_due(self) -> int:
        """Delete settled events older than the retention, at most once an hour."""
        moment = self._clock.monotonic()
        if self._purged_at is not None and moment - self._purged_at < 3600:
            return 0
        self._purged_at = moment
        before = self._clock.now() - timedelta(seconds=self.retention)
        return await tq.purge_events(self._db, before=before)

    async def run_once(self) -> int:
        """Claim every due head of a subscription not being sent by this process and start
        sending it; returns how many were started."""
        now = self._clock.now()
        started = 0
        free = self.concurrency - len(self._sending)
        if free <= 0:
            return 0
        for row in await tq.due_heads(self._db, now=now):
            if started >= free:
                break  # claim no more than can be sent now, so no claim waits out its lease
            if row.subscription_id in self._sending:
                continue
            until = now + timedelta(seconds=self.lease)
            claimed = await tq.claim_delivery(
                self._db, delivery_id=row.id, owner=self.owner, now=now, until=until
            )
            if not claimed:
                continue
            self._claimed_any = True
            task = asyncio.get_running_loop().create_task(self._send(row))
            self._sending[row.subscription_id] = task
            task.add_done_callback(functools.partial(self._done, row.subscription_id))
            started += 1
        return started

    def _done(self, subscription_id: str, task: asyncio.Task[None]) -> None:
        self._sending.pop(subscription_id, None)
        if not task.cancelled() and task.exception() is not None:
            # Left claimed: sent again once the lease passes.
            logger.error(
                "trigger delivery to subscription %s failed unexpectedly",
                subscription_id,
                exc_info=task.exception(),
            )
        self._wake.set()  # its next event may be due now

    async def _send(self, row: tq.DeliveryRow) -> None:
        subscription = await tq.get_subscription(self._db, subscription_id=row.subscription_id)
        if subscription is None or subscription.target_url is None:
            return
        status: int | None = None
        error = ""
        record: dict[str, Any] | None = None
        try:
            record = await self._record(row, subscription)
        except GatewayError as exc:
            error = f"the record could not be read: {exc.message}"
        if error:
            await self._failed(row, subscription, status, error)
            return
        body = event_of(row, subscription, record).model_dump_json().encode()
        secret = self._credentials.trigger_subscription_secret(
            subscription.id, subscription.secret_sealed
        ).get_secret_value()
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(secret, body, timestamp),
            "X-Attio-Gateway-Delivery": str(row.id),
            "X-Attio-Gateway-Event": row.event_type,
        }
        try:
            with sending(f"The app's URL {subscription.target_url}"):
                response = await self._http.post(
                    subscription.target_url,
                    content=body,
                    headers=headers,
                    timeout=self.timeout,
                    follow_redirects=False,
                )
            status = response.status_code
            if response.is_success:
                await tq.finish_delivery(
                    self._db,
                    delivery_id=row.id,
                    owner=self.owner,
                    status=status,
                    now=self._clock.now(),
                )
                return
            error = f"HTTP {status}"
        except UpstreamUnavailableError as exc:
            error = exc.message
        await self._failed(row, subscription, status, error)

    async def _record(
        self, row: tq.DeliveryRow, subscription: tq.SubscriptionRow
    ) -> dict[str, Any] | None:
        """The record (or entry) the event is about, as the subscription's user sees it now;
        ``None`` when not asked for or gone. Raises GatewayError when it cannot be read now
        (Attio unavailable or rate limited: the attempt fails and is retried)."""
        if not subscription.include_record or self._attio is None:
            return None
        try:
            path = record_path(row.event)
        except ToolInputError:
            return None
        if path is None:
            return None
        try:
            status, body = await self._attio(
                connected_account_id=subscription.account_id, method="GET", path=path, json=None
            )
        except (AccountNotActiveError, NotFoundError):
            return None  # the user cannot read it any more: the event still goes out
        if status == 404:
            return None
        if not 200 <= status < 300:
            raise UpstreamError(f"Attio answered HTTP {status}.", status_code=status)
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else None

    async def _failed(
        self, row: tq.DeliveryRow, subscription: tq.SubscriptionRow, status: int | None, error: str
    ) -> None:
        attempts = row.attempts + 1
        dead = attempts >= self.max_attempts
        delay = backoff(attempts, self.retry_base)
        if dead:
            logger.warning(
                "trigger delivery %s to subscription %s is dead after %d attempts: %s",
                row.id,
                subscription.id,
                attempts,
                error,
            )
        await tq.retry_delivery(
            self._db,
            delivery_id=row.id,
            owner=self.owner,
            status=status,
            error=error,
            next_attempt_at=self._clock.now() + timedelta(seconds=delay),
            dead=dead,
        )
