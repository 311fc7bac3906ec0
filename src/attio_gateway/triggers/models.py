"""What the trigger service hands out: subscriptions, deliveries, pulled events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DELIVERY_STATES",
    "CreatedSubscription",
    "Delivery",
    "DeliveryState",
    "EventPage",
    "InboundResult",
    "Subscription",
    "TriggerEvent",
]

DeliveryState = Literal["pending", "delivered", "dead", "stored"]
DELIVERY_STATES: tuple[str, ...] = ("pending", "delivered", "dead", "stored")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Subscription(_Model):
    """Events of one connected account an app wants: Attio event types (and optionally
    Attio's filter), posted to ``target_url``, or only kept for pulling when it is ``None``."""

    id: str
    connection_name: str
    identifier: str
    connected_account_id: str
    workspace_id: str | None
    event_types: list[str]
    filter: dict[str, Any] | None = None
    target_url: str | None = None
    #: Each delivery also carries the changed record (or list entry), fetched as the user.
    include_record: bool = False
    created_at: datetime


class CreatedSubscription(Subscription):
    """A new subscription, with the secret its deliveries are signed with: shown only here."""

    secret: str


class TriggerEvent(_Model):
    """One event as the app receives it (the body of a delivery, an item of a pull)."""

    delivery_id: int
    event_id: int
    subscription_id: str
    connection_name: str
    identifier: str
    workspace_id: str
    event_type: str
    #: Attio's event as Attio sent it (ids only: ``id``, ``actor``, ...).
    event: dict[str, Any]
    received_at: datetime
    #: With ``include_record``: the record or list entry as it is now (Attio's ``data``);
    #: ``None`` otherwise, for other events, or when it is gone.
    record: dict[str, Any] | None = None


class Delivery(_Model):
    """The log of one event's delivery to one subscription."""

    id: int
    event_id: int
    subscription_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class EventPage(_Model):
    """Events since a cursor; pass ``next_cursor`` as ``since`` to read on."""

    events: list[TriggerEvent]
    next_cursor: int = Field(description="The cursor after the last event returned.")


class InboundResult(_Model):
    """What one delivery from Attio brought: events stored, already seen, or for nobody."""

    stored: int = 0
    duplicates: int = 0
    dropped: int = 0
