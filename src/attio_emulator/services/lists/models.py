"""Lists and entries (API-NOTES §11).

Entry values reuse part 1's machinery: ``core.values`` validates and renders them,
``core.filters`` queries and sorts them, and the record service's value writer applies
PATCH (append) and PUT (overwrite) semantics. An entry document keeps its values keyed by
attribute id under ``values`` exactly like a record, so the same filters run on both.
"""

from __future__ import annotations

from typing import Any

from attio_emulator.core import values as vals
from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import (
    AttioError,
    not_found,
    slug_conflict,
    validation_error,
    value_not_found,
)
from attio_emulator.core.filters import FilterCompiler, sort_rows
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.wire import check_slug, int_param
from attio_emulator.services.objects.models import (
    attributes_of,
    check_patch,
    get_attribute,
    get_object,
)
from attio_emulator.services.records.models import _apply, _resolve_values, get_record
from attio_emulator.services.webhooks.models import emit

ACCESS = ("full-access", "read-and-write", "read-only")
LIST_FIELDS = ("name", "api_slug", "workspace_access", "workspace_member_access")


def _lists(state: EmulatorState) -> Any:
    return state.store.table("lists")


def _entries(state: EmulatorState) -> Any:
    return state.store.table("entries")


# --- lists --------------------------------------------------------------------------------


def get_list(state: EmulatorState, ref: str) -> Document:
    doc: Document | None = _lists(state).get(ref) or next(
        (x for x in _lists(state) if x["api_slug"] == ref), None
    )
    if doc is None:
        raise not_found(f'List with slug/ID "{ref}" not found.')
    return doc


def _access(state: EmulatorState, data: dict[str, Any], doc: Document) -> None:
    if "workspace_access" in data:
        if data["workspace_access"] not in (*ACCESS, None):
            raise validation_error(
                "workspace_access must be full-access, read-and-write, read-only or null."
            )
        doc["workspace_access"] = data["workspace_access"]
    if "workspace_member_access" in data:
        members = data["workspace_member_access"]
        if not isinstance(members, list) or not all(
            isinstance(m, dict)
            and isinstance(m.get("workspace_member_id"), str)
            and m.get("level") in ACCESS
            for m in members
        ):
            raise validation_error(
                "workspace_member_access must be a list of {workspace_member_id, level}."
            )
        for member in members:
            if member["workspace_member_id"] not in state.store.table("workspace_members"):
                raise value_not_found(
                    f'Workspace member with ID "{member["workspace_member_id"]}" not found.'
                )
        doc["workspace_member_access"] = members


def create_list(state: EmulatorState, data: dict[str, Any], actor: Document) -> Document:
    for key in ("name", "api_slug", "parent_object", "workspace_access", "workspace_member_access"):
        if key not in data:
            raise validation_error(f"{key} is required.")
    if not isinstance(data["name"], str) or not data["name"]:
        raise validation_error("name must be a non-empty string.")
    slug = check_slug(data["api_slug"], "api_slug")
    if any(x["api_slug"] == slug for x in _lists(state)):
        raise slug_conflict(f'A list with slug "{slug}" already exists.')
    parent = get_object(state, str(data["parent_object"]))
    list_id = new_id()
    doc: Document = {
        "id": {"workspace_id": state.workspace.workspace_id, "list_id": list_id},
        "api_slug": slug,
        "name": data["name"],
        "parent_object": [parent["api_slug"]],
        "workspace_access": None,
        "workspace_member_access": [],
        "created_by_actor": actor,
        "created_at": state.clock.timestamp(),
    }
    _access(state, data, doc)
    _lists(state).put(list_id, doc)
    emit(state, "list.created", {"list_id": list_id}, actor)
    return doc


def update_list(state: EmulatorState, ref: str, data: dict[str, Any], actor: Document) -> Document:
    doc = dict(get_list(state, ref))
    if "parent_object" in data:
        raise validation_error("parent_object cannot be changed through the API.")
    check_patch(data, LIST_FIELDS)
    if "name" in data:
        if not isinstance(data["name"], str) or not data["name"]:
            raise validation_error("name must be a non-empty string.")
        doc["name"] = data["name"]
    if "api_slug" in data:
        slug = check_slug(data["api_slug"], "api_slug")
        if any(x["api_slug"] == slug and x["id"] != doc["id"] for x in _lists(state)):
            raise slug_conflict(f'A list with slug "{slug}" already exists.')
        doc["api_slug"] = slug
    _access(state, data, doc)
    _lists(state).put(doc["id"]["list_id"], doc)
    emit(state, "list.updated", {"list_id": doc["id"]["list_id"]}, actor)
    return doc


