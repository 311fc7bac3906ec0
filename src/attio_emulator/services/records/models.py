"""Records and their attribute values, with history and two-way relationships."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, NamedTuple

from attio_emulator.core import values as vals
from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import (
    AttioError,
    missing_value,
    not_found,
    validation_error,
    value_not_found,
)
from attio_emulator.core.filters import FIELDS, FilterCompiler, sort_rows
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document, Table
from attio_emulator.core.wire import int_param
from attio_emulator.services.objects.models import (
    attributes_of,
    get_attribute,
    get_object,
    required_attributes,
)
from attio_emulator.services.records import columns
from attio_emulator.services.records.index import INDEXED_FIELDS, record_index
from attio_emulator.services.webhooks.models import emit

SYSTEM_VALUES = ("record_id", "created_at", "created_by")


def _records(state: EmulatorState) -> Table:
    return state.store.table("records")


def _save(state: EmulatorState, record: Document) -> None:
    """Every record write goes through here so the indexes stay in step."""
    index = record_index(state)  # before the put: a count mismatch means "rebuild"
    _records(state).put(record["id"]["record_id"], record)
    index.saved(record)


def records_of(state: EmulatorState, object_id: str) -> list[Document]:
    return record_index(state).of_object(object_id)


def get_record(state: EmulatorState, obj: Document, record_id: str) -> Document:
    record = _records(state).get(record_id)
    if record is None or record["id"]["object_id"] != obj["id"]["object_id"]:
        raise not_found(f'Record with ID "{record_id}" not found.')
    return record


def render_record(
    state: EmulatorState, record: Document, *, attributes: list[Document] | None = None
) -> Document:
    """A record exactly as Attio reads it: every attribute slug present, current values only.
    ``attributes`` are its object's live attributes, when the caller already has them."""
    obj = state.store.table("objects").get(record["id"]["object_id"])
    assert obj is not None
    if attributes is None:
        attributes = attributes_of(state, obj["id"]["object_id"], archived=False)
    rendered: dict[str, list[Document]] = {}
    for attribute in attributes:
        rendered[attribute["api_slug"]] = [
            vals.render(state, v) for v in vals.current(record, attribute)
        ]
    noun = (obj["singular_noun"] or obj["api_slug"]).lower().replace(" ", "-")
    return {
        "id": record["id"],
        "created_at": record["created_at"],
        "web_url": f"https://app.attio.com/{state.workspace.slug}/{noun}/{record['id']['record_id']}",
        "values": rendered,
    }


def render_records(state: EmulatorState, records: list[Document]) -> list[Document]:
    """Many records (a query's page), reading each object's attribute list once."""
    attributes: dict[str, list[Document]] = {}
    rendered = []
    for record in records:
        object_id = record["id"]["object_id"]
        if object_id not in attributes:
            attributes[object_id] = attributes_of(state, object_id, archived=False)
        rendered.append(render_record(state, record, attributes=attributes[object_id]))
    return rendered


def _resolve_values(
    state: EmulatorState, obj: Document, raw_values: Any
) -> list[tuple[Document, list[dict[str, Any]]]]:
    if not isinstance(raw_values, dict):
        raise validation_error("data.values must be an object keyed by attribute slug or id.")
    resolved = []
    for key, raw in raw_values.items():
        try:
            attribute = get_attribute(state, obj["id"]["object_id"], key)
        except AttioError:
            # Attio: 400 value_not_found, "Cannot find attribute with slug/ID …" [obs].
            raise value_not_found(
                f'Cannot find attribute with slug/ID "{key}" on "{obj["api_slug"]}".'
            ) from None
        if attribute["is_archived"]:
            raise validation_error(f'Attribute "{key}" is archived.')
        resolved.append((attribute, vals.normalize(state, attribute, raw)))
    return resolved


def _check_unique(
    state: EmulatorState,
    obj: Document,
    record_id: str | None,
    attribute: Document,
    bodies: list[Any],
) -> None:
    if not attribute["is_unique"] or not bodies:
        return
    field = vals.MAIN_FIELD[attribute["type"]]
    wanted = {body.get(field) for body in bodies}
    for record in holding(state, obj, attribute, field, wanted):
        if record["id"]["record_id"] == record_id:
            continue
        value = next(v for v in vals.current(record, attribute) if v.get(field) in wanted)
        raise AttioError(
            400,
            "invalid_request_error",
            "uniqueness_conflict",
            f'The value "{value.get(field)}" provided for unique attribute '
            f'"{attribute["api_slug"]}" already exists on record '
            f'"{record["id"]["record_id"]}".',
        )


