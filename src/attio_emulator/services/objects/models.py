"""The workspace schema: objects, attributes, select options and statuses.

Documents are stored in Attio's wire shape; keys starting with ``_`` are private
bookkeeping (the attribute's parent kind, the relationship's paired attribute id).
"""

from __future__ import annotations

import weakref
from typing import Any

from attio_emulator.core import values as vals
from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import AttioError, not_found, slug_conflict, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document, Table
from attio_emulator.core.wire import check_slug
from attio_emulator.services.objects.standard import (
    COMPANY_CATEGORIES,
    DEAL_STAGES,
    RELATIONSHIPS,
    STANDARD_OBJECTS,
)
from attio_emulator.services.webhooks.models import emit

ATTRIBUTE_TYPES = (
    "text",
    "number",
    "checkbox",
    "currency",
    "date",
    "timestamp",
    "rating",
    "status",
    "select",
    "record-reference",
    "actor-reference",
    "location",
    "domain",
    "email-address",
    "phone-number",
    "interaction",
    "personal-name",
)
CREATABLE_TYPES = tuple(t for t in ATTRIBUTE_TYPES if t not in ("interaction", "personal-name"))
MULTI_CAPABLE = {
    "select",
    "record-reference",
    "actor-reference",
    "email-address",
    "domain",
    "phone-number",
}
CURRENCY_CODES = (  # the 40 ISO 4217 codes Attio's spec allows
    "ARS",
    "AUD",
    "BRL",
    "BGN",
    "CAD",
    "CLP",
    "CNY",
    "COP",
    "CZK",
    "DKK",
    "EUR",
    "HKD",
    "HUF",
    "ISK",
    "INR",
    "ILS",
    "JPY",
    "KES",
    "KRW",
    "MYR",
    "MXN",
    "NTD",
    "NZD",
    "NGN",
    "NOK",
    "XPF",
    "PEN",
    "PHP",
    "PLN",
    "GBP",
    "RWF",
    "SAR",
    "SGD",
    "ZAR",
    "SEK",
    "CHF",
    "THB",
    "AED",
    "UYU",
    "USD",
)


# --- objects ------------------------------------------------------------------------------


def ensure_standard_objects(state: EmulatorState) -> None:
    """Create the standard objects and their attributes once per workspace (idempotent)."""
    meta = state.store.table("meta")
    if meta.get("standard_objects") is not None:
        return
    with state.store.batch():
        meta.put("standard_objects", {"done": True})  # first: the helpers below re-enter
        ws = state.workspace.workspace_id
        now = state.clock.timestamp()
        ids: dict[str, str] = {}
        for slug, spec in STANDARD_OBJECTS.items():
            object_id = new_id()
            ids[slug] = object_id
            state.store.table("objects").put(
                object_id,
                {
                    "id": {"workspace_id": ws, "object_id": object_id},
                    "api_slug": slug,
                    "singular_noun": spec["singular_noun"],
                    "plural_noun": spec["plural_noun"],
                    "created_at": now,
                },
            )
        for slug, spec in STANDARD_OBJECTS.items():
            for attr_slug, title, type_, flags, extra in spec["attributes"]:
                config: dict[str, Any] = {}
                if "target" in extra:
                    config = {"record_reference": {"allowed_object_ids": [ids[extra["target"]]]}}
                if "currency" in extra:
                    config = {
                        "currency": {
                            "default_currency_code": extra["currency"],
                            "display_type": "symbol",
                        }
                    }
                _put_attribute(
                    state,
                    target="objects",
                    parent_id=ids[slug],
                    slug=attr_slug,
                    title=title,
                    type_=type_,
                    is_multiselect="m" in flags.split(),
                    is_unique="u" in flags.split(),
                    is_required="r" in flags.split(),
                    is_writable="ro" not in flags.split(),
                    is_system=True,
                    config=config,
                    description=None,
                )
        for (a_obj, a_slug), (b_obj, b_slug) in RELATIONSHIPS:
            a = _find_attribute(state, ids[a_obj], a_slug)
            b = _find_attribute(state, ids[b_obj], b_slug)
            if a is not None and b is not None:
                _link(state, a, b)
        stage = _find_attribute(state, ids["deals"], "stage")
        assert stage is not None
        for title in DEAL_STAGES:
            create_status(state, stage, {"title": title, "celebration_enabled": title == "Won 🎉"})
        categories = _find_attribute(state, ids["companies"], "categories")
        assert categories is not None
        for title in COMPANY_CATEGORIES:
            create_option(state, categories, {"title": title})


