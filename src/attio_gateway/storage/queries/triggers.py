"""Triggers: workspace webhooks, subscriptions, received events and their deliveries.

Used as ``from attio_gateway.storage.queries import triggers as tq``. No business rules
here: the trigger service decides what to store and when to deliver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import _insert
from attio_gateway.storage.tables import (
    connected_accounts,
    connections,
    trigger_deliveries,
    trigger_events,
    trigger_subscriptions,
    trigger_webhooks,
)

__all__ = [
    "DeliveryRow",
    "EventRow",
    "SubscriptionRow",
    "WebhookRow",
    "add_event",
    "add_subscription",
    "add_webhook",
    "claim_delivery",
    "delete_subscription",
    "delete_webhook",
    "due_heads",
    "finish_delivery",
    "get_delivery",
    "get_subscription",
    "get_webhook",
    "get_webhook_of_workspace",
    "list_deliveries",
    "list_subscriptions",
    "purge_events",
    "release_claims",
    "replace_webhook",
    "replay_delivery",
    "retry_delivery",
    "set_webhook_account",
    "subscriptions_of_workspace",
    "update_webhook_subscriptions",
]


@dataclass(frozen=True)
class WebhookRow:
    id: str
    workspace_id: str
    account_id: str | None
    attio_webhook_id: str
    secret_sealed: str = field(repr=False)
    attio_subscriptions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SubscriptionRow:
    id: str
    account_id: str
    event_types: list[str]
    filter: dict[str, Any] | None
    target_url: str | None
    include_record: bool
    secret_sealed: str = field(repr=False)
    created_at: datetime
    #: Of the account, joined in.
    identifier: str
    connection_name: str
    workspace_id: str | None


@dataclass(frozen=True)
class EventRow:
    id: int
    webhook_id: str
    dedup_key: str
    workspace_id: str
    event_type: str
    event: dict[str, Any]
    received_at: datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    event_id: int
    subscription_id: str
    state: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    #: Joined in from the event.
    event_type: str
    event: dict[str, Any]
    workspace_id: str
    received_at: datetime


_SUBSCRIPTION_COLUMNS = (
    *trigger_subscriptions.c,
    connected_accounts.c.identifier,
    connections.c.name.label("connection_name"),
    connected_accounts.c.workspace_id,
)
_SUBSCRIPTIONS = trigger_subscriptions.join(
    connected_accounts, connected_accounts.c.id == trigger_subscriptions.c.account_id
).join(connections, connections.c.id == connected_accounts.c.connection_id)

_DELIVERY_COLUMNS = (
    *trigger_deliveries.c,
    trigger_events.c.event_type,
    trigger_events.c.event,
    trigger_events.c.workspace_id,
    trigger_events.c.received_at,
)
_DELIVERIES = trigger_deliveries.join(
    trigger_events, trigger_events.c.id == trigger_deliveries.c.event_id
)


# --- webhooks ------------------------------------------------------------------------------


async def add_webhook(
    db: Database,
    *,
    webhook_id: str,
    workspace_id: str,
    account_id: str,
    attio_webhook_id: str,
    secret_sealed: str,
    attio_subscriptions: list[dict[str, Any]],
    now: datetime,
) -> bool:
    """Store the workspace's webhook; ``False`` if the workspace has one already (another
    process created its own a moment ago: the first one stays)."""
    statement = (
        _insert(db, trigger_webhooks)
        .values(
            id=webhook_id,
            workspace_id=workspace_id,
            account_id=account_id,
            attio_webhook_id=attio_webhook_id,
            secret_sealed=secret_sealed,
            attio_subscriptions=attio_subscriptions,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id"])
    )
    async with db.transaction() as conn:
        result = await conn.execute(statement)
    return bool(result.rowcount)


async def get_webhook(db: Database, *, webhook_id: str) -> WebhookRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(select(trigger_webhooks).where(trigger_webhooks.c.id == webhook_id))
        ).first()
    return WebhookRow(**row._asdict()) if row else None


async def get_webhook_of_workspace(db: Database, *, workspace_id: str) -> WebhookRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(trigger_webhooks).where(trigger_webhooks.c.workspace_id == workspace_id)
            )
        ).first()
    return WebhookRow(**row._asdict()) if row else None


async def update_webhook_subscriptions(
    db: Database, *, webhook_id: str, attio_subscriptions: list[dict[str, Any]], now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_webhooks)
            .where(trigger_webhooks.c.id == webhook_id)
            .values(attio_subscriptions=attio_subscriptions, updated_at=now)
        )


async def set_webhook_account(
    db: Database, *, webhook_id: str, account_id: str, now: datetime
) -> None:
    """Another account now manages the workspace's webhook."""
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_webhooks)
            .where(trigger_webhooks.c.id == webhook_id)
            .values(account_id=account_id, updated_at=now)
        )