def holding(
    state: EmulatorState, obj: Document, attribute: Document, field: str, wanted: set[Any]
) -> list[Document]:
    """Records of ``obj`` with a current value of ``attribute`` whose ``field`` is in ``wanted``
    (through the value index where the type has one)."""
    if INDEXED_FIELDS.get(attribute["type"]) == field and all(isinstance(w, str) for w in wanted):
        candidates: dict[str, Document] = {}
        for value in wanted:
            for record in with_value(state, attribute, value):
                candidates[record["id"]["record_id"]] = record
        rows = list(candidates.values())
    else:
        rows = records_of(state, obj["id"]["object_id"])
    return [
        r
        for r in rows
        if r["id"]["object_id"] == obj["id"]["object_id"]
        and any(v.get(field) in wanted for v in vals.current(r, attribute))
    ]


def with_value(state: EmulatorState, attribute: Document, value: str) -> list[Document]:
    """Records holding ``value`` as a current value of ``attribute`` (case-insensitively),
    in creation order: from the value index, or for ``record_id`` (derived, not indexed)
    the record of that id."""
    if vals.is_derived(attribute) and attribute["api_slug"] == "record_id":
        record = _records(state).get(value.lower())
        if record is None or record["id"]["object_id"] != attribute["id"]["object_id"]:
            return []
        return [record]
    return record_index(state).with_value(attribute["id"]["attribute_id"], value)


def _apply(
    state: EmulatorState,
    record: Document,
    attribute: Document,
    bodies: list[dict[str, Any]],
    *,
    mode: str,
    actor: dict[str, Any],
    now: str,
) -> bool:
    """Write ``bodies`` to one attribute: ``append`` (PATCH) or ``overwrite`` (PUT/create).

    Returns whether the attribute's current values changed (webhooks report only those).
    """
    attribute_id = attribute["id"]["attribute_id"]
    history: list[Document] = record["values"].get(attribute_id, [])
    current = [v for v in history if v["active_until"] is None]
    before = _targets(current)
    if attribute["is_multiselect"] and mode == "append":
        fresh = [b for b in bodies if not any(vals.same_value(b, c) for c in current)]
        history = vals.prepended(history, [vals.stored(b, attribute, actor, now) for b in fresh])
        changed = bool(fresh)
    else:
        keep = [c for c in current if any(vals.same_value(c, b) for b in bodies)]
        for old in current:
            if old not in keep:
                old["active_until"] = now
        new = [b for b in bodies if not any(vals.same_value(b, k) for k in keep)]
        history = vals.prepended(history, [vals.stored(b, attribute, actor, now) for b in new])
        changed = bool(new) or len(keep) < len(current)
    record["values"][attribute_id] = history
    after = _targets([v for v in history if v["active_until"] is None])
    if attribute["type"] == "record-reference" and attribute.get("_pair"):
        for target_id in after - before:
            _mirror(state, record, attribute, target_id, present=True, actor=actor, now=now)
        for target_id in before - after:
            _mirror(state, record, attribute, target_id, present=False, actor=actor, now=now)
    return changed


def _targets(values: list[Document]) -> set[str]:
    return {v["target_record_id"] for v in values if "target_record_id" in v}


def _mirror(
    state: EmulatorState,
    record: Document,
    attribute: Document,
    target_id: str,
    *,
    present: bool,
    actor: dict[str, Any],
    now: str,
) -> None:
    """Keep the other side of a two-way relationship in step with this side."""
    target = _records(state).get(target_id)
    pair = state.store.table("attributes").get(attribute["_pair"])
    if target is None or pair is None:
        return
    obj = state.store.table("objects").get(record["id"]["object_id"])
    assert obj is not None
    me = {"target_object": obj["api_slug"], "target_record_id": record["id"]["record_id"]}
    history: list[Document] = target["values"].setdefault(pair["id"]["attribute_id"], [])
    current = [v for v in history if v["active_until"] is None]
    if present:
        if any(v.get("target_record_id") == me["target_record_id"] for v in current):
            return
        if not pair["is_multiselect"]:
            for old in current:
                old["active_until"] = now
                displaced = _records(state).get(old["target_record_id"])
                if displaced is not None:
                    for v in displaced["values"].get(attribute["id"]["attribute_id"], []):
                        if v["active_until"] is None and v.get("target_record_id") == target_id:
                            v["active_until"] = now
                    _save(state, displaced)
        vals.prepend(history, [vals.stored(me, pair, actor, now)])
    else:
        for v in current:
            if v.get("target_record_id") == me["target_record_id"]:
                v["active_until"] = now
    _save(state, target)