def list_objects(state: EmulatorState) -> list[Document]:
    ensure_standard_objects(state)
    return state.store.table("objects").values()


def get_object(state: EmulatorState, identifier: str) -> Document:
    ensure_standard_objects(state)
    table = state.store.table("objects")
    doc = table.get(identifier)
    if doc is None:
        doc = next((o for o in table if o["api_slug"] == identifier), None)
    if doc is None:
        raise not_found(f'Object with slug/ID "{identifier}" not found.')
    return doc


def create_object(state: EmulatorState, data: dict[str, Any]) -> Document:
    ensure_standard_objects(state)
    for field in ("api_slug", "singular_noun", "plural_noun"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise validation_error(f"data.{field} is required and must be a non-empty string.")
    slug = check_slug(data["api_slug"], "data.api_slug")
    if any(o["api_slug"] == slug for o in state.store.table("objects")):
        raise slug_conflict(f'An object with slug "{slug}" already exists.')
    object_id = new_id()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "object_id": object_id},
        "api_slug": slug,
        "singular_noun": data["singular_noun"],
        "plural_noun": data["plural_noun"],
        "created_at": state.clock.timestamp(),
    }
    state.store.table("objects").put(object_id, doc)
    for attr_slug, title, type_ in (
        ("record_id", "Record ID", "text"),
        ("created_at", "Created at", "timestamp"),
        ("created_by", "Created by", "actor-reference"),
    ):
        _put_attribute(
            state,
            target="objects",
            parent_id=object_id,
            slug=attr_slug,
            title=title,
            type_=type_,
            is_multiselect=False,
            is_unique=attr_slug == "record_id",
            is_required=False,
            is_writable=False,
            is_system=True,
            config={},
            description=None,
        )
    return doc


OBJECT_FIELDS = ("api_slug", "singular_noun", "plural_noun")
ATTRIBUTE_FIELDS = (
    "title",
    "description",
    "api_slug",
    "is_required",
    "is_unique",
    "default_value",
    "config",
    "is_archived",
)
DISPLAY_TYPES = ("code", "name", "narrowSymbol", "symbol")
# Where other documents keep an object's slug (not its id); renaming the object rewrites them.
_SLUG_KEYS = ("parent_object", "target_object", "object_slug")
_SLUG_TABLES = ("attributes", "lists", "entries", "records", "notes", "meetings")


