"""Filter checking (TOOLS.md §A.2), done before calling Attio: unknown slugs get a "did you
mean", the array-wrapped forms are unwrapped, select/status values are resolved to their
exact titles, and ``$in`` on them (which Attio refuses) becomes an ``$or``."""

from __future__ import annotations

from typing import Any

from attio_gateway.errors import ToolInputError
from attio_gateway.tools.schema import WorkspaceSchema
from attio_gateway.tools.values import is_uuid

_LOGICAL = {"$and", "$or"}
_COMPARE = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte", "$not_empty"})
_TEXT = frozenset({"$eq", "$in", "$contains", "$starts_with", "$ends_with", "$not_empty"})
# Operators Attio accepts per attribute type (API-NOTES §6); select/status are handled apart.
OPERATORS: dict[str, frozenset[str]] = {
    "text": _TEXT,
    "number": _COMPARE,
    "currency": _COMPARE,
    "date": _COMPARE,
    "timestamp": _COMPARE,
    "rating": _COMPARE,
    "checkbox": frozenset({"$eq"}),
    "record-reference": frozenset({"$eq", "$in"}),
    "actor-reference": frozenset({"$eq"}),
    "location": _TEXT - {"$in"},
    "domain": _TEXT - {"$in"},
    "email-address": _TEXT - {"$in"},
    "phone-number": _TEXT - {"$in"},
    "personal-name": _TEXT - {"$in"},
    "interaction": _COMPARE,
    "select": frozenset({"$eq", "$in", "$not_empty"}),
    "status": frozenset({"$eq", "$in", "$not_empty"}),
}


def check_operators(attribute: dict[str, Any], condition: Any, where: str) -> None:
    """Every ``$operator`` inside ``condition`` must suit the attribute's type."""
    if not isinstance(condition, dict):
        return
    allowed = OPERATORS.get(attribute["type"])
    for key, value in condition.items():
        if key.startswith("$") and allowed is not None and key not in allowed:
            raise ToolInputError(
                f"operator '{key}' does not apply to '{attribute['api_slug']}' (type "
                f"{attribute['type']}); it takes {', '.join(sorted(allowed))}.",
                field=where,
            )
        check_operators(attribute, value, where)


async def check_filter(
    schema: WorkspaceSchema, obj: str, spec: Any, *, field_name: str = "filter"
) -> Any:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ToolInputError(f"{field_name} must be an object.", field=field_name)
    out: dict[str, Any] = {}
    for key, value in spec.items():
        where = f"{field_name}.{key}"
        if key in _LOGICAL:
            if not isinstance(value, list) or not value:
                raise ToolInputError(f"{key} takes a non-empty array of filters.", field=where)
            out[key] = [await check_filter(schema, obj, v, field_name=where) for v in value]
        elif key == "$not":
            out[key] = await check_filter(schema, obj, value, field_name=where)
        elif key.startswith("$"):
            raise ToolInputError(
                f"unknown operator '{key}' at the top of a filter; use $and, $or or $not "
                "(there is no $ne: wrap the condition in $not).",
                field=where,
            )
        elif key in ("record_id", "path", "constraints"):
            out[key] = value
        else:
            attribute = await schema.attribute(obj, key, field_name=where)
            if isinstance(value, list):
                if len(value) != 1:
                    raise ToolInputError(
                        f"'{key}' got an array of {len(value)} conditions; combine several "
                        "with $and or $or.",
                        field=where,
                    )
                value = value[0]  # the product document's array-wrapped form
            condition = await _condition(schema, obj, attribute, value, where)
            if isinstance(condition, dict) and "$or" in condition and len(condition) == 1:
                out.setdefault("$and", []).append(condition)
            else:
                out[attribute["api_slug"]] = condition
    if "$and" in out and len(out) > 1 and "$and" not in spec:
        rest = {k: v for k, v in out.items() if k != "$and"}
        return {"$and": [rest, *out["$and"]]}
    if set(out) == {"$and"} and "$and" not in spec and len(out["$and"]) == 1:
        return out["$and"][0]
    return out


async def _condition(
    schema: WorkspaceSchema, obj: str, attribute: dict[str, Any], value: Any, where: str
) -> Any:
    check_operators(attribute, value, where)
    type_ = attribute["type"]
    slug = attribute["api_slug"]
    if type_ in ("select", "status"):
        key = "status" if type_ == "status" else "option"
        if isinstance(value, dict):
            if "$in" in value:
                titles = value["$in"]
                if not isinstance(titles, list) or not titles:
                    raise ToolInputError(f"'{slug}' $in takes a non-empty array.", field=where)
                resolved = [
                    await schema.resolve_choice(obj, attribute, t, field_name=where) for t in titles
                ]
                return {"$or": [{slug: t} for t in resolved]}
            given = value.get("$eq", value.get(key, value.get("value", value.get("title"))))
            if isinstance(given, dict) and "$eq" in given:
                given = given["$eq"]
        else:
            given = value
        return await schema.resolve_choice(obj, attribute, given, field_name=where)
    if type_ == "record-reference" and isinstance(value, dict):
        if "target_object" not in value and "target_record_id" in value:
            allowed = attribute["config"]["record_reference"]["allowed_object_ids"] or []
            if len(allowed) == 1:
                target = await schema.object_slug(allowed[0])
                return {"target_object": target, **value}
        return value
    if type_ == "record-reference" and is_uuid(value):
        return {"target_record_id": value}
    return value