def create_record(
    state: EmulatorState, obj: Document, raw_values: Any, actor: dict[str, Any]
) -> Document:
    resolved = _resolve_values(state, obj, raw_values)
    provided = {a["id"]["attribute_id"] for a, bodies in resolved if bodies}
    for attribute in required_attributes(state, obj["id"]["object_id"]):
        if attribute["id"]["attribute_id"] not in provided:
            raise missing_value(
                f'Required value for attribute "{attribute["api_slug"]}" was not provided.'
            )
    for attribute, bodies in resolved:
        _check_unique(state, obj, None, attribute, bodies)
    now = state.clock.timestamp()
    record_id = new_id()
    record: Document = {
        "id": {
            "workspace_id": state.workspace.workspace_id,
            "object_id": obj["id"]["object_id"],
            "record_id": record_id,
        },
        "created_at": now,
        "values": {},
        # record_id, created_at and created_by are not stored as values but derived from
        # the record on read (values.history): who created it is all they need besides.
        "_actor": actor,
    }
    with state.store.batch():
        if any(a["type"] == "record-reference" for a, _ in resolved):
            _save(state, record)  # in the table before references to it are mirrored
        for attribute, bodies in resolved:
            _apply(state, record, attribute, bodies, mode="overwrite", actor=actor, now=now)
        _save(state, record)
    return record


def update_record(
    state: EmulatorState,
    obj: Document,
    record: Document,
    raw_values: Any,
    actor: dict[str, Any],
    *,
    mode: str,
) -> list[str]:
    """Write ``raw_values`` to ``record``; returns the ids of the attributes that changed."""
    resolved = _resolve_values(state, obj, raw_values)
    for attribute, bodies in resolved:
        if attribute["is_required"] and not bodies and mode == "overwrite":
            raise missing_value(f'Required attribute "{attribute["api_slug"]}" cannot be cleared.')
        _check_unique(state, obj, record["id"]["record_id"], attribute, bodies)
    now = state.clock.timestamp()
    changed = []
    with state.store.batch():
        for attribute, bodies in resolved:
            if _apply(state, record, attribute, bodies, mode=mode, actor=actor, now=now):
                changed.append(attribute["id"]["attribute_id"])
        _save(state, record)
    return changed


class Asserted(NamedTuple):
    """What ``assert_record`` did: created ``record``, or changed these attributes of it."""

    record: Document
    created: bool
    changed_attribute_ids: list[str]


def assert_record(
    state: EmulatorState, obj: Document, matching: str, raw_values: Any, actor: dict[str, Any]
) -> Asserted:
    try:
        attribute = get_attribute(state, obj["id"]["object_id"], matching)
    except AttioError:
        raise value_not_found(
            f'No attribute was found for matching_attribute slug/ID "{matching}".'
        ) from None
    if not attribute["is_unique"]:
        raise AttioError(
            400,
            "invalid_request_error",
            "matching_attribute_definition_not_unique",
            f'matching_attribute "{matching}" is not a unique attribute.',
        )
    if not isinstance(raw_values, dict):
        raise validation_error("data.values must be an object keyed by attribute slug or id.")
    key = next(
        (k for k in raw_values if k in (attribute["api_slug"], attribute["id"]["attribute_id"])),
        None,
    )
    if key is None:
        raise missing_value(f'data.values must include the matching attribute "{matching}".')
    bodies = vals.normalize(state, attribute, raw_values[key])
    field = vals.MAIN_FIELD[attribute["type"]]
    wanted = {b.get(field) for b in bodies}
    matches = holding(state, obj, attribute, field, wanted)
    if len(matches) > 1:
        raise AttioError(
            400,
            "invalid_request_error",
            "multiple_match_results",
            f'More than one record matches "{matching}".',
        )
    if not matches:
        return Asserted(create_record(state, obj, raw_values, actor), True, [])
    record = matches[0]
    # The matching attribute's values are added; other multiselects are replaced (API-NOTES §8).
    rest = {k: v for k, v in raw_values.items() if k != key}
    changed = update_record(state, obj, record, {key: raw_values[key]}, actor, mode="append")
    changed += update_record(state, obj, record, rest, actor, mode="overwrite")
    return Asserted(record, False, changed)


