"""Webhooks (API-NOTES §17): subscriptions, event matching and signed, retried delivery.

Services call ``emit`` after a change; every active webhook subscribed to the event gets a
real HTTP POST, sent in the background so the request that caused it is not held up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlparse

import httpx

from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document

EVENT_TYPES = frozenset(
    {
        "call-recording.created",
        "comment.created",
        "comment.resolved",
        "comment.unresolved",
        "comment.deleted",
        "list.created",
        "list.updated",
        "list.deleted",
        "list-attribute.created",
        "list-attribute.updated",
        "list-entry.created",
        "list-entry.updated",
        "list-entry.deleted",
        "object-attribute.created",
        "object-attribute.updated",
        "note.created",
        "note.updated",
        "note.deleted",
        "note-content.updated",
        "record.created",
        "record.merged",
        "record.updated",
        "record.deleted",
        "task.created",
        "task.updated",
        "task.deleted",
        "workspace-member.created",
    }
)

#: ``state.options`` keys: allow http://127.0.0.1 / localhost targets; retry back-off (seconds).
ALLOW_LOCAL_HTTP = "webhooks_allow_local_http"
RETRY_DELAYS = "webhook_retry_delays"
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
_PENDING = "_webhook_pending_deliveries"


def _table(state: EmulatorState) -> Any:
    return state.store.table("webhooks")


def _check_target(state: EmulatorState, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise validation_error("target_url must be a URL string.")
    parsed = urlparse(value)
    if parsed.scheme == "https" and parsed.hostname:
        return value
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme == "http" and local and state.options.get(ALLOW_LOCAL_HTTP):
        return value
    raise validation_error(f"target_url must start with https://, got {value!r}.")


def _check_filter(value: Any, where: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("$and", "$or"):
        raise validation_error(
            f'{where}.filter must be null, {{"$and": [...]}} or {{"$or": [...]}}.'
        )
    conditions = next(iter(value.values()))
    if not isinstance(conditions, list):
        raise validation_error(f"{where}.filter conditions must be a list.")
    for n, cond in enumerate(conditions):
        ok = (
            isinstance(cond, dict)
            and isinstance(cond.get("field"), str)
            and cond.get("operator") in ("equals", "not_equals")
            and isinstance(cond.get("value"), str)
        )
        if not ok:
            raise validation_error(
                f"{where}.filter condition {n} must be "
                '{"field": str, "operator": "equals"|"not_equals", "value": str}.'
            )
    return value


def _check_subscriptions(value: Any) -> list[Document]:
    if not isinstance(value, list):
        raise validation_error("subscriptions must be a list.")
    result = []
    for n, sub in enumerate(value):
        where = f"subscriptions[{n}]"
        if not isinstance(sub, dict) or sub.get("event_type") not in EVENT_TYPES:
            raise validation_error(f"{where}.event_type must be one of Attio's event types.")
        if "filter" not in sub:
            raise validation_error(f"{where}.filter is required (use null for none).")
        result.append(
            {"event_type": sub["event_type"], "filter": _check_filter(sub["filter"], where)}
        )
    return result


def render(doc: Document) -> Document:
    return {key: doc[key] for key in ("target_url", "subscriptions", "id", "status", "created_at")}


def create_webhook(state: EmulatorState, data: dict[str, Any]) -> Document:
    webhook_id = new_id()
    doc = {
        "target_url": _check_target(state, data.get("target_url")),
        "subscriptions": _check_subscriptions(data.get("subscriptions")),
        "id": {"workspace_id": state.workspace.workspace_id, "webhook_id": webhook_id},
        "status": "active",
        "created_at": state.clock.timestamp(),
        "secret": secrets.token_hex(32),
    }
    _table(state).put(webhook_id, doc)
    return {**render(doc), "secret": doc["secret"]}


def get_webhook(state: EmulatorState, webhook_id: str) -> Document:
    doc: Document | None = _table(state).get(webhook_id)
    if doc is None:
        raise not_found(f'Webhook with ID "{webhook_id}" not found.')
    return doc


def list_webhooks(state: EmulatorState, limit: int, offset: int) -> list[Document]:
    return [render(d) for d in _table(state).values()[offset : offset + limit]]


def update_webhook(state: EmulatorState, webhook_id: str, data: dict[str, Any]) -> Document:
    doc = dict(get_webhook(state, webhook_id))
    if "target_url" in data:
        doc["target_url"] = _check_target(state, data["target_url"])
    if "subscriptions" in data:  # replaced, not merged
        doc["subscriptions"] = _check_subscriptions(data["subscriptions"])
    _table(state).put(webhook_id, doc)
    return render(doc)


def delete_webhook(state: EmulatorState, webhook_id: str) -> None:
    get_webhook(state, webhook_id)
    _table(state).delete(webhook_id)


# --- events and delivery ------------------------------------------------------------------


def _field(event: Document, path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(event: Document, filter_: Document | None) -> bool:
    if filter_ is None:
        return True
    ((combinator, conditions),) = filter_.items()
    results = [
        (str(_field(event, c["field"])) == c["value"]) == (c["operator"] == "equals")
        for c in conditions
    ]
    return all(results) if combinator == "$and" else any(results)


def sign(body: bytes, secret: str) -> str:
    """``Attio-Signature``: hex HMAC-SHA256 of the raw body keyed by the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def emit(
    state: EmulatorState,
    event_type: str,
    ids: dict[str, Any],
    actor: dict[str, Any],
    **extra: Any,
) -> None:
    """Deliver ``event_type`` to every subscribed webhook, in the background."""
    event = {
        "event_type": event_type,
        "id": {"workspace_id": state.workspace.workspace_id, **ids},
        **extra,
        "actor": actor,
    }
    for hook in _table(state).values():
        if hook["status"] == "inactive":
            continue
        if any(
            s["event_type"] == event_type and _matches(event, s["filter"])
            for s in hook["subscriptions"]
        ):
            body = json.dumps({"webhook_id": hook["id"]["webhook_id"], "events": [event]})
            task = asyncio.get_running_loop().create_task(_deliver(state, hook, body.encode()))
            pending: set[asyncio.Task[None]] = state.options.setdefault(_PENDING, set())
            pending.add(task)
            task.add_done_callback(pending.discard)