def check_patch(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """A PATCH body must change something, and only what the endpoint accepts."""
    if not data:
        raise validation_error(
            "You passed an empty payload. Please ensure you are updating at least one property "
            "in your request."
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise validation_error(
            f"data.{unknown[0]} cannot be updated; updatable: {', '.join(allowed)}."
        )


def update_object(state: EmulatorState, identifier: str, data: dict[str, Any]) -> Document:
    check_patch(data, OBJECT_FIELDS)
    doc = dict(get_object(state, identifier))
    old_slug = doc["api_slug"]
    if "api_slug" in data:
        slug = check_slug(data["api_slug"], "data.api_slug")
        if any(
            o["api_slug"] == slug and o["id"]["object_id"] != doc["id"]["object_id"]
            for o in state.store.table("objects")
        ):
            raise slug_conflict(f'An object with slug "{slug}" already exists.')
        doc["api_slug"] = slug
    for field in ("singular_noun", "plural_noun"):
        if field in data:
            if not isinstance(data[field], str) or not data[field].strip():
                raise validation_error(f"data.{field} must be a non-empty string.")
            doc[field] = data[field]
    with state.store.batch():
        state.store.table("objects").put(doc["id"]["object_id"], doc)
        if doc["api_slug"] != old_slug:
            _rename_object_slug(state, old_slug, doc["api_slug"])
    return doc


def _rename_object_slug(state: EmulatorState, old: str, new: str) -> None:
    """Rewrite the object's old slug wherever a document stored it, so lists, entries,
    relationships and record references keep pointing at the renamed object."""

    def rewrite(node: Any) -> bool:
        changed = False
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _SLUG_KEYS and value == old:
                    node[key], changed = new, True
                elif key in _SLUG_KEYS and isinstance(value, list) and old in value:
                    node[key], changed = [new if v == old else v for v in value], True
                else:
                    changed = rewrite(value) or changed
        elif isinstance(node, list):
            for item in node:
                changed = rewrite(item) or changed
        return changed

    for kind in _SLUG_TABLES:
        table = state.store.table(kind)
        for doc_id, doc in table.items():
            if rewrite(doc):
                table.put(doc_id, doc)


# --- attributes ---------------------------------------------------------------------------


def parent_id_of(state: EmulatorState, target: str, identifier: str) -> str:
    """The object or list id behind ``/{target}/{identifier}``."""
    if target == "objects":
        return str(get_object(state, identifier)["id"]["object_id"])
    if target == "lists":
        lists = state.store.table("lists")
        doc = lists.get(identifier) or next(
            (item for item in lists if item["api_slug"] == identifier), None
        )
        if doc is None:
            raise not_found(f'List with slug/ID "{identifier}" not found.')
        return str(doc["id"]["list_id"])
    raise not_found(f'Unknown target "{target}"; use "objects" or "lists".')


class _AttributesByParent:
    """The attributes table grouped by parent, rebuilt when the table's version moves (every
    record write looks attributes up by slug: scanning the table each time dominated loads)."""

    def __init__(self, table: Table) -> None:
        self.version = table.version
        self.of: dict[str, list[Document]] = {}
        #: (parent, slug or id) → the first attribute with that slug or id, as a scan finds.
        self.by_key: dict[tuple[str, str], Document] = {}
        for attribute in table:
            parent = attribute["id"]["object_id"]
            self.of.setdefault(parent, []).append(attribute)
            self.by_key.setdefault((parent, attribute["api_slug"]), attribute)
            self.by_key.setdefault((parent, attribute["id"]["attribute_id"]), attribute)
        self.required: dict[str, list[Document]] = {
            parent: [a for a in found if a["is_required"] and not a["is_archived"]]
            for parent, found in self.of.items()
        }


_ATTRIBUTE_CACHE: weakref.WeakKeyDictionary[Table, _AttributesByParent] = (
    weakref.WeakKeyDictionary()
)


def _attributes_by_parent(state: EmulatorState) -> _AttributesByParent:
    ensure_standard_objects(state)
    table = state.store.table("attributes")
    cached = _ATTRIBUTE_CACHE.get(table)
    if cached is None or cached.version != table.version:
        cached = _ATTRIBUTE_CACHE[table] = _AttributesByParent(table)
    return cached


def attributes_of(state: EmulatorState, parent_id: str, *, archived: bool = True) -> list[Document]:
    found = _attributes_by_parent(state).of.get(parent_id, [])
    return [a for a in found if archived or not a["is_archived"]]


def _find_attribute(state: EmulatorState, parent_id: str, identifier: str) -> Document | None:
    return _attributes_by_parent(state).by_key.get((parent_id, identifier))


def required_attributes(state: EmulatorState, parent_id: str) -> list[Document]:
    """The parent's live attributes that every new record or entry must be given."""
    return _attributes_by_parent(state).required.get(parent_id, [])


def get_attribute(state: EmulatorState, parent_id: str, identifier: str) -> Document:
    attribute = _find_attribute(state, parent_id, identifier)
    if attribute is None:
        raise not_found(f'Attribute with slug/ID "{identifier}" not found.')
    return attribute


def _put_attribute(
    state: EmulatorState,
    *,
    target: str,
    parent_id: str,
    slug: str,
    title: str,
    type_: str,
    is_multiselect: bool,
    is_unique: bool,
    is_required: bool,
    is_writable: bool,
    is_system: bool,
    config: dict[str, Any],
    description: str | None,
    default_value: Any = None,
) -> Document:
    attribute_id = new_id()
    currency = config.get("currency") or {}
    reference = config.get("record_reference") or {}
    doc: Document = {
        "id": {
            "workspace_id": state.workspace.workspace_id,
            "object_id": parent_id,
            "attribute_id": attribute_id,
        },
        "title": title,
        "description": description,
        "api_slug": slug,
        "type": type_,
        "is_system_attribute": is_system,
        "is_writable": is_writable,
        "is_required": is_required,
        "is_unique": is_unique,
        "is_multiselect": is_multiselect,
        "is_default_value_enabled": default_value is not None,
        "is_archived": False,
        "default_value": default_value,
        "relationship": None,
        "created_at": state.clock.timestamp(),
        "config": {
            "currency": {
                "default_currency_code": currency.get("default_currency_code"),
                "display_type": currency.get("display_type"),
            },
            "record_reference": {"allowed_object_ids": reference.get("allowed_object_ids", [])},
        },
        "_target": target,
    }
    return state.store.table("attributes").put(attribute_id, doc)


def _link(state: EmulatorState, a: Document, b: Document) -> None:
    """Pair two record-reference attributes as the two sides of one relationship."""
    objects = state.store.table("objects")
    for this, other in ((a, b), (b, a)):
        other_object = objects.get(other["id"]["object_id"])
        this["relationship"] = {
            "id": other["id"],
            "object_slug": other_object["api_slug"] if other_object else None,
            "title": other["title"],
            "api_slug": other["api_slug"],
            "is_multiselect": other["is_multiselect"],
        }
        this["_pair"] = other["id"]["attribute_id"]
        state.store.table("attributes").put(this["id"]["attribute_id"], this)


def create_attribute(
    state: EmulatorState, target: str, parent_id: str, data: dict[str, Any]
) -> Document:
    required = ("title", "api_slug", "type", "is_required", "is_unique", "is_multiselect", "config")
    for field in required:
        if field not in data:
            raise validation_error(f"data.{field} is required.")
    if "description" not in data:
        raise validation_error("data.description is required (it may be null).")
    type_ = data["type"]
    if type_ not in CREATABLE_TYPES:
        raise validation_error(
            f"data.type {type_!r} cannot be created; valid: {', '.join(CREATABLE_TYPES)}."
        )
    if type_ == "status" and target == "objects":
        raise validation_error("Status attributes can only be created on lists.")
    slug = check_slug(data["api_slug"], "data.api_slug")
    if _find_attribute(state, parent_id, slug) is not None:
        raise slug_conflict(f'An attribute with slug "{slug}" already exists.')
    for flag in ("is_required", "is_unique", "is_multiselect"):
        if not isinstance(data[flag], bool):
            raise validation_error(f"data.{flag} must be a boolean.")
    if data["is_multiselect"] and type_ not in MULTI_CAPABLE:
        raise validation_error(f"Attributes of type {type_!r} cannot be multiselect.")
    if data["is_unique"] and type_ == "select":
        raise validation_error("Select attributes cannot be unique.")
    if not isinstance(data["config"], dict):
        raise validation_error("data.config must be an object.")
    config: dict[str, Any] = {}
    if type_ == "currency":
        currency = data["config"].get("currency") or {}
        code = currency.get("default_currency_code") or "USD"
        if code not in CURRENCY_CODES:
            raise validation_error(
                f"data.config.currency.default_currency_code {code!r} is invalid."
            )
        config["currency"] = {
            "default_currency_code": code,
            "display_type": currency.get("display_type") or "symbol",
        }
    if type_ == "record-reference":
        allowed = (data["config"].get("record_reference") or {}).get("allowed_objects")
        if not isinstance(allowed, list) or not allowed:
            raise validation_error(
                "data.config.record_reference.allowed_objects must list at least one object."
            )
        ids = [get_object(state, str(o))["id"]["object_id"] for o in allowed]
        config["record_reference"] = {"allowed_object_ids": ids}
    doc = _put_attribute(
        state,
        target=target,
        parent_id=parent_id,
        slug=slug,
        title=str(data["title"]),
        type_=type_,
        is_multiselect=data["is_multiselect"],
        is_unique=data["is_unique"],
        is_required=data["is_required"],
        is_writable=True,
        is_system=False,
        config=config,
        description=data["description"],
        default_value=data.get("default_value"),
    )
    relationship = data.get("relationship")
    if relationship is not None:
        if type_ != "record-reference" or target != "objects":
            raise validation_error("data.relationship is only valid on object record-references.")
        other_object = get_object(state, str(relationship.get("object")))
        other = create_attribute(
            state,
            "objects",
            other_object["id"]["object_id"],
            {
                "title": relationship.get("title"),
                "api_slug": relationship.get("api_slug"),
                "type": "record-reference",
                "description": None,
                "is_required": False,
                "is_unique": False,
                "is_multiselect": bool(relationship.get("is_multiselect")),
                "config": {"record_reference": {"allowed_objects": [parent_id]}},
            },
        )
        _link(state, doc, other)
    return doc


def update_attribute(state: EmulatorState, attribute: Document, data: dict[str, Any]) -> Document:
    """PATCH an attribute: rename, re-slug, (un)archive, flags, default value, config."""
    if attribute["is_system_attribute"]:
        raise AttioError(
            400,
            "invalid_request_error",
            "system_edit_unauthorized",
            f'Cannot update a System attribute ("{attribute["api_slug"]}").',
        )
    if "type" in data or "is_multiselect" in data:
        raise validation_error("An attribute's type and is_multiselect cannot be changed.")
    check_patch(data, ATTRIBUTE_FIELDS)
    doc = dict(attribute)
    if "api_slug" in data:
        slug = check_slug(data["api_slug"], "data.api_slug")
        clash = _find_attribute(state, doc["id"]["object_id"], slug)
        if clash is not None and clash["id"] != doc["id"]:
            raise slug_conflict(f'An attribute with slug "{slug}" already exists.')
        doc["api_slug"] = slug
    if "title" in data:
        if not isinstance(data["title"], str) or not data["title"].strip():
            raise validation_error("data.title must be a non-empty string.")
        doc["title"] = data["title"]
    if "description" in data:
        if data["description"] is not None and not isinstance(data["description"], str):
            raise validation_error("data.description must be a string or null.")
        doc["description"] = data["description"]
    for flag in ("is_required", "is_unique", "is_archived"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise validation_error(f"data.{flag} must be a boolean.")
            doc[flag] = data[flag]
    if doc["is_unique"] and doc["type"] == "select":
        raise validation_error("Select attributes cannot be unique.")
    if "config" in data:
        doc["config"] = _updated_config(state, doc, data["config"])
    if "default_value" in data:
        doc["default_value"] = _default_value(state, doc, data["default_value"])
        doc["is_default_value_enabled"] = doc["default_value"] is not None
    with state.store.batch():
        state.store.table("attributes").put(doc["id"]["attribute_id"], doc)
        pair = state.store.table("attributes").get(doc.get("_pair") or "")
        if pair is not None:  # the other side shows this side's slug and title
            _link(state, doc, pair)
    return doc


def emit_attribute_event(
    state: EmulatorState, change: str, attribute: Document, actor: Document
) -> None:
    """``object-attribute.<change>`` or ``list-attribute.<change>`` to subscribed webhooks.

    Stored list attributes keep their list's id under ``id.object_id``; the list event
    names it ``list_id``.
    """
    parent_id = attribute["id"]["object_id"]
    attribute_id = attribute["id"]["attribute_id"]
    if attribute["_target"] == "lists":
        emit(
            state,
            f"list-attribute.{change}",
            {"list_id": parent_id, "attribute_id": attribute_id},
            actor,
        )
    else:
        emit(
            state,
            f"object-attribute.{change}",
            {"object_id": parent_id, "attribute_id": attribute_id},
            actor,
        )


def _default_value(state: EmulatorState, attribute: Document, value: Any) -> Any:
    """A default as Attio reads it back: a static template holds checked output values."""
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    template = value.get("template") if isinstance(value, dict) else None
    if kind == "dynamic" and isinstance(template, str):
        return {"type": "dynamic", "template": template}
    if kind == "static" and isinstance(template, list):
        # Template values carry no history metadata (the spec closes these objects).
        bodies = vals.normalize(state, attribute, template)
        rendered = [vals.render(state, {**b, "attribute_type": attribute["type"]}) for b in bodies]
        return {"type": "static", "template": rendered}
    raise validation_error(
        'data.default_value must be null, {"type": "dynamic", "template": "..."} or '
        '{"type": "static", "template": [...]}.'
    )


def _updated_config(state: EmulatorState, doc: Document, given: Any) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise validation_error("data.config must be an object.")
    unknown = sorted(set(given) - {"currency", "record_reference"})
    if unknown:
        raise validation_error(f"data.config.{unknown[0]} is not a known attribute config.")
    config = {key: dict(value) for key, value in doc["config"].items()}
    if "currency" in given:
        if doc["type"] != "currency":
            raise validation_error("data.config.currency is only valid on currency attributes.")
        currency = given["currency"]
        if not isinstance(currency, dict):
            raise validation_error("data.config.currency must be an object.")
        if currency.get("default_currency_code") not in CURRENCY_CODES:
            raise validation_error(
                "data.config.currency.default_currency_code must be one of "
                f"{', '.join(CURRENCY_CODES)}."
            )
        if currency.get("display_type") not in DISPLAY_TYPES:
            raise validation_error(
                f"data.config.currency.display_type must be one of {', '.join(DISPLAY_TYPES)}."
            )
        config["currency"] = {
            "default_currency_code": currency["default_currency_code"],
            "display_type": currency["display_type"],
        }
    if "record_reference" in given:
        if doc["type"] != "record-reference":
            raise validation_error(
                "data.config.record_reference is only valid on record-reference attributes."
            )
        allowed = (given["record_reference"] or {}).get("allowed_objects")
        if not isinstance(allowed, list) or not allowed:
            raise validation_error(
                "data.config.record_reference.allowed_objects must list at least one object."
            )
        ids = [get_object(state, str(o))["id"]["object_id"] for o in allowed]
        if doc["relationship"] is not None and ids != [doc["relationship"]["id"]["object_id"]]:
            raise validation_error(
                "data.config.record_reference.allowed_objects of a relationship attribute must "
                "be the relationship's object only."
            )
        config["record_reference"] = {"allowed_object_ids": ids}
    return config


# --- select options and statuses ----------------------------------------------------------


def options_of(state: EmulatorState, attribute: Document) -> list[Document]:
    attribute_id = attribute["id"]["attribute_id"]
    return [
        o for o in state.store.table("select_options") if o["id"]["attribute_id"] == attribute_id
    ]


def statuses_of(state: EmulatorState, attribute: Document) -> list[Document]:
    attribute_id = attribute["id"]["attribute_id"]
    return [s for s in state.store.table("statuses") if s["id"]["attribute_id"] == attribute_id]


def _title(data: dict[str, Any]) -> str:
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise validation_error("data.title is required and must be a non-empty string.")
    return title


def create_option(state: EmulatorState, attribute: Document, data: dict[str, Any]) -> Document:
    if attribute["type"] != "select":
        raise validation_error(f'Attribute "{attribute["api_slug"]}" is not a select attribute.')
    title = _title(data)
    if any(o["title"] == title for o in options_of(state, attribute)):
        raise slug_conflict(f'An option titled "{title}" already exists.')
    option_id = new_id()
    doc = {"id": {**attribute["id"], "option_id": option_id}, "title": title, "is_archived": False}
    return state.store.table("select_options").put(option_id, doc)


def create_status(state: EmulatorState, attribute: Document, data: dict[str, Any]) -> Document:
    if attribute["type"] != "status":
        raise validation_error(f'Attribute "{attribute["api_slug"]}" is not a status attribute.')
    title = _title(data)
    if any(s["title"] == title for s in statuses_of(state, attribute)):
        raise slug_conflict(f'A status titled "{title}" already exists.')
    status_id = new_id()
    doc = {
        "id": {**attribute["id"], "status_id": status_id},
        "title": title,
        "is_archived": False,
        "celebration_enabled": bool(data.get("celebration_enabled", False)),
        "target_time_in_status": data.get("target_time_in_status"),
    }
    return state.store.table("statuses").put(status_id, doc)


def find_option(state: EmulatorState, attribute: Document, ref: str) -> Document | None:
    """An option by id or exact title."""
    for option in options_of(state, attribute):
        if option["id"]["option_id"] == ref or option["title"] == ref:
            return option
    return None


def find_status(state: EmulatorState, attribute: Document, ref: str) -> Document | None:
    for status in statuses_of(state, attribute):
        if status["id"]["status_id"] == ref or status["title"] == ref:
            return status
    return None


def update_choice(
    state: EmulatorState, kind: str, attribute: Document, ref: str, data: dict[str, Any]
) -> Document:
    """PATCH an option (``kind='select_options'``) or a status (``kind='statuses'``)."""
    finder = find_option if kind == "select_options" else find_status
    doc = finder(state, attribute, ref)
    if doc is None:
        noun = "Option" if kind == "select_options" else "Status"
        raise not_found(f'{noun} "{ref}" not found.')
    doc = dict(doc)
    if "title" in data:
        title = _title(data)
        siblings = (
            options_of(state, attribute)
            if kind == "select_options"
            else statuses_of(state, attribute)
        )
        if any(s["title"] == title and s["id"] != doc["id"] for s in siblings):
            raise slug_conflict(f'"{title}" already exists on this attribute.')
        doc["title"] = title
    for field in ("is_archived", "celebration_enabled", "target_time_in_status"):
        if field in data and (kind == "statuses" or field == "is_archived"):
            doc[field] = data[field]
    key = "option_id" if kind == "select_options" else "status_id"
    return state.store.table(kind).put(doc["id"][key], doc)