def delete_list(state: EmulatorState, ref: str, actor: Document) -> None:
    """Delete a list as Attio's web app does (the API cannot): its entries, its attributes
    (with their options and statuses) go with it. Sends ``list.deleted`` only — whether Attio
    also sends ``list-entry.deleted`` for the entries is unconfirmed, so none is sent."""
    lst = get_list(state, ref)
    list_id = lst["id"]["list_id"]
    attributes = state.store.table("attributes")
    with state.store.batch():
        for entry in _entries(state):
            if entry["id"]["list_id"] == list_id:
                _entries(state).delete(entry["id"]["entry_id"])
        doomed = {a["id"]["attribute_id"] for a in attributes_of(state, list_id)}
        for kind in ("select_options", "statuses"):
            table = state.store.table(kind)
            for choice_id, choice in table.items():
                if choice["id"]["attribute_id"] in doomed:
                    table.delete(choice_id)
        for attribute_id in doomed:
            attributes.delete(attribute_id)
        _lists(state).delete(list_id)
    emit(state, "list.deleted", {"list_id": list_id}, actor)


def all_lists(state: EmulatorState) -> list[Document]:
    return list(_lists(state).values())


# --- entries ------------------------------------------------------------------------------


def _as_target(lst: Document) -> Document:
    """The list in the shape the shared value writer expects of a target."""
    return {"id": {"object_id": lst["id"]["list_id"]}, "api_slug": lst["api_slug"]}


def render_entry(state: EmulatorState, entry: Document) -> Document:
    rendered: dict[str, list[Document]] = {}
    for attribute in attributes_of(state, entry["id"]["list_id"], archived=False):
        stored = entry["values"].get(attribute["id"]["attribute_id"], [])
        rendered[attribute["api_slug"]] = [
            vals.render(state, v) for v in stored if v["active_until"] is None
        ]
    return {
        "id": entry["id"],
        "parent_record_id": entry["parent_record_id"],
        "parent_object": entry["parent_object"],
        "created_at": entry["created_at"],
        "entry_values": rendered,
    }


def get_entry(state: EmulatorState, lst: Document, entry_id: str) -> Document:
    entry: Document | None = _entries(state).get(entry_id)
    if entry is None or entry["id"]["list_id"] != lst["id"]["list_id"]:
        raise not_found(f'Entry with ID "{entry_id}" not found.')
    return entry


def _parent(state: EmulatorState, lst: Document, data: dict[str, Any]) -> tuple[Document, Document]:
    for key in ("parent_record_id", "parent_object", "entry_values"):
        if key not in data:
            raise validation_error(f"{key} is required.")
    obj = get_object(state, str(data["parent_object"]))
    if obj["api_slug"] not in lst["parent_object"]:
        raise validation_error(
            f'List "{lst["api_slug"]}" holds {", ".join(lst["parent_object"])} records, '
            f"not {obj['api_slug']}."
        )
    return obj, get_record(state, obj, str(data["parent_record_id"]))


def _write(
    state: EmulatorState, lst: Document, entry: Document, raw: Any, actor: Document, mode: str
) -> list[str]:
    """Write entry values; returns the ids of the attributes that changed."""
    resolved = _resolve_values(state, _as_target(lst), raw)
    now = state.clock.timestamp()
    changed = []
    with state.store.batch():
        for attribute, bodies in resolved:
            if _apply(state, entry, attribute, bodies, mode=mode, actor=actor, now=now):
                changed.append(attribute["id"]["attribute_id"])
        _entries(state).put(entry["id"]["entry_id"], entry)
    return changed


