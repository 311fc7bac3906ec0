"""Attio's webhook filter (``{"$and"|"$or": [{"field", "operator", "value"}]}``): checked
when a subscription is made, and applied by the gateway to each event, since one Attio
webhook serves every subscription of a workspace."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from attio_gateway.errors import InvalidInputError

__all__ = ["EVENT_TYPES", "attio_subscriptions", "check_event_types", "check_filter", "matches"]

#: Attio's 27 webhook event types.
EVENT_TYPES: frozenset[str] = frozenset(
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


def check_event_types(events: Iterable[str]) -> list[str]:
    """The event types, deduplicated in order. Raises InvalidInputError naming any unknown."""
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise InvalidInputError("events: give at least one Attio event type.", field="events")
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInputError(
            f"events: {', '.join(repr(e) for e in unknown)} not Attio event types; valid: "
            f"{', '.join(sorted(EVENT_TYPES))}.",
            field="events",
        )
    return chosen


def check_filter(value: Any) -> dict[str, Any] | None:
    """``value`` if it is ``None`` or an Attio webhook filter, else InvalidInputError."""
    if value is None:
        return None
    shape = '{"$and"|"$or": [{"field": str, "operator": "equals"|"not_equals", "value": str}]}'
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("$and", "$or"):
        raise InvalidInputError(f"filter must be null or {shape}.", field="filter")
    conditions = next(iter(value.values()))
    if not isinstance(conditions, list) or not conditions:
        raise InvalidInputError(f"filter: the conditions must be a non-empty list; {shape}.")
    for n, condition in enumerate(conditions):
        ok = (
            isinstance(condition, dict)
            and set(condition) == {"field", "operator", "value"}
            and isinstance(condition["field"], str)
            and bool(condition["field"])
            and condition["operator"] in ("equals", "not_equals")
            and isinstance(condition["value"], str)
        )
        if not ok:
            raise InvalidInputError(
                f"filter: condition {n} must be {shape[10:-2]}.", field="filter"
            )
    return dict(value)


def _field(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(event: Mapping[str, Any], filter_: Mapping[str, Any] | None) -> bool:
    """Does ``event`` pass ``filter_`` (as Attio applies it: the field's value as text)?"""
    if filter_ is None:
        return True
    ((combinator, conditions),) = filter_.items()
    results = [
        (str(_field(event, c["field"])) == c["value"]) == (c["operator"] == "equals")
        for c in conditions
    ]
    return all(results) if combinator == "$and" else any(results)


def attio_subscriptions(
    wanted: Iterable[tuple[Iterable[str], Mapping[str, Any] | None]],
) -> list[dict[str, Any]]:
    """The ``subscriptions`` of a workspace's one Attio webhook for what its subscriptions
    want (``(event types, filter)`` each): per event type, no filter if any of them wants
    it unfiltered, else each distinct filter once. Sorted, so equal wants compare equal."""
    by_type: dict[str, dict[str, Mapping[str, Any] | None]] = {}
    for event_types, filter_ in wanted:
        for event_type in event_types:
            key = json.dumps(filter_, sort_keys=True)
            by_type.setdefault(event_type, {})[key] = filter_
    result: list[dict[str, Any]] = []
    for event_type in sorted(by_type):
        filters = by_type[event_type]
        if "null" in filters:
            result.append({"event_type": event_type, "filter": None})
            continue
        for key in sorted(filters):
            result.append({"event_type": event_type, "filter": filters[key]})
    return result
