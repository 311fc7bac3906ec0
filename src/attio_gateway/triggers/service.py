"""``Triggers``: subscriptions per connected account, the one Attio webhook per workspace,
Attio's deliveries received (verified, de-duplicated, queued) and events pulled.

Attio is called through ``attio`` (the gateway's one call path, so each webhook change is
audited and rate-limited like any other call); accounts are found through
``find_account``. Delivery to the apps is ``worker.DeliveryWorker``'s.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlparse

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    AuthenticationError,
    GatewayError,
    InvalidInputError,
    MissingScopesError,
    NotFoundError,
    UpstreamError,
)
from attio_gateway.events.signing import attio_signature_valid
from attio_gateway.proxy.paths import attio_path
from attio_gateway.storage import Database
from attio_gateway.storage.queries import new_id
from attio_gateway.storage.queries import triggers as tq
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.triggers.filters import (
    attio_subscriptions,
    check_event_types,
    check_filter,
    matches,
)
from attio_gateway.triggers.models import (
    DELIVERY_STATES,
    CreatedSubscription,
    Delivery,
    EventPage,
    InboundResult,
    Subscription,
    TriggerEvent,
)
from attio_gateway.vault.credentials import Credentials

__all__ = ["INBOUND_PATH", "REQUIRED_SCOPE", "AttioCall", "FindAccount", "Triggers", "event_of"]

logger = logging.getLogger("attio_gateway.triggers")

#: Where Attio posts a workspace's events, below the gateway's public base URL.
INBOUND_PATH = "/triggers/attio/{webhook_id}"
REQUIRED_SCOPE = "webhook:read-write"
MAX_BODY_EVENTS = 100


class AttioCall(Protocol):
    """One call to Attio as a connected account through the gateway's call path; returns
    Attio's status and JSON body (``None`` when it has none)."""

    async def __call__(
        self, *, connected_account_id: str, method: str, path: str, json: Any
    ) -> tuple[int, Any]: ...


FindAccount = Callable[..., Awaitable[tuple[ConnectionRow, AccountRow]]]


def _subscription(row: tq.SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        connection_name=row.connection_name,
        identifier=row.identifier,
        connected_account_id=row.account_id,
        workspace_id=row.workspace_id,
        event_types=row.event_types,
        filter=row.filter,
        target_url=row.target_url,
        include_record=row.include_record,
        created_at=row.created_at,
    )


def event_of(
    row: tq.DeliveryRow, subscription: tq.SubscriptionRow, record: dict[str, Any] | None = None
) -> TriggerEvent:
    """The event as the app gets it: Attio's event tagged with whose it is."""
    return TriggerEvent(
        delivery_id=row.id,
        event_id=row.event_id,
        subscription_id=subscription.id,
        connection_name=subscription.connection_name,
        identifier=subscription.identifier,
        workspace_id=row.workspace_id,
        event_type=row.event_type,
        event=row.event,
        received_at=row.received_at,
        record=record,
    )


def record_path(event: Mapping[str, Any]) -> str | None:
    """Where the record (or list entry) an event is about is read, if it still exists."""
    event_type = str(event.get("event_type"))
    ids = event.get("id")
    if not isinstance(ids, dict) or event_type.endswith(".deleted"):
        return None
    if event_type.startswith("record.") and ids.get("object_id") and ids.get("record_id"):
        return attio_path(
            "/v2/objects/{object}/records/{record_id}",
            object=str(ids["object_id"]),
            record_id=str(ids["record_id"]),
        )
    if event_type.startswith("list-entry.") and ids.get("list_id") and ids.get("entry_id"):
        return attio_path(
            "/v2/lists/{list}/entries/{entry_id}",
            list=str(ids["list_id"]),
            entry_id=str(ids["entry_id"]),
        )
    return None


def _delivery(row: tq.DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        event_id=row.event_id,
        subscription_id=row.subscription_id,
        event_type=row.event_type,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.state == "pending" else None,
        last_status=row.last_status,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )


def _check_target_url(value: str | None) -> str | None:
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or len(value) > 2000:
        raise InvalidInputError(
            f"target_url must be an http(s) URL of at most 2000 characters, got {value!r}.",
            field="target_url",
        )
    return value


def _attio_failure(what: str, status: int, body: Any) -> UpstreamError:
    message = body.get("message") if isinstance(body, dict) else None
    return UpstreamError(
        f"Attio refused to {what} (HTTP {status}){': ' + str(message) if message else ''}.",
        status_code=status,
    )


class Triggers:
    """Trigger subscriptions and their Attio webhooks, for one gateway process."""

    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        clock: Clock,
        attio: AttioCall,
        find_account: FindAccount,
        base_url: str,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._clock = clock
        self._attio = attio
        self._find_account = find_account
        self._base_url = base_url.rstrip("/")
        #: Called after an inbound delivery queued work (wakes this process's worker).
        self.on_queued = on_queued
        self._locks: dict[str, asyncio.Lock] = {}

    def inbound_url(self, webhook_id: str) -> str:
        """The URL Attio posts a workspace's events to."""
        return self._base_url + INBOUND_PATH.format(webhook_id=webhook_id)

    # --- subscriptions ---------------------------------------------------------------------

    async def subscribe(
        self,
        *,
        events: list[str],
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        target_url: str | None = None,
        filter: dict[str, Any] | None = None,
        include_record: bool = False,
    ) -> CreatedSubscription:
        """Subscribe to ``events`` of one connected account; the workspace's Attio webhook
        is created (or changed) to carry them. Without ``target_url`` the events are only
        kept for ``events()``. ``include_record``: each delivery also carries the record
        (or list entry) as it is now, fetched as the user through the call path. The
        returned ``secret`` signs the deliveries; it is shown only here.

        Raises:
            InvalidInputError: an unknown event type, a bad filter or target URL.
            NotFoundError: no such account.
            MissingScopesError: the account's grant lacks ``webhook:read-write``.
            AccountNotActiveError, UpstreamError: Attio could not be asked.
        """
        event_types = check_event_types(events)
        checked_filter = check_filter(filter)
        url = _check_target_url(target_url)
        connection, account = await self._find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        if REQUIRED_SCOPE not in account.granted_scopes:
            raise MissingScopesError(
                f"Triggers need the scope {REQUIRED_SCOPE!r} to manage the workspace's webhook; "
                f"the account {account.identifier!r} on {connection.name!r} was granted "
                f"{', '.join(account.granted_scopes) or 'none'}. Add it to the connection's "
                "scopes and send the user a new authorization link.",
                missing=[REQUIRED_SCOPE],
                granted=list(account.granted_scopes),
            )
        if not account.workspace_id:
            raise InvalidInputError(
                f"The account {account.identifier!r} has no workspace yet (status "
                f"{account.status}): it must be connected first.",
                field="identifier",
            )
        secret = "whsec_" + secrets.token_hex(32)
        subscription_id = new_id()
        await tq.add_subscription(
            self._db,
            subscription_id=subscription_id,
            account_id=account.id,
            event_types=event_types,
            filter_=checked_filter,
            target_url=url,
            include_record=include_record,
            secret_sealed=self._credentials.seal_trigger_subscription_secret(
                subscription_id, secret
            ),
            now=self._clock.now(),
        )
        try:
            await self._sync_webhook(account.workspace_id, account)
        except BaseException:
            await tq.delete_subscription(self._db, subscription_id=subscription_id)
            raise
        row = await tq.get_subscription(self._db, subscription_id=subscription_id)
        assert row is not None
        return CreatedSubscription(**_subscription(row).model_dump(), secret=secret)

    async def list_subscriptions(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> list[Subscription]:
        """Subscriptions, oldest first; every filter given must match."""
        rows = await tq.list_subscriptions(
            self._db,
            account_id=connected_account_id,
            connection_name=connection_name,
            identifier=identifier,
        )
        return [_subscription(row) for row in rows]

    async def get(self, subscription_id: str) -> Subscription:
        """Raises: NotFoundError: no such subscription."""
        return _subscription(await self._row(subscription_id))

    async def _row(self, subscription_id: str) -> tq.SubscriptionRow:
        row = await tq.get_subscription(self._db, subscription_id=subscription_id)
        if row is None:
            raise NotFoundError(f"No trigger subscription with id {subscription_id!r}.")
        return row

    async def delete(self, subscription_id: str) -> None:
        """Delete a subscription and its deliveries; the workspace's Attio webhook loses
        what only it wanted, and is deleted with the last subscription.

        Raises:
            NotFoundError: no such subscription.
        """
        row = await self._row(subscription_id)
        await tq.delete_subscription(self._db, subscription_id=subscription_id)
        if row.workspace_id:
            await self._sync_webhook(row.workspace_id, None)

    async def repair(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> bool:
        """Make sure the account's workspace has its Attio webhook: made again (same inbound
        URL, a new secret) when Attio no longer has it or has switched it off, changed
        when it carries other events than wanted. Run after a re-authorization; ``True``
        when the webhook was made again.

        Raises:
            NotFoundError: no such account.
            AccountNotActiveError, UpstreamError: Attio could not be asked.
        """
        _, account = await self._find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        if not account.workspace_id:
            return False
        workspace_id = account.workspace_id
        lock = self._locks.setdefault(workspace_id, asyncio.Lock())
        async with lock:
            subscriptions = await tq.subscriptions_of_workspace(self._db, workspace_id=workspace_id)
            wanted = attio_subscriptions((s.event_types, s.filter) for s in subscriptions)
            hook = await tq.get_webhook_of_workspace(self._db, workspace_id=workspace_id)
            if not wanted:
                return False
            if hook is None:
                await self._create_webhook(workspace_id, account, wanted)
                return True
            status, body = await self._attio(
                connected_account_id=account.id,
                method="GET",
                path=attio_path("/v2/webhooks/{webhook_id}", webhook_id=hook.attio_webhook_id),
                json=None,
            )
            data = body.get("data") if isinstance(body, dict) else None
            gone = status == 404 or (isinstance(data, dict) and data.get("status") == "inactive")
            if not gone:
                if not 200 <= status < 300:
                    raise _attio_failure("read the workspace's webhook", status, body)
                if isinstance(data, dict) and data.get("subscriptions") != wanted:
                    hook = replace(hook, attio_subscriptions=[])  # Attio's differ: send ours
                await self._change_webhook(hook, wanted, account.id)
                return False
            status, body = await self._attio(
                connected_account_id=account.id,
                method="POST",
                path="/v2/webhooks",
                json={"data": {"target_url": self.inbound_url(hook.id), "subscriptions": wanted}},
            )
            data = body.get("data") if isinstance(body, dict) else None
            if not 200 <= status < 300 or not isinstance(data, dict) or not data.get("secret"):
                raise _attio_failure("create the workspace's webhook again", status, body)
            await tq.replace_webhook(
                self._db,
                webhook_id=hook.id,
                account_id=account.id,
                attio_webhook_id=str(data["id"]["webhook_id"]),
                secret_sealed=self._credentials.seal_trigger_webhook_secret(
                    hook.id, str(data["secret"])
                ),
                attio_subscriptions=wanted,
                now=self._clock.now(),
            )
            logger.info("trigger webhook of workspace %s made again at Attio", workspace_id)
            return True

    async def after_authorization(self, *, connection_name: str, identifier: str) -> None:
        """An account was (re-)authorized: if it has subscriptions, ``repair`` its
        workspace's webhook. Best effort: a failure is logged, never raised."""
        mine = await tq.list_subscriptions(
            self._db, connection_name=connection_name, identifier=identifier
        )
        if not mine:
            return
        try:
            await self.repair(connection_name=connection_name, identifier=identifier)
        except GatewayError as exc:
            logger.warning(
                "trigger webhook not checked after %r authorized again: %s", identifier, exc.message
            )

    async def forget_account(self, account: AccountRow) -> None:
        """Before ``account`` is deleted (its token still works): its subscriptions go, and
        the workspace's webhook is changed or deleted at Attio; another subscribed account
        of the workspace manages it from then on. Best effort: a failure at Attio is
        logged, and the account is deleted all the same."""
        mine = await tq.list_subscriptions(self._db, account_id=account.id)
        for row in mine:
            await tq.delete_subscription(self._db, subscription_id=row.id)
        if not account.workspace_id:
            return
        hook = await tq.get_webhook_of_workspace(self._db, workspace_id=account.workspace_id)
        if not mine and (hook is None or hook.account_id != account.id):
            return
        try:
            await self._sync_webhook(account.workspace_id, None, leaving=account.id)
        except GatewayError as exc:
            logger.warning(
                "trigger webhook of workspace %s not updated at Attio for a deleted account: %s",
                account.workspace_id,
                exc.message,
            )

    # --- the workspace's Attio webhook -----------------------------------------------------

    async def _sync_webhook(
        self, workspace_id: str, account: AccountRow | None, *, leaving: str | None = None
    ) -> None:
        """Make the workspace's Attio webhook carry what its subscriptions want: create it
        (as ``account``) when there is none, change it, or delete it when nothing is
        wanted any more. ``leaving``: an account about to be deleted, whose token still
        works for this once; a remaining subscribed account manages the webhook after."""
        lock = self._locks.setdefault(workspace_id, asyncio.Lock())
        async with lock:
            subscriptions = await tq.subscriptions_of_workspace(self._db, workspace_id=workspace_id)
            wanted = attio_subscriptions((s.event_types, s.filter) for s in subscriptions)
            hook = await tq.get_webhook_of_workspace(self._db, workspace_id=workspace_id)
            if hook is None:
                if wanted and account is not None:
                    await self._create_webhook(workspace_id, account, wanted)
                return
            caller = hook.account_id or (account.id if account else None)
            if caller is None and subscriptions:
                caller = subscriptions[0].account_id
            if caller is None:
                logger.warning(
                    "trigger webhook %s of workspace %s: no account left to delete it at Attio",
                    hook.attio_webhook_id,
                    workspace_id,
                )
                await tq.delete_webhook(self._db, webhook_id=hook.id)
                return
            if not wanted:
                await self._delete_webhook(hook, caller)
                return
            await self._change_webhook(hook, wanted, caller)
            if hook.account_id is None or hook.account_id == leaving:
                await tq.set_webhook_account(
                    self._db,
                    webhook_id=hook.id,
                    account_id=subscriptions[0].account_id,
                    now=self._clock.now(),
                )

    async def _change_webhook(
        self, hook: tq.WebhookRow, wanted: list[dict[str, Any]], caller: str
    ) -> None:
        if hook.attio_subscriptions == wanted:
            return
        status, body = await self._attio(
            connected_account_id=caller,
            method="PATCH",
            path=attio_path("/v2/webhooks/{webhook_id}", webhook_id=hook.attio_webhook_id),
            json={"data": {"subscriptions": wanted}},
        )
        if not 200 <= status < 300:
            raise _attio_failure("change the workspace's webhook", status, body)
        await tq.update_webhook_subscriptions(
            self._db, webhook_id=hook.id, attio_subscriptions=wanted, now=self._clock.now()
        )

    async def _create_webhook(
        self, workspace_id: str, account: AccountRow, wanted: list[dict[str, Any]]
    ) -> None:
        webhook_id = new_id()
        status, body = await self._attio(
            connected_account_id=account.id,
            method="POST",
            path="/v2/webhooks",
            json={"data": {"target_url": self.inbound_url(webhook_id), "subscriptions": wanted}},
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not 200 <= status < 300 or not isinstance(data, dict) or not data.get("secret"):
            raise _attio_failure("create the workspace's webhook", status, body)
        attio_webhook_id = str(data["id"]["webhook_id"])
        stored = await tq.add_webhook(
            self._db,
            webhook_id=webhook_id,
            workspace_id=workspace_id,
            account_id=account.id,
            attio_webhook_id=attio_webhook_id,
            secret_sealed=self._credentials.seal_trigger_webhook_secret(
                webhook_id, str(data["secret"])
            ),
            attio_subscriptions=wanted,
            now=self._clock.now(),
        )
        if not stored:
            # Another process created the workspace's webhook meanwhile: keep that one.
            await self._attio(
                connected_account_id=account.id,
                method="DELETE",
                path=attio_path("/v2/webhooks/{webhook_id}", webhook_id=attio_webhook_id),
                json=None,
            )
            hook = await tq.get_webhook_of_workspace(self._db, workspace_id=workspace_id)
            if hook is not None:
                await self._change_webhook(hook, wanted, hook.account_id or account.id)

    async def _delete_webhook(self, hook: tq.WebhookRow, caller: str) -> None:
        status, body = await self._attio(
            connected_account_id=caller,
            method="DELETE",
            path=attio_path("/v2/webhooks/{webhook_id}", webhook_id=hook.attio_webhook_id),
            json=None,
        )
        if not (200 <= status < 300 or status == 404):
            raise _attio_failure("delete the workspace's webhook", status, body)
        await tq.delete_webhook(self._db, webhook_id=hook.id)

    # --- inbound: what Attio posts ---------------------------------------------------------

    async def receive(
        self, webhook_id: str, body: bytes, headers: Mapping[str, str]
    ) -> InboundResult:
        """One delivery from Attio to ``INBOUND_PATH``: its signature checked with the
        webhook's secret, each event stored once (by Attio's ``Idempotency-Key``, else the
        body's hash) with a pending delivery per subscription that wants it. Nothing is
        sent from here: the worker does that.

        ``headers`` must be case-insensitive (as Starlette's are).

        Raises:
            NotFoundError: no such webhook (deleted, or never the gateway's).
            AuthenticationError: no or a wrong ``Attio-Signature`` (forged).
            InvalidInputError: a signed body that is not Attio's shape.
        """
        hook = await tq.get_webhook(self._db, webhook_id=webhook_id)
        if hook is None:
            logger.warning("trigger inbound: unknown webhook %r refused", webhook_id[:64])
            raise NotFoundError(f"No trigger webhook {webhook_id!r}.")
        secret = self._credentials.trigger_webhook_secret(hook.id, hook.secret_sealed)
        signature = headers.get("attio-signature") or headers.get("x-attio-signature")
        if not attio_signature_valid(secret.get_secret_value(), body, signature):
            logger.warning(
                "trigger inbound: delivery to webhook %s of workspace %s refused: %s",
                hook.id,
                hook.workspace_id,
                "no signature" if not signature else "the signature does not match",
            )
            raise AuthenticationError("Attio-Signature is missing or does not match the body.")
        events = self._events_of(body, hook)
        key = headers.get("idempotency-key") or hashlib.sha256(body).hexdigest()
        subscriptions = await tq.subscriptions_of_workspace(
            self._db, workspace_id=hook.workspace_id
        )
        stored = duplicates = dropped = 0
        for index, event in enumerate(events):
            event_type = str(event.get("event_type"))
            wanting = [
                s for s in subscriptions if event_type in s.event_types and matches(event, s.filter)
            ]
            if not wanting:
                dropped += 1
                continue
            added = await tq.add_event(
                self._db,
                webhook_id=hook.id,
                dedup_key=f"{key[:150]}:{index}",
                workspace_id=hook.workspace_id,
                event_type=event_type,
                event=event,
                deliveries=[(s.id, "pending" if s.target_url else "stored") for s in wanting],
                now=self._clock.now(),
            )
            if added is None:
                duplicates += 1
                logger.info("trigger inbound: duplicate delivery %s dropped", key[:64])
            else:
                stored += 1
        if stored and self.on_queued is not None:
            self.on_queued()
        return InboundResult(stored=stored, duplicates=duplicates, dropped=dropped)

    @staticmethod
    def _events_of(body: bytes, hook: tq.WebhookRow) -> list[dict[str, Any]]:
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise InvalidInputError("The body is not JSON.", field="body") from exc
        events: Any = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list) or len(events) > MAX_BODY_EVENTS:
            raise InvalidInputError(
                'The body must be {"webhook_id": ..., "events": [...]}.', field="events"
            )
        if payload.get("webhook_id") not in (None, hook.attio_webhook_id):
            raise InvalidInputError(
                "webhook_id is not the webhook this URL belongs to.", field="webhook_id"
            )
        for event in events:
            if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
                raise InvalidInputError("Each event must be an object with an event_type.")
            ids = event.get("id")
            if isinstance(ids, dict) and ids.get("workspace_id") not in (None, hook.workspace_id):
                raise InvalidInputError(
                    "An event names another workspace than this webhook's.", field="events"
                )
        checked: list[dict[str, Any]] = events
        return checked

    # --- pulling and the delivery log ------------------------------------------------------

    async def events(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        since: int = 0,
        limit: int = 100,
    ) -> EventPage:
        """One user's events after the cursor ``since`` (0: from the start), oldest first,
        each once even when several of their subscriptions wanted it.

        Raises:
            NotFoundError: no such account.
            InvalidInputError: a negative cursor or a limit outside 1–1000.
        """
        if since < 0:
            raise InvalidInputError("since must be a cursor (0 or more).", field="since")
        if not 1 <= limit <= 1000:
            raise InvalidInputError("limit must be from 1 to 1000.", field="limit")
        _, account = await self._find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        subscriptions = {
            s.id: s for s in await tq.list_subscriptions(self._db, account_id=account.id)
        }
        rows = await tq.list_deliveries(
            self._db, subscription_ids=list(subscriptions), after=since, limit=limit
        )
        seen: set[int] = set()
        events: list[TriggerEvent] = []
        for row in rows:
            if row.event_id not in seen:
                seen.add(row.event_id)
                events.append(event_of(row, subscriptions[row.subscription_id]))
        return EventPage(events=events, next_cursor=rows[-1].id if rows else since)

    async def deliveries(
        self,
        subscription_id: str,
        *,
        state: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[Delivery]:
        """A subscription's delivery log, oldest first.

        Raises:
            NotFoundError: no such subscription.
            InvalidInputError: an unknown state or a limit outside 1–1000.
        """
        if state is not None and state not in DELIVERY_STATES:
            raise InvalidInputError(
                f"state must be one of {', '.join(DELIVERY_STATES)}.", field="state"
            )
        if not 1 <= limit <= 1000:
            raise InvalidInputError("limit must be from 1 to 1000.", field="limit")
        await self._row(subscription_id)
        rows = await tq.list_deliveries(
            self._db, subscription_ids=[subscription_id], after=after, state=state, limit=limit
        )
        return [_delivery(row) for row in rows]

    async def get_delivery(self, delivery_id: int) -> Delivery:
        """Raises: NotFoundError: no such delivery."""
        row = await tq.get_delivery(self._db, delivery_id=delivery_id)
        if row is None:
            raise NotFoundError(f"No trigger delivery {delivery_id}.")
        return _delivery(row)

    async def replay(self, delivery_id: int) -> Delivery:
        """Send a dead (or delivered) delivery again, from its first attempt.

        Raises:
            NotFoundError: no such delivery.
            InvalidInputError: it is pending already, or kept for pulling only.
        """
        current = await self.get_delivery(delivery_id)
        if not await tq.replay_delivery(self._db, delivery_id=delivery_id, now=self._clock.now()):
            raise InvalidInputError(
                f"Delivery {delivery_id} is {current.state}: only a dead or delivered delivery "
                "is replayed.",
                field="delivery_id",
            )
        if self.on_queued is not None:
            self.on_queued()
        return await self.get_delivery(delivery_id)