def create_entry(
    state: EmulatorState, lst: Document, data: dict[str, Any], actor: Document
) -> Document:
    obj, record = _parent(state, lst, data)
    entry_id = new_id()
    entry: Document = {
        "id": {
            "workspace_id": state.workspace.workspace_id,
            "list_id": lst["id"]["list_id"],
            "entry_id": entry_id,
        },
        "parent_record_id": record["id"]["record_id"],
        "parent_object": obj["api_slug"],
        "parent_object_id": obj["id"]["object_id"],
        "created_at": state.clock.timestamp(),
        "values": {},
    }
    _write(state, lst, entry, data["entry_values"], actor, "overwrite")
    emit_entry_event(state, "list-entry.created", entry, actor)
    return entry


def assert_entry(
    state: EmulatorState, lst: Document, data: dict[str, Any], actor: Document
) -> Document:
    """PUT by parent record: update that record's single entry or create one."""
    _, record = _parent(state, lst, data)
    existing: list[Document] = [
        e
        for e in _entries(state)
        if e["id"]["list_id"] == lst["id"]["list_id"]
        and e["parent_record_id"] == record["id"]["record_id"]
    ]
    if len(existing) > 1:
        raise AttioError(
            400,
            "invalid_request_error",
            "multiple_match_results",
            f"The record has {len(existing)} entries in this list; update one by entry ID.",
        )
    if not existing:
        return create_entry(state, lst, data, actor)
    entry = existing[0]
    changed = _write(state, lst, entry, data["entry_values"], actor, "overwrite")
    _emit_updates(state, entry, changed, actor)
    return entry


def update_entry(
    state: EmulatorState,
    lst: Document,
    entry_id: str,
    data: dict[str, Any],
    actor: Document,
    *,
    mode: str,
) -> Document:
    entry = get_entry(state, lst, entry_id)
    if "entry_values" not in data:
        raise validation_error("entry_values is required.")
    changed = _write(state, lst, entry, data["entry_values"], actor, mode)
    _emit_updates(state, entry, changed, actor)
    return entry


def delete_entry(state: EmulatorState, lst: Document, entry_id: str, actor: Document) -> None:
    entry = get_entry(state, lst, entry_id)
    _entries(state).delete(entry_id)
    emit_entry_event(state, "list-entry.deleted", entry, actor)


def emit_entry_event(
    state: EmulatorState,
    event_type: str,
    entry: Document,
    actor: Document,
    attribute_id: str | None = None,
) -> None:
    """Tell subscribed webhooks: entry events carry list and entry ids and the parent record."""
    ids = {"list_id": entry["id"]["list_id"], "entry_id": entry["id"]["entry_id"]}
    if attribute_id is not None:
        ids["attribute_id"] = attribute_id
    emit(
        state,
        event_type,
        ids,
        actor,
        parent_object_id=entry["parent_object_id"],
        parent_record_id=entry["parent_record_id"],
    )


def _emit_updates(
    state: EmulatorState, entry: Document, attribute_ids: list[str], actor: Document
) -> None:
    """One ``list-entry.updated`` per changed attribute (``id.attribute_id``), as for records."""
    for attribute_id in attribute_ids:
        emit_entry_event(state, "list-entry.updated", entry, actor, attribute_id)


def query_entries(state: EmulatorState, lst: Document, body: dict[str, Any]) -> list[Document]:
    list_id = lst["id"]["list_id"]

    def lookup(ref: str) -> Document | None:
        try:
            return get_attribute(state, list_id, ref)
        except AttioError:
            return None

    predicate = FilterCompiler(state, lookup, target_slug=lst["api_slug"]).compile(
        body.get("filter")
    )
    limit = int_param(body.get("limit"), "limit", default=500, minimum=1, maximum=None)
    offset = int_param(body.get("offset"), "offset", default=0, minimum=0, maximum=None)
    rows = [e for e in _entries(state) if e["id"]["list_id"] == list_id and predicate(e)]
    rows = sort_rows(state, rows, body.get("sorts"), lookup, lst["api_slug"])
    return rows[offset : offset + limit]


def entry_attribute_values(
    state: EmulatorState, lst: Document, entry_id: str, attribute_ref: str, *, historic: bool
) -> list[Document]:
    entry = get_entry(state, lst, entry_id)
    attribute = get_attribute(state, lst["id"]["list_id"], attribute_ref)
    history = entry["values"].get(attribute["id"]["attribute_id"], [])
    if historic:
        chosen = vals.oldest_first(history)
    else:
        chosen = [v for v in history if v["active_until"] is None]
    return [vals.render(state, v) for v in chosen]