def delete_record(state: EmulatorState, obj: Document, record: Document) -> list[Document]:
    """Delete ``record``, end references to it and delete its list entries (returned)."""
    record_id = record["id"]["record_id"]
    now = state.clock.timestamp()
    with state.store.batch():
        index = record_index(state)
        _records(state).delete(record_id)
        index.removed(record)
        for other in _records(state):
            touched = False
            for history in other["values"].values():
                for value in history:
                    if value["active_until"] is None and value.get("target_record_id") == record_id:
                        value["active_until"] = now
                        touched = True
            if touched:
                _save(state, other)
        entries = state.store.table("entries")
        removed = [e for e in entries if e.get("parent_record_id") == record_id]
        for entry in removed:
            entries.delete(entry["id"]["entry_id"])
    return removed


def attribute_values(
    state: EmulatorState, record: Document, attribute: Document, *, historic: bool
) -> list[Document]:
    history = vals.history(record, attribute)
    if historic:
        if attribute["type"] == "interaction" or (
            not attribute["is_writable"] and attribute["api_slug"] not in SYSTEM_VALUES
        ):
            raise validation_error(
                f'show_historic is not supported for attribute "{attribute["api_slug"]}".'
            )
        chosen = vals.oldest_first(history)
    else:
        chosen = [v for v in history if v["active_until"] is None]
    return [vals.render(state, v) for v in chosen]


def query_records(state: EmulatorState, obj: Document, body: dict[str, Any]) -> list[Document]:
    object_id = obj["id"]["object_id"]

    def lookup(ref: str) -> Document | None:
        try:
            return get_attribute(state, object_id, ref)
        except AttioError:
            return None

    compiler = FilterCompiler(state, lookup, target_slug=obj["api_slug"])
    predicate = compiler.compile(body.get("filter"))
    limit = int_param(body.get("limit"), "limit", default=500, minimum=1, maximum=None)
    offset = int_param(body.get("offset"), "offset", default=0, minimum=0, maximum=None)
    sorts = body.get("sorts")
    unfiltered = body.get("filter") in (None, {})
    if unfiltered and sorts is None:
        return record_index(state).page_of_object(object_id, offset, limit)
    narrowed: list[Document] | None = None
    if not unfiltered:
        narrowed = _narrowed(state, obj, lookup, body.get("filter"), unsorted=sorts is None)
        if narrowed is None:
            narrowed = _text_narrowed(state, obj, lookup, body.get("filter"))
    ordered = _index_order(state, obj, lookup, sorts) if sorts is not None else None
    if ordered is not None and narrowed is None:
        # One sort the order cache answers: a slice, or a scan that stops at a full page.
        if unfiltered:
            return ordered[offset : offset + limit]
        return list(itertools.islice(filter(predicate, ordered), offset, offset + limit))
    candidates: Iterable[Document] = (
        narrowed if narrowed is not None else record_index(state).iter_object(object_id)
    )
    if sorts is None:
        # Unsorted results come in creation order: stop once the page is full.
        rows = list(itertools.islice(filter(predicate, candidates), offset + limit))
    else:
        rows = [r for r in candidates if predicate(r)]
    rows = sort_rows(state, rows, sorts, lookup, obj["api_slug"])
    return rows[offset : offset + limit]


def _index_order(
    state: EmulatorState, obj: Document, lookup: Any, sorts: Any
) -> list[Document] | None:
    """The object's records in the order of ``sorts`` when that is one well-formed sort on an
    attribute (the common case) whose order ``columns`` keeps; else None (``sort_rows`` then
    sorts, and reports a malformed sort)."""
    if not isinstance(sorts, list) or len(sorts) != 1 or not isinstance(sorts[0], dict):
        return None
    spec = sorts[0]
    if spec.get("direction") not in ("asc", "desc") or "path" in spec:
        return None
    attribute = lookup(str(spec.get("attribute")))
    if attribute is None:
        return None
    field = spec.get("field") or vals.MAIN_FIELD[attribute["type"]]
    if field not in FIELDS[attribute["type"]]:
        return None
    return columns.sorted_records(
        state, obj["id"]["object_id"], attribute, field, spec["direction"] == "desc"
    )


