"""Attio request paths, built from a template and checked parameters — never concatenated.

``attio_path("/v2/tasks/{task_id}", task_id=...)`` checks each parameter by the kind of id
Attio takes in that place (a UUID for ``task_id``; a slug or UUID for ``object``) and
percent-encodes it as one path segment, so no value can add, remove or replace a segment of
the template: a ``task_id`` of ``../objects/companies/records/<id>`` is refused, it does not
reach another endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from attio_gateway.errors import ToolInputError

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Attio's api_slugs are snake_case; a UUID matches too (hex digits and hyphens).
_SLUG_OR_UUID = re.compile(r"[A-Za-z0-9_-]+")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: Longest parameter accepted: an Attio slug is far shorter, a select option's title too.
MAX_PARAMETER_LENGTH = 256


@dataclass(frozen=True)
class _Kind:
    what: str  # said in the error: "a UUID", "a slug or UUID"
    pattern: re.Pattern[str] | None = None  # None: free text (titles), checked by _title_ok


UUID = _Kind("a UUID (8-4-4-4-12 hex digits)", _UUID)
SLUG_OR_UUID = _Kind("an API slug (letters, digits, _ and -) or a UUID", _SLUG_OR_UUID)
TITLE_OR_UUID = _Kind("a title or a UUID (not '.' or '..', no '/', '\\' or control characters)")

#: What each path parameter of Attio's API is (openapi.yaml: ``format: uuid`` for the ids;
#: "a UUID or slug" for objects, lists and attributes; "by id or title" for options and
#: statuses). A template with any other placeholder is a programming error.
KINDS: dict[str, _Kind] = {
    "object": SLUG_OR_UUID,
    "list": SLUG_OR_UUID,
    "attribute": SLUG_OR_UUID,
    "option": TITLE_OR_UUID,
    "status": TITLE_OR_UUID,
    "record_id": UUID,
    "entry_id": UUID,
    "task_id": UUID,
    "note_id": UUID,
    "comment_id": UUID,
    "thread_id": UUID,
    "webhook_id": UUID,
    "workspace_member_id": UUID,
    "meeting_id": UUID,
    "call_recording_id": UUID,
}


def _title_ok(value: str) -> bool:
    if value.strip() in (".", ".."):
        return False
    return not any(c in "/\\" or not c.isprintable() for c in value)


def check_parameter(name: str, value: object, *, field: str | None = None) -> str:
    """``value`` if it is a valid ``name`` (see ``KINDS``), else a ``ToolInputError`` naming
    ``field`` (the caller's name for it; ``name`` by default)."""
    kind = KINDS[name]
    field = field or name
    if not isinstance(value, str):
        raise ToolInputError(
            f"'{field}' must be a string, got {type(value).__name__}.", field=field
        )
    shown = repr(value[:40]) + ("…" if len(value) > 40 else "")
    if not value or len(value) > MAX_PARAMETER_LENGTH:
        raise ToolInputError(
            f"'{field}' must be {kind.what} of 1 to {MAX_PARAMETER_LENGTH} characters; got "
            f"{len(value)} characters.",
            field=field,
        )
    ok = kind.pattern.fullmatch(value) if kind.pattern is not None else _title_ok(value)
    if not ok:
        raise ToolInputError(f"'{field}' must be {kind.what}; got {shown}.", field=field)
    return value


def encode_segment(value: str) -> str:
    """One path segment, percent-encoded: only RFC 3986's unreserved characters (letters,
    digits, ``-._~``) stay as they are; ``/``, ``%``, ``?``, ``#`` and the rest are encoded."""
    return quote(value, safe="")


def attio_path(template: str, /, *, fields: Mapping[str, str] | None = None, **params: str) -> str:
    """The path ``template`` with each ``{name}`` replaced by ``params[name]``, checked (see
    ``KINDS``) and percent-encoded. ``fields`` maps a placeholder to the caller's own name
    for it, for the error (``{"record_id": "parent_record_id"}``).

    Raises ``ToolInputError`` naming the parameter when a value is not what Attio takes
    there; ``KeyError``/``ValueError`` when the template and parameters disagree (a bug)."""
    names = _PLACEHOLDER.findall(template)
    if sorted(names) != sorted(params):
        raise ValueError(f"{template} takes {names}, given {sorted(params)}")
    checked = {
        name: encode_segment(check_parameter(name, params[name], field=(fields or {}).get(name)))
        for name in names
    }
    return _PLACEHOLDER.sub(lambda m: checked[m.group(1)], template)


__all__ = ["KINDS", "MAX_PARAMETER_LENGTH", "attio_path", "check_parameter", "encode_segment"]