async def replace_webhook(
    db: Database,
    *,
    webhook_id: str,
    account_id: str,
    attio_webhook_id: str,
    secret_sealed: str,
    attio_subscriptions: list[dict[str, Any]],
    now: datetime,
) -> None:
    """The workspace's webhook was made again at Attio: same row (and inbound URL), Attio's
    new id and secret."""
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_webhooks)
            .where(trigger_webhooks.c.id == webhook_id)
            .values(
                account_id=account_id,
                attio_webhook_id=attio_webhook_id,
                secret_sealed=secret_sealed,
                attio_subscriptions=attio_subscriptions,
                updated_at=now,
            )
        )


async def delete_webhook(db: Database, *, webhook_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(
            delete(trigger_webhooks).where(trigger_webhooks.c.id == webhook_id)
        )
    return bool(result.rowcount)


# --- subscriptions -------------------------------------------------------------------------


async def add_subscription(
    db: Database,
    *,
    subscription_id: str,
    account_id: str,
    event_types: list[str],
    filter_: dict[str, Any] | None,
    target_url: str | None,
    secret_sealed: str,
    now: datetime,
    include_record: bool = False,
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            insert(trigger_subscriptions).values(
                id=subscription_id,
                account_id=account_id,
                event_types=event_types,
                filter=filter_,
                target_url=target_url,
                include_record=include_record,
                secret_sealed=secret_sealed,
                created_at=now,
            )
        )


async def get_subscription(db: Database, *, subscription_id: str) -> SubscriptionRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(*_SUBSCRIPTION_COLUMNS)
                .select_from(_SUBSCRIPTIONS)
                .where(trigger_subscriptions.c.id == subscription_id)
            )
        ).first()
    return SubscriptionRow(**row._asdict()) if row else None


async def list_subscriptions(
    db: Database,
    *,
    account_id: str | None = None,
    connection_name: str | None = None,
    identifier: str | None = None,
) -> list[SubscriptionRow]:
    statement = select(*_SUBSCRIPTION_COLUMNS).select_from(_SUBSCRIPTIONS)
    if account_id is not None:
        statement = statement.where(trigger_subscriptions.c.account_id == account_id)
    if connection_name is not None:
        statement = statement.where(connections.c.name == connection_name)
    if identifier is not None:
        statement = statement.where(connected_accounts.c.identifier == identifier)
    statement = statement.order_by(trigger_subscriptions.c.created_at, trigger_subscriptions.c.id)
    async with db.read() as conn:
        rows = (await conn.execute(statement)).all()
    return [SubscriptionRow(**row._asdict()) for row in rows]


async def subscriptions_of_workspace(db: Database, *, workspace_id: str) -> list[SubscriptionRow]:
    statement = (
        select(*_SUBSCRIPTION_COLUMNS)
        .select_from(_SUBSCRIPTIONS)
        .where(connected_accounts.c.workspace_id == workspace_id)
        .order_by(trigger_subscriptions.c.created_at, trigger_subscriptions.c.id)
    )
    async with db.read() as conn:
        rows = (await conn.execute(statement)).all()
    return [SubscriptionRow(**row._asdict()) for row in rows]


