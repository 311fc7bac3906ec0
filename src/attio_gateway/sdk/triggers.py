"""Triggers as the front ends see them: the models, the signature check for apps, and the
call the trigger service makes to Attio (through ``Calls.request``, audited and
rate-limited like any proxied call). ``AsyncGateway.triggers`` is the service."""

from __future__ import annotations

from typing import Any

from attio_gateway.events.signing import SIGNATURE_HEADER, signature_header, verify
from attio_gateway.sdk.calls import Calls
from attio_gateway.triggers.filters import EVENT_TYPES
from attio_gateway.triggers.models import (
    CreatedSubscription,
    Delivery,
    EventPage,
    InboundResult,
    Subscription,
    TriggerEvent,
)
from attio_gateway.triggers.service import INBOUND_PATH, AttioCall, Triggers

__all__ = [
    "EVENT_TYPES",
    "INBOUND_PATH",
    "SIGNATURE_HEADER",
    "CreatedSubscription",
    "Delivery",
    "EventPage",
    "InboundResult",
    "Subscription",
    "TriggerEvent",
    "Triggers",
    "signature_header",
    "trigger_calls",
    "verify",
]


def trigger_calls(calls: Calls) -> AttioCall:
    """The trigger service's way to Attio: a proxied call as the connected account."""

    async def call(
        *, connected_account_id: str, method: str, path: str, json: Any
    ) -> tuple[int, Any]:
        response = await calls.request(
            connection_name=None,
            identifier=None,
            connected_account_id=connected_account_id,
            path=path,
            method=method,
            query_params=None,
            json=json,
            form_data=None,
            raw_body=None,
            headers=None,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body

    return call
