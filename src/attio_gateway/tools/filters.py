"""Filter checking (TOOLS.md §A.2), done before calling Attio: unknown slugs get a "did you
mean", the array-wrapped forms are unwrapped, select/status values are resolved to their
exact titles, and ``$in`` on them (which Attio refuses) becomes an ``$or``."""

from __future__ import annotations

from typing import Any

from attio_gateway.errors import ToolInputError
from attio_gateway.tools.schema import WorkspaceSchema
from attio_gateway.tools.values import is_uuid

_LOGICAL = {"$and", "$or"}


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