async def delete_subscription(db: Database, *, subscription_id: str) -> bool:
    async with db.transaction() as conn:
        await conn.execute(
            delete(trigger_deliveries).where(
                trigger_deliveries.c.subscription_id == subscription_id
            )
        )
        result = await conn.execute(
            delete(trigger_subscriptions).where(trigger_subscriptions.c.id == subscription_id)
        )
    return bool(result.rowcount)


# --- events and deliveries -----------------------------------------------------------------


async def add_event(
    db: Database,
    *,
    webhook_id: str,
    dedup_key: str,
    workspace_id: str,
    event_type: str,
    event: dict[str, Any],
    deliveries: list[tuple[str, str]],
    now: datetime,
) -> int | None:
    """Store one received event and its deliveries (``(subscription id, state)`` each) in
    one transaction; ``None`` when this webhook already received the event (its
    ``dedup_key``), in which case nothing is stored."""
    async with db.transaction() as conn:
        result = await conn.execute(
            _insert(db, trigger_events)
            .values(
                webhook_id=webhook_id,
                dedup_key=dedup_key,
                workspace_id=workspace_id,
                event_type=event_type,
                event=event,
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["webhook_id", "dedup_key"])
            .returning(trigger_events.c.id)
        )
        event_id = result.scalar()
        if event_id is None:
            return None
        if deliveries:
            await conn.execute(
                insert(trigger_deliveries),
                [
                    {
                        "event_id": event_id,
                        "subscription_id": subscription_id,
                        "state": state,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for subscription_id, state in deliveries
                ],
            )
    return int(event_id)


async def due_heads(db: Database, *, now: datetime, limit: int = 100) -> list[DeliveryRow]:
    """The first pending delivery of each subscription (its events go out in order), where
    it is due and not claimed by a live process."""
    heads = (
        select(func.min(trigger_deliveries.c.id))
        .where(trigger_deliveries.c.state == "pending")
        .group_by(trigger_deliveries.c.subscription_id)
        .scalar_subquery()
    )
    statement = (
        select(*_DELIVERY_COLUMNS)
        .select_from(_DELIVERIES)
        .where(
            trigger_deliveries.c.id.in_(heads),
            trigger_deliveries.c.next_attempt_at <= now,
            or_(
                trigger_deliveries.c.claimed_until.is_(None),
                trigger_deliveries.c.claimed_until < now,
            ),
        )
        .order_by(trigger_deliveries.c.id)
        .limit(limit)
    )
    async with db.read() as conn:
        rows = (await conn.execute(statement)).all()
    return [DeliveryRow(**row._asdict()) for row in rows]


async def claim_delivery(
    db: Database, *, delivery_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Take a pending delivery for ``owner`` until ``until``, unless a live process holds
    it; ``True`` when taken. A process that dies holding one loses it when ``until``
    passes, and another sends it."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(trigger_deliveries)
            .where(
                trigger_deliveries.c.id == delivery_id,
                trigger_deliveries.c.state == "pending",
                or_(
                    trigger_deliveries.c.claimed_until.is_(None),
                    trigger_deliveries.c.claimed_until < now,
                ),
            )
            .values(claimed_by=owner, claimed_until=until)
        )
    return bool(result.rowcount)


def _held_by(delivery_id: int, owner: str) -> Any:
    return and_(
        trigger_deliveries.c.id == delivery_id,
        trigger_deliveries.c.claimed_by == owner,
        trigger_deliveries.c.state == "pending",
    )


async def release_claims(db: Database, *, owner: str) -> None:
    """A stopping process lets go of the pending deliveries it holds."""
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_deliveries)
            .where(
                trigger_deliveries.c.claimed_by == owner,
                trigger_deliveries.c.state == "pending",
            )
            .values(claimed_by=None, claimed_until=None)
        )