def _text_narrowed(
    state: EmulatorState, obj: Document, lookup: Any, spec: Any
) -> list[Document] | None:
    """Records that may match a (validated) filter through a ``$contains``/``$starts_with``/
    ``$ends_with`` on one attribute (top level or inside ``$and``), found in that attribute's
    text column; None when there is no such condition or too many records match (a scan that
    stops at a full page is then faster)."""
    if not isinstance(spec, dict) or "path" in spec:
        return None
    object_id = obj["id"]["object_id"]
    cap = max(1, record_index(state).object_count(object_id) // DENSE_SHARE)
    for key, condition in spec.items():
        if key == "$and" and isinstance(condition, list):
            for part in condition:
                found = _text_narrowed(state, obj, lookup, part)
                if found is not None:
                    return found
        elif not key.startswith("$") and key != "record_id":
            attribute = lookup(key)
            if attribute is None:
                continue
            main = vals.MAIN_FIELD[attribute["type"]]
            for field, op, needle in columns.text_conditions(attribute, condition, main):
                column = columns.text_column(state, object_id, attribute, field)
                found = column.matches(op, needle, cap)
                if found is not None:
                    return found
    return None


#: A value held by more than one record in this many is "dense" (see ``_narrowed``).
DENSE_SHARE = 20


def _narrowed(
    state: EmulatorState, obj: Document, lookup: Any, spec: Any, *, unsorted: bool
) -> list[Document] | None:
    """Records that may match an (already validated) filter, through an equality the indexes
    answer — ``record_id`` or an ``$eq`` on a text/email/domain/phone value — else None.
    Only a shortcut: the full predicate still runs on what this returns.

    For an ``unsorted`` query a value held by many of the object's records is not narrowed
    (None): scanning in creation order finds a page of them sooner than ordering them all."""
    if not isinstance(spec, dict) or "path" in spec:
        return None
    for key, condition in spec.items():
        found: list[Document] | None = None
        if key == "$and" and isinstance(condition, list):
            narrowed = (_narrowed(state, obj, lookup, c, unsorted=unsorted) for c in condition)
            found = next((n for n in narrowed if n is not None), None)
        elif key == "record_id" and isinstance(condition, str):
            record = _records(state).get(condition)
            found = [record] if record is not None else []
        elif not key.startswith("$"):
            attribute = lookup(key)
            operand = _equality_operand(attribute, condition) if attribute else None
            if attribute is not None and operand is not None:
                index = record_index(state)
                attribute_id = attribute["id"]["attribute_id"]
                dense = index.value_count(attribute_id, operand) * DENSE_SHARE > index.object_count(
                    obj["id"]["object_id"]
                )
                if not (unsorted and dense):
                    found = with_value(state, attribute, operand)
        if found is not None:
            return [r for r in found if r["id"]["object_id"] == obj["id"]["object_id"]]
    return None


def _equality_operand(attribute: Document, condition: Any) -> str | None:
    """The string a condition requires the attribute's main field to equal, if it does."""
    field = INDEXED_FIELDS.get(attribute["type"])
    if field is None:
        return None
    if isinstance(condition, dict) and field in condition:
        condition = condition[field]
    if isinstance(condition, dict):
        condition = condition.get("$eq")
    return condition if isinstance(condition, str) else None


def object_for(state: EmulatorState, identifier: str) -> Document:
    return get_object(state, identifier)


# --- merging (a web-app action; ``/_emulator`` stands in for it) ---------------------------


def _current(record: Document, attribute_id: str) -> list[Document]:
    return [v for v in record["values"].get(attribute_id, []) if v["active_until"] is None]


def merge_records(
    state: EmulatorState,
    obj: Document,
    record: Document,
    duplicate_id: str,
    actor: dict[str, Any],
) -> Document:
    """Merge record ``duplicate_id`` into ``record`` (the emulator's reading of Attio's merge;
    the exact rules are unconfirmed), then delete the duplicate:

    - each writable attribute keeps ``record``'s current values; an attribute it has no value
      for takes the duplicate's; multiselect values are combined, without repeats;
    - references to the duplicate (on records and list entries) point at ``record`` instead,
      except where that is impossible: on ``record`` itself (it would refer to itself), or a
      relationship whose other side on ``record`` kept a different record — those end;
    - list entries of the duplicate become ``record``'s entries.

    Sends one ``record.merged`` (id of ``record``, top-level ``duplicate_object_id`` and
    ``duplicate_record_id``) and nothing else; returns the deleted duplicate."""
    record_id = record["id"]["record_id"]
    if duplicate_id == record_id:
        raise validation_error("A record cannot be merged with itself.")
    duplicate = _records(state).get(duplicate_id)
    if duplicate is None:
        raise not_found(f'Record with ID "{duplicate_id}" not found.')
    if duplicate["id"]["object_id"] != obj["id"]["object_id"]:
        raise validation_error(
            f'Record "{duplicate_id}" belongs to another object than "{obj["api_slug"]}"; '
            "only records of the same object can be merged."
        )
    now = state.clock.timestamp()
    with state.store.batch():
        for attribute in attributes_of(state, obj["id"]["object_id"], archived=False):
            if not attribute["is_writable"] or attribute["api_slug"] in SYSTEM_VALUES:
                continue
            attribute_id = attribute["id"]["attribute_id"]
            theirs = [
                vals.body_of(v)
                for v in _current(duplicate, attribute_id)
                if v.get("target_record_id") not in (record_id, duplicate_id)
            ]
            mine = _current(record, attribute_id)
            if not theirs or (mine and not attribute["is_multiselect"]):
                continue
            # Append adds only values ``record`` lacks; with none held, it writes them all.
            mode = "append" if attribute["is_multiselect"] else "overwrite"
            _apply(state, record, attribute, theirs, mode=mode, actor=actor, now=now)
        _save(state, record)
        _repoint(state, duplicate_id, record, actor, now)
        entries = state.store.table("entries")
        for entry in entries:
            if entry.get("parent_record_id") == duplicate_id:
                entries.put(entry["id"]["entry_id"], {**entry, "parent_record_id": record_id})
        delete_record(state, obj, duplicate)
    emit(
        state,
        "record.merged",
        {"object_id": obj["id"]["object_id"], "record_id": record_id},
        actor,
        duplicate_object_id=duplicate["id"]["object_id"],
        duplicate_record_id=duplicate_id,
    )
    return duplicate


def _repoint(
    state: EmulatorState, duplicate_id: str, record: Document, actor: dict[str, Any], now: str
) -> None:
    """References to the duplicate, on records and entries, moved to ``record`` where they can
    be (see ``merge_records``); the rest end."""
    record_id = record["id"]["record_id"]
    obj = state.store.table("objects").get(record["id"]["object_id"])
    assert obj is not None
    attributes = state.store.table("attributes")
    for kind in ("records", "entries"):
        table = state.store.table(kind)
        for doc in table:
            if doc.get("id", {}).get("record_id") == duplicate_id:
                continue
            touched = False
            for attribute_id, history in doc["values"].items():
                stale = [v for v in history if v["active_until"] is None]
                stale = [v for v in stale if v.get("target_record_id") == duplicate_id]
                if not stale:
                    continue
                touched = True
                for value in stale:
                    value["active_until"] = now
                attribute = attributes.get(attribute_id)
                if attribute is None or doc is record:
                    continue
                held = {v.get("target_record_id") for v in _current(doc, attribute_id)}
                pair = attributes.get(attribute.get("_pair") or "")
                if pair is not None:
                    # A relationship: its mirror is ``record``'s side, already merged; this
                    # side points at ``record`` only if that side holds this record.
                    mirror = {
                        v.get("target_record_id")
                        for v in _current(record, pair["id"]["attribute_id"])
                    }
                    movable = doc["id"].get("record_id") in mirror
                else:
                    movable = True
                if movable and record_id not in held:
                    body = {"target_object": obj["api_slug"], "target_record_id": record_id}
                    vals.prepend(history, [vals.stored(body, attribute, actor, now)])
            if touched:
                if kind == "records":
                    _save(state, doc)
                else:
                    table.put(doc["id"]["entry_id"], doc)
