"""Small helpers shared by every service: public view of stored documents, slugs, limits."""

from __future__ import annotations

import re
from typing import Any

from attio_emulator.core.errors import validation_error

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without the emulator's private ``_``-prefixed bookkeeping keys."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def check_slug(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise validation_error(
            f"{field} must be a snake_case slug (lowercase letters, digits, underscores), "
            f"got {value!r}."
        )
    return value


def is_uuid(value: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value)
    )


def int_param(
    value: Any,
    field: str,
    *,
    default: int,
    minimum: int,
    maximum: int | None,
    clamp: bool = False,
) -> int:
    """An integer body/query field; integral floats are accepted as Attio does. With
    ``clamp``, a value over ``maximum`` is read as ``maximum`` instead of refused."""
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation_error(f"{field} must be an integer, got {value!r}.")
    if clamp and maximum is not None and value > maximum:
        return maximum
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise validation_error(f"{field} must be {bound}, got {value}.")
    return value


async def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object body, or Attio's 400 naming what is wrong."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        import json

        body = json.loads(raw)
    except ValueError:
        raise validation_error("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise validation_error("The request body must be a JSON object.")
    return body


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise validation_error('The body must be {"data": {...}}.')
    return data