async def finish_delivery(
    db: Database, *, delivery_id: int, owner: str, status: int | None, now: datetime
) -> None:
    """The app answered 2xx: delivered."""
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_deliveries)
            .where(_held_by(delivery_id, owner))
            .values(
                state="delivered",
                attempts=trigger_deliveries.c.attempts + 1,
                last_status=status,
                last_error=None,
                delivered_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )


async def retry_delivery(
    db: Database,
    *,
    delivery_id: int,
    owner: str,
    status: int | None,
    error: str,
    next_attempt_at: datetime,
    dead: bool,
) -> None:
    """An attempt failed: due again at ``next_attempt_at``, or ``dead`` after the last."""
    async with db.transaction() as conn:
        await conn.execute(
            update(trigger_deliveries)
            .where(_held_by(delivery_id, owner))
            .values(
                state="dead" if dead else "pending",
                attempts=trigger_deliveries.c.attempts + 1,
                last_status=status,
                last_error=error[:2000],
                next_attempt_at=next_attempt_at,
                claimed_by=None,
                claimed_until=None,
            )
        )


async def replay_delivery(db: Database, *, delivery_id: int, now: datetime) -> bool:
    """A dead (or delivered) delivery back to pending, attempts from zero."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(trigger_deliveries)
            .where(
                trigger_deliveries.c.id == delivery_id,
                trigger_deliveries.c.state.in_(("dead", "delivered")),
            )
            .values(
                state="pending",
                attempts=0,
                next_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )
    return bool(result.rowcount)


async def purge_events(db: Database, *, before: datetime) -> int:
    """Delete events received before ``before`` whose deliveries are all settled
    (delivered or stored), with those deliveries; returns how many events went."""
    unsettled = (
        select(trigger_deliveries.c.id)
        .where(
            trigger_deliveries.c.event_id == trigger_events.c.id,
            trigger_deliveries.c.state.in_(("pending", "dead")),
        )
        .exists()
    )
    old = select(trigger_events.c.id).where(trigger_events.c.received_at < before, ~unsettled)
    async with db.read() as conn:  # most rounds find nothing: no write lock taken for that
        ids = [row[0] for row in (await conn.execute(old)).all()]
    if not ids:
        return 0
    purged = 0
    async with db.transaction() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            still = select(trigger_events.c.id).where(
                trigger_events.c.id.in_(chunk), ~unsettled
            )  # replayed meanwhile: kept
            gone = [row[0] for row in (await conn.execute(still)).all()]
            await conn.execute(
                delete(trigger_deliveries).where(trigger_deliveries.c.event_id.in_(gone))
            )
            await conn.execute(delete(trigger_events).where(trigger_events.c.id.in_(gone)))
            purged += len(gone)
    return purged


async def get_delivery(db: Database, *, delivery_id: int) -> DeliveryRow | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(*_DELIVERY_COLUMNS)
                .select_from(_DELIVERIES)
                .where(trigger_deliveries.c.id == delivery_id)
            )
        ).first()
    return DeliveryRow(**row._asdict()) if row else None


async def list_deliveries(
    db: Database,
    *,
    subscription_ids: list[str],
    after: int = 0,
    state: str | None = None,
    limit: int = 100,
) -> list[DeliveryRow]:
    """Deliveries of these subscriptions with an id above ``after``, oldest first."""
    if not subscription_ids:
        return []
    statement = (
        select(*_DELIVERY_COLUMNS)
        .select_from(_DELIVERIES)
        .where(
            trigger_deliveries.c.subscription_id.in_(subscription_ids),
            trigger_deliveries.c.id > after,
        )
        .order_by(trigger_deliveries.c.id)
        .limit(limit)
    )
    if state is not None:
        statement = statement.where(trigger_deliveries.c.state == state)
    async with db.read() as conn:
        rows = (await conn.execute(statement)).all()
    return [DeliveryRow(**row._asdict()) for row in rows]
