"""Reconcilers: after a write's outcome was unknown, what the retry does before sending.

- a record create (proxied ``POST /v2/objects/{object}/records``, ``attio_create_record``
  and its per-object copies): the object's records are queried for one created since
  shortly before the first attempt was claimed (``SKEW`` allows for the clocks of the
  gateway and Attio) whose values equal the scalar values just written (texts, numbers,
  booleans, and one-item lists of those). Found → it is the result; not found → sent once.
  A create with no scalar value to look for has no reconciler.
- an idempotent write (proxied ``PUT`` and ``DELETE``; tools marked idempotent, such as
  ``attio_assert_record``): sending again is safe, so it is sent again.
- anything else (proxied ``POST`` or ``PATCH`` elsewhere, notes, tasks, comments, list
  entries, updates): no reconciler; the retry is refused without ``force=True``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from attio_gateway.proxy import AttioClient
from attio_gateway.proxy.paths import attio_path
from attio_gateway.sdk.idempotency import Reconciler, Result
from attio_gateway.storage.records import IdempotencyRow
from attio_gateway.tools.output import compact_record
from attio_gateway.tools.spec import ToolSpec

__all__ = ["SKEW", "proxy_reconciler", "tool_reconciler"]

#: How far before the claim a found record's ``created_at`` may be.
SKEW = timedelta(minutes=2)
_RECORDS = re.compile(r"/v2/objects/([^/?]+)/records/?")
#: The per-object copies of ``attio_create_record`` and the object each writes.
_CREATE_COPIES = {
    "attio_create_person": "people",
    "attio_create_company": "companies",
    "attio_create_deal": "deals",
}


async def _resend(row: IdempotencyRow) -> Result | None:
    return None


def _scalar_filter(values: Any) -> dict[str, Any]:
    """``{slug: value}`` for the values a query can match exactly (the shorthand filter)."""
    if not isinstance(values, dict):
        return {}
    found: dict[str, Any] = {}
    for slug, value in values.items():
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str | int | float | bool) and value != "":
            found[slug] = value
    return found


async def _find_created(
    client: AttioClient, obj: str, values: Any, row: IdempotencyRow
) -> dict[str, Any] | None:
    """The record of ``obj`` created since the claim with these values, or ``None``."""
    wanted = _scalar_filter(values)
    since = (row.created_at - SKEW).isoformat().replace("+00:00", "Z")
    query = {
        "filter": {"$and": [wanted, {"created_at": {"$gte": since}}]},
        "sorts": [{"attribute": "created_at", "direction": "asc"}],
        "limit": 1,
    }
    path = attio_path("/v2/objects/{object}/records/query", object=obj)
    body = await client.call("POST", path, json=query)
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return None


def proxy_reconciler(client: AttioClient, method: str, path: str, body: Any) -> Reconciler | None:
    """How a proxied write with an unknown outcome is reconciled (``None``: refused)."""
    if method in ("PUT", "DELETE"):
        return _resend
    match = _RECORDS.fullmatch(path.split("?")[0])
    if method != "POST" or match is None:
        return None
    values = body.get("data", {}).get("values") if isinstance(body, dict) else None
    if not _scalar_filter(values):
        return None
    obj = match.group(1)

    async def reconcile(row: IdempotencyRow) -> Result | None:
        record = await _find_created(client, obj, values, row)
        if record is None:
            return None
        return {
            "status": 200,
            "content_type": "application/json",
            "json": {"data": record},
        }

    return reconcile


def tool_reconciler(
    client: AttioClient, spec: ToolSpec, tool_input: dict[str, Any], *, output: str
) -> Reconciler | None:
    """How a tool call with an unknown outcome is reconciled (``None``: refused). The
    result is what the tool would have returned: ``{"data": record}`` (compact if asked)."""
    if spec.idempotent:
        return _resend
    if spec.name == "attio_create_record":
        obj = tool_input.get("object")
    else:
        obj = _CREATE_COPIES.get(spec.name)
    values = tool_input.get("values")
    if not isinstance(obj, str) or not _scalar_filter(values):
        return None

    async def reconcile(row: IdempotencyRow) -> Result | None:
        record = await _find_created(client, obj, values, row)
        if record is None:
            return None
        data = compact_record(record, None) if output == "compact" else record
        return {"data": {"data": data}}

    return reconcile
