"""Output shaping: Attio's data by default; on request a compact form for LLM contexts."""

from __future__ import annotations

import json
from typing import Any

_META = {"active_from", "active_until", "created_by_actor", "attribute_type"}


def _simple(value: dict[str, Any]) -> Any:
    """One attribute value reduced to what a reader needs."""
    kind = value.get("attribute_type")
    if kind == "select":
        return (value.get("option") or {}).get("title")
    if kind == "status":
        return (value.get("status") or {}).get("title")
    if kind == "personal-name":
        return value.get("full_name")
    if kind == "email-address":
        return value.get("email_address")
    if kind == "domain":
        return value.get("domain")
    if kind == "phone-number":
        return value.get("phone_number")
    if kind == "record-reference":
        return {"object": value.get("target_object"), "record_id": value.get("target_record_id")}
    if kind == "actor-reference":  # a member, an API token or Attio itself
        return {"type": value.get("referenced_actor_type"), "id": value.get("referenced_actor_id")}
    if kind == "currency":
        return {"amount": value.get("currency_value"), "currency": value.get("currency_code")}
    if "value" in value:
        return value["value"]
    rest = {k: v for k, v in value.items() if k not in _META and v is not None}
    return rest


def compact_record(record: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    """``{record_id, values}`` with empty attributes dropped and every value of a
    multi-value attribute kept (``web_url`` is in the default output)."""
    values: dict[str, Any] = {}
    for slug, items in record.get("values", {}).items():
        if fields is not None and slug not in fields:
            continue
        if slug in ("record_id", "created_by") or not items:
            continue
        simple = [_simple(v) for v in items]
        values[slug] = simple[0] if len(simple) == 1 else simple
    return {
        "record_id": record["id"]["record_id"],
        "values": values,
    }


# A size budget for ``page`` (JSON characters): a page that would be larger is cut short, and
# next_offset says where to go on. The tool handlers no longer cut pages: MCP and the adapters
# split a large result for read_result instead (tools/results.py).
COMPACT_BUDGET_CHARS = 40_000


def page(data: list[Any], *, offset: int, limit: int, budget: int | None = None) -> dict[str, Any]:
    """A page with ``next_offset`` (a gateway addition: Attio returns no totals)."""
    more = len(data) >= limit
    if budget is not None:
        used = 0
        for kept, item in enumerate(data):
            used += len(json.dumps(item, ensure_ascii=False, default=str)) + 1
            if used > budget and kept > 0:  # always at least one item, or no progress
                data, more = data[:kept], True
                break
    return {"data": data, "next_offset": offset + len(data) if more else None}


def compact_entry(entry: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    """A list entry like ``compact_record``: ids plus flattened entry values."""
    values: dict[str, Any] = {}
    for slug, items in entry.get("entry_values", {}).items():
        if (fields is not None and slug not in fields) or not items:
            continue
        simple = [_simple(v) for v in items]
        values[slug] = simple[0] if len(simple) == 1 else simple
    return {
        "entry_id": entry["id"]["entry_id"],
        "parent_object": entry.get("parent_object"),
        "parent_record_id": entry.get("parent_record_id"),
        "values": values,
    }


def compact_history(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Values of one attribute (current or historic) as ``{value, active_from, active_until}``."""
    return [
        {
            "value": _simple(v),
            "active_from": v.get("active_from"),
            "active_until": v.get("active_until"),
        }
        for v in values
    ]