async def _deliver(state: EmulatorState, hook: Document, body: bytes) -> None:
    """POST until a 2xx; after the last retry the webhook is marked degraded."""
    signature = sign(body, hook["secret"])
    headers = {
        "Content-Type": "application/json",
        "Attio-Signature": signature,
        "X-Attio-Signature": signature,
        "Idempotency-Key": new_id(),  # stable across this delivery's retries
    }
    delays = list(state.options.get(RETRY_DELAYS, DEFAULT_RETRY_DELAYS))
    log = state.store.table("webhook_deliveries")
    delivery_id = headers["Idempotency-Key"]
    attempts = 0
    async with httpx.AsyncClient(timeout=10.0) as http:
        while True:
            attempts += 1
            try:
                response = await http.post(hook["target_url"], content=body, headers=headers)
                delivered = response.is_success
            except httpx.HTTPError:
                delivered = False
            log.put(
                delivery_id,
                {"webhook_id": hook["id"]["webhook_id"], "attempts": attempts, "ok": delivered},
            )
            if delivered:
                return
            if not delays:
                break
            await asyncio.sleep(delays.pop(0))
    current = _table(state).get(hook["id"]["webhook_id"])
    if current is not None:
        _table(state).put(current["id"]["webhook_id"], {**current, "status": "degraded"})


async def drain(state: EmulatorState) -> None:
    """Wait for every delivery in flight (tests use this instead of sleeping)."""
    pending: set[asyncio.Task[None]] = state.options.get(_PENDING, set())
    while pending:
        await asyncio.gather(*list(pending), return_exceptions=True)
