"""Value coercion (TOOLS.md §A.1): Attio's exact write shapes pass unchanged; the simple
forms an LLM writes are turned into them using the workspace schema, or refused with an
error naming the attribute, what was given and what is expected."""

from __future__ import annotations

import re
from typing import Any

from attio_gateway.errors import ToolInputError
from attio_gateway.tools.schema import WorkspaceSchema

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


async def coerce_values(
    schema: WorkspaceSchema, obj: str, values: dict[str, Any], *, field_name: str = "values"
) -> dict[str, list[Any]]:
    if not isinstance(values, dict) or not values:
        raise ToolInputError(
            f"{field_name} must be a non-empty object of attribute slug → value(s).",
            field=field_name,
        )
    coerced: dict[str, list[Any]] = {}
    for slug, raw in values.items():
        where = f"{field_name}.{slug}"
        attribute = await schema.attribute(obj, slug, field_name=where)
        items = raw if isinstance(raw, list) else [raw]
        if not attribute["is_multiselect"] and len(items) > 1:
            raise ToolInputError(
                f"'{slug}' holds a single value but {len(items)} were given; multi-value "
                "attributes are never truncated, so send one.",
                field=where,
            )
        coerced[attribute["api_slug"]] = [
            await _coerce_one(schema, obj, attribute, item, where) for item in items
        ]
    return coerced


async def _coerce_one(
    schema: WorkspaceSchema, obj: str, attribute: dict[str, Any], item: Any, where: str
) -> Any:
    type_ = attribute["type"]
    if isinstance(item, dict):
        item = {k: v for k, v in item.items() if k != "attribute_type"}
    if type_ == "currency" and isinstance(item, dict) and "currency_code" in item:
        expected = attribute["config"]["currency"]["default_currency_code"]
        if expected and item["currency_code"] != expected:
            raise ToolInputError(
                f"'{attribute['api_slug']}' is kept in {expected}; got an amount in "
                f"{item['currency_code']} (convert it first — nothing is converted silently).",
                field=where,
            )
        item = {k: v for k, v in item.items() if k != "currency_code"}
    if type_ in ("select", "status"):
        key = "status" if type_ == "status" else "option"
        given = item
        if isinstance(item, dict):
            given = item.get(key, item.get("value", item.get("title", item.get(f"{key}_id"))))
        title = await schema.resolve_choice(obj, attribute, given, field_name=where)
        return {key: title}
    if type_ == "record-reference":
        return await _reference(schema, attribute, item, where)
    if type_ == "actor-reference" and is_uuid(item):
        # Attio takes a bare email, not a bare id: an id is a workspace member's.
        return {"referenced_actor_type": "workspace-member", "referenced_actor_id": item}
    if type_ == "personal-name" and isinstance(item, dict) and "full_name" not in item:
        first, last = item.get("first_name") or "", item.get("last_name") or ""
        return {**item, "full_name": " ".join(p for p in (first, last) if p)}
    if type_ == "personal-name" and isinstance(item, str) and "," not in item:
        first, _, last = item.strip().partition(" ")
        return {"first_name": first, "last_name": last, "full_name": item.strip()}
    return item


async def _reference(
    schema: WorkspaceSchema, attribute: dict[str, Any], item: Any, where: str
) -> Any:
    allowed = attribute["config"]["record_reference"]["allowed_object_ids"] or []
    single = await schema.object_slug(allowed[0]) if len(allowed) == 1 else None
    if is_uuid(item):
        item = {"target_record_id": item}
    if isinstance(item, dict) and "target_object" not in item:
        if single is None:
            raise ToolInputError(
                f"'{attribute['api_slug']}' can point at several objects: give target_object "
                "with target_record_id.",
                field=where,
            )
        item = {"target_object": single, **item}
    return item
