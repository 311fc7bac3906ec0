"""Triggers: subscriptions to a connected account's Attio events, the delivery log and
replay, events pulled since a cursor, and the inbound endpoint Attio posts to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, Field

from attio_gateway.api.access import connection_of_account, connection_of_call
from attio_gateway.api.deps import AccountsReader, AccountsWriter, GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk.admin import ApiClient
from attio_gateway.sdk.gateway import AsyncGateway
from attio_gateway.sdk.triggers import (
    INBOUND_PATH,
    CreatedSubscription,
    Delivery,
    EventPage,
    InboundResult,
    Subscription,
)

__all__ = ["inbound_router", "router"]

router = APIRouter(prefix="/triggers", tags=["triggers"], responses=ERROR_RESPONSES)
#: Outside ``/api/v1`` and without API credentials: Attio signs what it posts here.
inbound_router = APIRouter(tags=["triggers"], responses=ERROR_RESPONSES)

Text = Annotated[str, Field(min_length=1, max_length=500)]
SubscriptionId = Annotated[str, Path(min_length=1, max_length=36)]
Name = Annotated[str | None, Query(min_length=1, max_length=200)]
Identifier = Annotated[str | None, Query(min_length=1, max_length=500)]
Limit = Annotated[int, Query(ge=1, le=1000)]


class SubscribeRequest(BaseModel):
    events: Annotated[list[Annotated[str, Field(max_length=100)]], Field(min_length=1)] = Field(
        description="Attio event types, e.g. record.updated, list-entry.created, note.created."
    )
    identifier: Text | None = None
    connection_name: Text | None = None
    connected_account_id: Text | None = None
    target_url: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="Where the gateway posts each event, signed; none: kept for pulling only.",
    )
    filter: dict[str, Any] | None = Field(
        default=None, description='Attio\'s webhook filter: {"$and"|"$or": [conditions]}.'
    )
    include_record: bool = Field(
        default=False,
        description="Each delivery also carries the record or list entry, read as the user.",
    )


class SubscriptionList(BaseModel):
    subscriptions: list[Subscription]


class DeliveryList(BaseModel):
    deliveries: list[Delivery]


async def _own(gateway: AsyncGateway, client: ApiClient, subscription_id: str) -> Subscription:
    subscription = await gateway.triggers.get(subscription_id)
    client.require_connection(subscription.connection_name)
    return subscription


@router.post(
    "/subscriptions", response_model=CreatedSubscription, status_code=status.HTTP_201_CREATED
)
async def subscribe(
    body: SubscribeRequest, gateway: GatewayDep, client: AccountsWriter
) -> CreatedSubscription:
    """Subscribe to a connected account's Attio events; the workspace's Attio webhook is
    created or changed (the account needs ``webhook:read-write``). The answer's ``secret``
    signs the deliveries and is shown only here. Scope ``accounts:write``."""
    connection = await connection_of_account(
        gateway,
        client,
        connection_name=body.connection_name,
        identifier=body.identifier,
        connected_account_id=body.connected_account_id,
    )
    return await gateway.triggers.subscribe(
        events=body.events,
        connection_name=connection,
        identifier=body.identifier,
        connected_account_id=body.connected_account_id,
        target_url=body.target_url,
        filter=body.filter,
        include_record=body.include_record,
    )


@router.get("/subscriptions", response_model=SubscriptionList)
async def list_subscriptions(
    gateway: GatewayDep,
    client: AccountsReader,
    connection_name: Name = None,
    identifier: Identifier = None,
) -> SubscriptionList:
    """Subscriptions, oldest first (never their secrets). Scope ``accounts:read``."""
    found = await gateway.triggers.list_subscriptions(
        connection_name=connection_of_call(client, connection_name), identifier=identifier
    )
    return SubscriptionList(
        subscriptions=[s for s in found if client.may_use_connection(s.connection_name)]
    )


@router.get("/subscriptions/{subscription_id}", response_model=Subscription)
async def get_subscription(
    subscription_id: SubscriptionId, gateway: GatewayDep, client: AccountsReader
) -> Subscription:
    """Scope ``accounts:read``."""
    return await _own(gateway, client, subscription_id)


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(
    subscription_id: SubscriptionId, gateway: GatewayDep, client: AccountsWriter
) -> None:
    """Delete a subscription and its log; the workspace's webhook is deleted with the last
    one. Scope ``accounts:write``."""
    await _own(gateway, client, subscription_id)
    await gateway.triggers.delete(subscription_id)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=DeliveryList)
async def list_deliveries(
    subscription_id: SubscriptionId,
    gateway: GatewayDep,
    client: AccountsReader,
    state: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Limit = 100,
) -> DeliveryList:
    """The subscription's delivery log, oldest first: ``pending``, ``delivered``, ``dead``
    or ``stored`` (pull only). Scope ``accounts:read``."""
    await _own(gateway, client, subscription_id)
    return DeliveryList(
        deliveries=await gateway.triggers.deliveries(
            subscription_id, state=state, after=after, limit=limit
        )
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=Delivery)
async def replay_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=2**62)], gateway: GatewayDep, client: AccountsWriter
) -> Delivery:
    """Send a dead (or delivered) delivery again, from its first attempt. Scope
    ``accounts:write``."""
    delivery = await gateway.triggers.get_delivery(delivery_id)
    await _own(gateway, client, delivery.subscription_id)
    return await gateway.triggers.replay(delivery_id)


@router.get("/events", response_model=EventPage)
async def pull_events(
    gateway: GatewayDep,
    client: AccountsReader,
    identifier: Identifier = None,
    connection_name: Name = None,
    connected_account_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Limit = 100,
) -> EventPage:
    """One user's events after the cursor ``since``, oldest first; pass ``next_cursor``
    back to read on. Scope ``accounts:read``."""
    connection = await connection_of_account(
        gateway,
        client,
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
    )
    return await gateway.triggers.events(
        connection_name=connection,
        identifier=identifier,
        connected_account_id=connected_account_id,
        since=since,
        limit=limit,
    )


@inbound_router.post(INBOUND_PATH, response_model=InboundResult)
async def inbound(
    webhook_id: Annotated[str, Path(min_length=1, max_length=36)],
    request: Request,
    gateway: GatewayDep,
) -> InboundResult:
    """Where Attio posts a workspace's events: ``Attio-Signature`` checked (401 when
    missing or wrong), each event stored once and queued, 200 at once."""
    return await gateway.triggers.receive(webhook_id, await request.body(), request.headers)
