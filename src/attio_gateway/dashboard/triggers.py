"""The dashboard's triggers page: subscriptions (made here, the secret shown once), each
one's recent deliveries, replay of a dead one, deletion. Calls the SDK only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attio_gateway.dashboard.deps import GatewayDep
from attio_gateway.dashboard.routes import Form, Operator, _back, _render, _text
from attio_gateway.dashboard.session import OperatorSession
from attio_gateway.errors import GatewayError
from attio_gateway.sdk.triggers import EVENT_TYPES

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGE = "/dashboard/triggers"


async def _page(
    request: Request, operator: OperatorSession, gateway: GatewayDep, **extra: Any
) -> HTMLResponse:
    subscriptions = await gateway.triggers.list_subscriptions()
    deliveries = {
        s.id: list(reversed(await gateway.triggers.deliveries(s.id, limit=1000)))[:20]
        for s in subscriptions
    }
    context = {
        "subscriptions": subscriptions,
        "deliveries": deliveries,
        "connections": await gateway.list_connections(),
        "event_types": sorted(EVENT_TYPES),
        "created": None,
        **extra,
    }
    return _render(request, operator, "triggers.html", context)


@router.get(PAGE, response_class=HTMLResponse)
async def triggers_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    return await _page(request, operator, gateway)


@router.post(PAGE, response_class=HTMLResponse)
async def subscribe(
    request: Request, operator: Operator, form: Form, gateway: GatewayDep
) -> Response:
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    try:
        created = await gateway.triggers.subscribe(
            connection_name=_text(form, "connection_name") or None,
            identifier=_text(form, "identifier"),
            events=events,
            target_url=_text(form, "target_url") or None,
            include_record=_text(form, "include_record") == "on",
        )
    except GatewayError as exc:
        return _back(PAGE, error=exc.message)
    return await _page(request, operator, gateway, created=created)


@router.post(PAGE + "/{subscription_id}/delete")
async def delete(subscription_id: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    try:
        await gateway.triggers.delete(subscription_id)
    except GatewayError as exc:
        return _back(PAGE, error=exc.message)
    return _back(PAGE, notice=f"Deleted subscription {subscription_id}.")


@router.post(PAGE + "/deliveries/{delivery_id}/replay")
async def replay(delivery_id: int, form: Form, gateway: GatewayDep) -> RedirectResponse:
    try:
        await gateway.triggers.replay(delivery_id)
    except GatewayError as exc:
        return _back(PAGE, error=exc.message)
    return _back(PAGE, notice=f"Delivery {delivery_id} is sent again.")
