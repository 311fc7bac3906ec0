"""Attio's filter grammar (API-NOTES §9) compiled to a predicate over stored values.

Shared by record queries and list-entry queries: a *target* is anything with attributes
(an object or a list) and a *row* is a document with ``values`` keyed by attribute id.
Anything the grammar doesn't allow is a 400 ``filter_error`` naming the problem — never
a silently ignored condition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from attio_emulator.core.clock import format_timestamp, parse_timestamp
from attio_emulator.core.errors import AttioError, filter_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.values import (
    LOCATION_KEYS,
    MAIN_FIELD,
    field_value,
    history,
    is_derived,
)

Predicate = Callable[[Document], bool]
#: Resolves an attribute slug or id on the target → attribute document (or None).
AttributeLookup = Callable[[str], Document | None]

_TEXT_OPS = {"$eq", "$contains", "$starts_with", "$ends_with"}
_ORDER_OPS = {"$eq", "$gt", "$gte", "$lt", "$lte"}
#: type → field → operators allowed on it (API-NOTES §6 table).
FIELDS: dict[str, dict[str, set[str]]] = {
    "text": {"value": _TEXT_OPS | {"$in"}},
    "number": {"value": _ORDER_OPS},
    "checkbox": {"value": {"$eq"}},
    "currency": {"currency_value": _ORDER_OPS, "currency_code": {"$eq"}},
    "date": {"value": _ORDER_OPS},
    "timestamp": {"value": _ORDER_OPS},
    "rating": {"value": _ORDER_OPS},
    # active_from: when the current status/option was set (Attio's status filtering docs).
    "status": {"status": {"$eq"}, "active_from": _ORDER_OPS - {"$eq"}},
    "select": {"option": {"$eq"}, "active_from": _ORDER_OPS - {"$eq"}},
    "record-reference": {"target_object": {"$eq"}, "target_record_id": {"$eq", "$in"}},
    "actor-reference": {"referenced_actor_type": {"$eq"}, "referenced_actor_id": {"$eq"}},
    "location": {
        **{
            k: _TEXT_OPS
            for k in LOCATION_KEYS
            if k not in ("country_code", "latitude", "longitude")
        },
        "country_code": {"$eq", "$starts_with"},
    },
    "domain": {f: _TEXT_OPS | {"$not_empty"} for f in ("domain", "root_domain")},
    "email-address": {
        f: _TEXT_OPS
        for f in ("email_address", "email_domain", "email_root_domain", "email_local_specifier")
    },
    "phone-number": {"phone_number": _TEXT_OPS, "country_code": {"$eq", "$not_empty"}},
    "personal-name": {
        f: _TEXT_OPS | {"$not_empty"} for f in ("first_name", "last_name", "full_name")
    },
    "interaction": {
        "owner_member_id": {"$eq", "$not_empty"},
        "interacted_at": _ORDER_OPS,
        "interaction_type": {"$eq", "$not_empty"},
    },
}
_LOWERCASED = {"email-address", "domain"}
#: Pseudo-field for ``$not_empty`` written on an attribute whose main property lacks it.
ANY_VALUE = "*"


def _active(row: Document, attribute: Document) -> list[Document]:
    return [v for v in history(row, attribute) if v["active_until"] is None]


def _comparable(attribute: Document, field: str, operand: Any, op: str) -> Any:
    """Normalise a filter operand the way values are stored, or fail naming it."""
    type_ = attribute["type"]
    slug = attribute["api_slug"]
    if op == "$not_empty":
        if operand is not True:
            raise filter_error(f'"$not_empty" on "{slug}" takes true, got {operand!r}.')
        return True
    if op == "$in":
        if not isinstance(operand, list):
            raise filter_error(f'"$in" on "{slug}" needs an array, got {operand!r}.')
        return [_comparable(attribute, field, item, "$eq") for item in operand]
    if (type_ in ("number", "rating") or field == "currency_value") and field != "active_from":
        # A numeric string is read as its number: Attio's currency page filters with
        # "399.00" ("using either JSON strings or numbers"); lenient for number and rating.
        if isinstance(operand, str):
            try:
                number = float(operand)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                return int(number) if number.is_integer() else number
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise filter_error(f'"{slug}" compares numbers; got {operand!r}.')
        return operand
    if type_ == "checkbox":
        if not isinstance(operand, bool):
            raise filter_error(f'"{slug}" is a checkbox; compare with true or false.')
        return operand
    if not isinstance(operand, str):
        raise filter_error(f'"{slug}.{field}" compares strings; got {operand!r}.')
    if type_ == "date":
        try:
            return date.fromisoformat(operand[:10]).isoformat()
        except ValueError:
            raise filter_error(f'"{slug}" needs a date YYYY-MM-DD, got {operand!r}.') from None
    if type_ == "timestamp" or field in ("interacted_at", "active_from"):
        if field == "active_from" and len(operand) == 10:
            # The status and select pages filter active_from by a date ("2023-11-20"):
            # the first instant of that day in UTC.
            operand += "T00:00:00Z"
        if "T" not in operand:
            raise filter_error(
                f'"{slug}" filters need a date and a time (ISO-8601), got {operand!r}.'
            )
        try:
            return format_timestamp(parse_timestamp(operand))
        except ValueError:
            raise filter_error(f'"{slug}" needs an ISO-8601 timestamp, got {operand!r}.') from None
    if type_ in _LOWERCASED:
        return operand.lower()
    return operand


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "$not_empty":
        return actual not in (None, "")
    if actual is None:
        return False
    if op == "$eq":
        return bool(actual == expected)
    if op == "$in":
        return actual in expected
    if op in ("$contains", "$starts_with", "$ends_with"):
        a, e = str(actual).lower(), str(expected).lower()
        return (
            e in a
            if op == "$contains"
            else a.startswith(e)
            if op == "$starts_with"
            else (a.endswith(e))
        )
    try:
        if op == "$gt":
            return bool(actual > expected)
        if op == "$gte":
            return bool(actual >= expected)
        if op == "$lt":
            return bool(actual < expected)
        if op == "$lte":
            return bool(actual <= expected)
    except TypeError:
        return False
    raise filter_error(f'Unknown operator "{op}".')


class FilterCompiler:
    def __init__(
        self,
        state: EmulatorState,
        lookup: AttributeLookup,
        *,
        target_slug: str,
    ) -> None:
        self.state = state
        self.lookup = lookup
        self.target_slug = target_slug

    def compile(self, spec: Any) -> Predicate:
        if spec is None or spec == {}:
            return lambda row: True
        if not isinstance(spec, dict):
            raise filter_error(f"A filter must be an object, got {spec!r}.")
        if "path" in spec or "constraints" in spec:
            if set(spec) != {"path", "constraints"}:
                raise filter_error('A path filter has exactly two keys: "path" and "constraints".')
            return self._path(spec["path"], spec["constraints"])
        parts = [self._key(key, value) for key, value in spec.items()]
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(part(row) for part in parts)

    def _key(self, key: str, value: Any) -> Predicate:
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise filter_error(f'"{key}" needs a non-empty array of filters.')
            parts = [self.compile(item) for item in value]
            if key == "$and":
                return lambda row: all(part(row) for part in parts)
            return lambda row: any(part(row) for part in parts)
        if key == "$not":
            inner = self.compile(value)
            return lambda row: not inner(row)
        if key == "path":
            raise filter_error('"path" must come with "constraints" in the same object.')
        if key == "constraints":
            raise filter_error('"constraints" must come with "path" in the same object.')
        if key.startswith("$"):
            raise filter_error(f'Unknown logical operator "{key}"; use $and, $or or $not.')
        if key == "record_id":
            return self._record_id(value)
        attribute = self.lookup(key)
        if attribute is None:
            raise filter_error(f'Unknown attribute "{key}" on "{self.target_slug}".')
        return self.attribute_condition(attribute, value)

    def _path(self, path: Any, constraints: Any) -> Predicate:
        """Follow record references pair by pair; constraints apply to the last attribute."""
        hops = self.path_hops(path)
        last = hops[-1]
        if last is None:
            raise filter_error('A path cannot end at "parent_record"; add the attribute to test.')
        condition = self.attribute_condition(last, constraints)
        return lambda row: any(condition(target) for target in self.reached(row, hops[:-1]))

    def path_hops(self, path: Any) -> list[Document | None]:
        """The attribute at each ``[object_or_list_slug, attribute_slug]`` step of a path
        (None for an entry's ``parent_record``), or a ``filter_error`` naming the bad step."""
        from attio_emulator.services.objects.models import get_attribute

        if (
            not isinstance(path, list)
            or not path
            or not all(isinstance(p, list) and len(p) == 2 for p in path)
        ):
            raise filter_error('"path" is an array of [object_or_list_slug, attribute_slug] pairs.')
        if path[0][0] != self.target_slug:
            raise filter_error(
                f'A path must start at the queried "{self.target_slug}", not "{path[0][0]}".'
            )
        hops: list[Document | None] = []
        for index, (parent, slug) in enumerate(path):
            if index == 0:
                attribute = None if slug == "parent_record" else self.lookup(str(slug))
                if attribute is None and slug != "parent_record":
                    raise filter_error(f'Unknown attribute "{slug}" on "{parent}" in path.')
            else:
                try:
                    obj = self._step_object(str(parent))
                    attribute = get_attribute(self.state, obj["id"]["object_id"], str(slug))
                except AttioError:
                    raise filter_error(f'Unknown path step ["{parent}", "{slug}"].') from None
            is_last = index == len(path) - 1
            if not is_last and attribute is not None and attribute["type"] != "record-reference":
                raise filter_error(
                    f'Path step "{slug}" is not a record reference, so the path cannot go on.'
                )
            hops.append(attribute)
        return hops

    def _step_object(self, name: str) -> Document:
        """The object a path step names: its slug or id, or (lenient: the guide's own example
        writes ``["company", "team"]``) its singular noun, ``company`` for ``companies``."""
        from attio_emulator.services.objects.models import get_object, list_objects

        try:
            return get_object(self.state, name)
        except AttioError:
            wanted = name.strip().lower().replace(" ", "_")
            for obj in list_objects(self.state):
                if str(obj.get("singular_noun", "")).lower().replace(" ", "_") == wanted:
                    return obj
            raise

    def reached(self, row: Document, hops: list[Document | None]) -> list[Document]:
        """The records reached from ``row`` by following each reference hop in turn."""
        records = self.state.store.table("records")
        current = [row]
        for attribute in hops:
            following: list[Document] = []
            for item in current:
                if attribute is None:
                    ids = [item.get("parent_record_id")]
                else:
                    ids = [v.get("target_record_id") for v in _active(item, attribute)]
                following.extend(r for r in (records.get(str(i)) for i in ids if i) if r)
            current = following
        return current

    def _record_id(self, value: Any) -> Predicate:
        def rid(row: Document) -> str:
            ids = row["id"]
            return str(ids.get("record_id") or ids.get("entry_id"))

        if isinstance(value, str):
            return lambda row: rid(row) == value
        if isinstance(value, dict) and set(value) <= {"$eq", "$in"} and value:
            if "$in" in value and not isinstance(value["$in"], list):
                raise filter_error('"record_id" "$in" needs an array of ids.')
            wanted_eq = value.get("$eq")
            wanted_in = set(value.get("$in", []))
            return lambda row: (
                (wanted_eq is None or rid(row) == wanted_eq)
                and ("$in" not in value or rid(row) in wanted_in)
            )
        raise filter_error('"record_id" takes an id, {"$eq": id} or {"$in": [ids]}.')

    def attribute_condition(self, attribute: Document, value: Any) -> Predicate:
        type_ = attribute["type"]
        slug = attribute["api_slug"]
        if isinstance(value, list):
            raise filter_error(
                f'The filter for "{slug}" is an array; Attio takes one condition object, e.g. '
                f'{{"{slug}": {{"{MAIN_FIELD[type_]}": {{"$eq": …}}}}}} '
                f"(use $and/$or to combine several)."
            )
        checks: list[tuple[str, str, Any]] = []  # (field, op, operand)
        fields = FIELDS[type_]
        if not isinstance(value, dict):
            checks.append((MAIN_FIELD[type_], "$eq", value))
        else:
            for key, inner in value.items():
                if key == "$not_empty" and "$not_empty" not in fields[MAIN_FIELD[type_]]:
                    # On the attribute itself: "has any value" (every type has one).
                    checks.append((ANY_VALUE, key, inner))
                elif key.startswith("$"):
                    # An operator on the attribute applies to its main property, as in
                    # Attio's guide ({"domains": {"$not_empty": true}}, {"value": {"$gt": 500}}).
                    checks.append((MAIN_FIELD[type_], key, inner))
                elif key not in fields:
                    raise filter_error(
                        f'"{key}" is not a filterable field of "{slug}" ({type_}); '
                        f"valid: {', '.join(sorted(fields))}."
                    )
                elif isinstance(inner, dict):
                    if not inner:
                        raise filter_error(f'Empty condition for "{slug}.{key}".')
                    checks.extend((key, op, operand) for op, operand in inner.items())
                else:
                    checks.append((key, "$eq", inner))
        compiled: list[tuple[str, str, Any]] = []
        for field, op, operand in checks:
            if field == ANY_VALUE:
                compiled.append((field, op, _comparable(attribute, field, operand, op)))
                continue
            if op not in fields[field]:
                raise filter_error(
                    f'Operator "{op}" is not supported on "{slug}.{field}" ({type_}); '
                    f"supported: {', '.join(sorted(fields[field]))}."
                )
            compiled.append((field, op, _comparable(attribute, field, operand, op)))
        state = self.state
        attribute_id = attribute["id"]["attribute_id"]
        plain = type_ not in ("status", "select")  # options/statuses need a lookup per value
        derived = is_derived(attribute)

        def matches(row: Document) -> bool:
            held = row["values"].get(attribute_id)
            if held is None and derived:
                held = history(row, attribute)
            values = [v for v in held if v["active_until"] is None] if held else []
            for field, op, expected in compiled:
                if op == "$not_empty" and not values:
                    return False
                if field == ANY_VALUE:
                    continue
                if plain:
                    if not any(_compare(op, v.get(field), expected) for v in values):
                        return False
                elif not any(_compare(op, _field(state, v, field), expected) for v in values):
                    return False
            return True

        return matches


def _field(state: EmulatorState, value: Document, field: str) -> Any:
    if field == "active_from":
        return value.get("active_from")
    if field in ("option", "status"):
        ref_id = value.get("_option_id") or value.get("_status_id")
        title = field_value(state, value, field)
        return _Either(title, ref_id)
    return field_value(state, value, field)


class _Either:
    """A select option or status matches by title or by id."""

    def __init__(self, title: Any, ref_id: Any) -> None:
        self.title, self.ref_id = title, ref_id

    def __eq__(self, other: object) -> bool:
        return other in (self.title, self.ref_id)

    def __hash__(self) -> int:
        return hash(self.ref_id)


def sort_rows(
    state: EmulatorState,
    rows: list[Document],
    sorts: Any,
    lookup: AttributeLookup,
    target_slug: str,
) -> list[Document]:
    """Stable multi-key sort; rows without a value sort last in either direction."""
    if sorts is None:
        return rows
    if not isinstance(sorts, list):
        raise AttioError(400, "invalid_request_error", "validation_type", "sorts must be an array.")
    for spec in reversed(sorts):
        if not isinstance(spec, dict) or spec.get("direction") not in ("asc", "desc"):
            raise AttioError(
                400,
                "invalid_request_error",
                "validation_type",
                'Each sort needs "direction" ("asc" or "desc") and "attribute" or "path".',
            )
        hops: list[Document | None] = []
        if "path" in spec:
            compiler = FilterCompiler(state, lookup, target_slug=target_slug)
            *hops, last = compiler.path_hops(spec["path"])
            if last is None:
                raise filter_error('A sort path cannot end at "parent_record".')
            attribute = last
        else:
            found = lookup(str(spec.get("attribute")))
            if found is None:
                raise filter_error(
                    f'Unknown sort attribute "{spec.get("attribute")}" on "{target_slug}".'
                )
            attribute = found
        field = spec.get("field") or MAIN_FIELD[attribute["type"]]
        if field not in FIELDS[attribute["type"]]:
            raise filter_error(f'"{field}" is not a field of "{attribute["api_slug"]}".')

        def key(
            row: Document,
            attribute: Document = attribute,
            field: str = field,
            hops: list[Document | None] = hops,
        ) -> Any:
            if hops:
                reached = FilterCompiler(state, lookup, target_slug=target_slug).reached(row, hops)
                row = reached[0] if reached else {"values": {}}
            values = _active(row, attribute)
            return field_value(state, values[0], field) if values else None

        present = [r for r in rows if key(r) is not None]
        absent = [r for r in rows if key(r) is None]
        present.sort(key=key, reverse=spec["direction"] == "desc")
        rows = present + absent
    return rows


def iter_matching(rows: Iterable[Document], predicate: Predicate) -> list[Document]:
    return [row for row in rows if predicate(row)]
