"""Workspaces described in a file (YAML or JSON): ``load`` builds one, ``export`` writes one.

The format (version 1) uses Attio's own write shapes, with names where Attio uses ids::

    workspace: {name: Acme, slug: acme}
    members:
      - {email_address: ada@acme.test, first_name: Ada, last_name: Lovelace, access_level: admin}
    objects:            # custom objects (the standard ones always exist)
      - {api_slug: projects, singular_noun: Project, plural_noun: Projects}
    attributes:         # per object slug; options/statuses are lists of titles
      companies:
        - {api_slug: tier, title: Tier, type: select, options: [Gold, Silver]}
      projects:
        - {api_slug: client, title: Client, type: record-reference, allowed_objects: [companies],
           relationship: {object: companies, api_slug: projects, title: Projects,
                          is_multiselect: true}}
    records:            # per object slug; `ref` names a record for references in this file
      companies:
        - {ref: acme, values: {name: Acme, domains: [acme.test], tier: Gold}}
      people:
        - {ref: ada, values: {email_addresses: [ada@acme.test], company: {ref: acme}}}
    lists:
      - api_slug: pipeline
        name: Pipeline
        parent_object: companies
        attributes: [{api_slug: stage, title: Stage, type: status, statuses: [Lead, Won]}]
        entries: [{record: acme, values: {stage: Lead}}]
    notes:
      - {record: ada, title: Intro, content: Met at the fair.}
    tasks:
      - {content: Call back, deadline_at: null, is_completed: false, records: [acme],
         assignees: [ada@acme.test]}

Everything is written through the same models the API uses, so a file is validated as API
calls would be; a problem is a ``SeedFileError`` naming where in the file it is. ``export``
writes the same format (refs ``<object>-<n>``, one side of each two-way relationship), so
``load(export(...))`` rebuilds the workspace (ids aside).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from attio_emulator.core.errors import AttioError
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document

VERSION = 1
SECTIONS = (
    "version",
    "workspace",
    "members",
    "objects",
    "attributes",
    "records",
    "lists",
    "notes",
    "tasks",
)
_ATTRIBUTE_KEYS = {
    "api_slug",
    "title",
    "type",
    "description",
    "is_required",
    "is_unique",
    "is_multiselect",
    "config",
    "default_value",
    "options",
    "statuses",
    "allowed_objects",
    "relationship",
}


class SeedFileError(ValueError):
    """A seed file that cannot be loaded; the message names the place and the problem."""


# --- reading ------------------------------------------------------------------------------


def read(path: str | Path) -> dict[str, Any]:
    """Parse a ``.yaml``/``.yml``/``.json`` seed file (anything else is read as YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SeedFileError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SeedFileError(f"{path}: the top level must be a mapping of sections")
    return data


def load_file(state: EmulatorState, path: str | Path) -> None:
    """Build the workspace ``path`` describes into ``state``."""
    load(state, read(path), source=str(path))


@contextmanager
def _at(where: str) -> Iterator[None]:
    try:
        yield
    except AttioError as exc:
        raise SeedFileError(f"{where}: {exc.message}") from None
    except SeedFileError as exc:
        raise SeedFileError(f"{where}: {exc}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedFileError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _or_empty(value: Any) -> Any:
    return {} if value is None else value


def _sequence(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedFileError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def load(state: EmulatorState, data: dict[str, Any], *, source: str = "seed") -> None:
    """Build the workspace ``data`` (a parsed seed file) describes into ``state``."""
    from attio_emulator.services.objects.models import ensure_standard_objects

    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SeedFileError(
            f"{source}: unknown section {unknown[0]!r}; sections are: {', '.join(SECTIONS)}"
        )
    if data.get("version", VERSION) != VERSION:
        raise SeedFileError(f"{source}: version {data['version']!r} is not supported (use 1)")
    loader = _Loader(state, source)
    with state.store.batch():
        ensure_standard_objects(state)
        loader.run(data)


class _Loader:
    def __init__(self, state: EmulatorState, source: str) -> None:
        self.state = state
        self.source = source
        #: ref → (object slug, record id)
        self.refs: dict[str, tuple[str, str]] = {}

    def run(self, data: dict[str, Any]) -> None:
        s = self.source
        if data.get("workspace") is not None:
            ws = _mapping(data["workspace"], f"{s}: workspace")
            with _at(f"{s}: workspace"):
                self.state.set_workspace(
                    name=str(ws.get("name", "Emulated Workspace")),
                    slug=str(ws.get("slug", "emulated-workspace")),
                )
        for n, member in enumerate(_sequence(data.get("members"), f"{s}: members")):
            self.member(_mapping(member, f"{s}: members[{n}]"), f"{s}: members[{n}]")
        for n, obj in enumerate(_sequence(data.get("objects"), f"{s}: objects")):
            self.custom_object(_mapping(obj, f"{s}: objects[{n}]"), f"{s}: objects[{n}]")
        attributes = _mapping(_or_empty(data.get("attributes")), f"{s}: attributes")
        for slug, items in attributes.items():
            for n, item in enumerate(_sequence(items, f"{s}: attributes.{slug}")):
                where = f"{s}: attributes.{slug}[{n}]"
                self.attribute("objects", slug, _mapping(item, where), where)
        records = _mapping(_or_empty(data.get("records")), f"{s}: records")
        later: list[tuple[str, str, dict[str, Any], str]] = []
        for slug, items in records.items():
            for n, item in enumerate(_sequence(items, f"{s}: records.{slug}")):
                where = f"{s}: records.{slug}[{n}]"
                later.extend(self.record(slug, _mapping(item, where), where))
        for slug, record_id, values, where in later:  # references, once every record exists
            self.references(slug, record_id, values, where)
        for n, lst in enumerate(_sequence(data.get("lists"), f"{s}: lists")):
            self.list(_mapping(lst, f"{s}: lists[{n}]"), f"{s}: lists[{n}]")
        for n, note in enumerate(_sequence(data.get("notes"), f"{s}: notes")):
            self.note(_mapping(note, f"{s}: notes[{n}]"), f"{s}: notes[{n}]")
        for n, task in enumerate(_sequence(data.get("tasks"), f"{s}: tasks")):
            self.task(_mapping(task, f"{s}: tasks[{n}]"), f"{s}: tasks[{n}]")

    @property
    def actor(self) -> dict[str, Any]:
        return {"type": "system", "id": None}

    def member(self, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.members.models import add_member

        for key in ("email_address", "first_name", "last_name"):
            if not isinstance(data.get(key), str):
                raise SeedFileError(f"{where}: {key} is required (a string)")
        level = data.get("access_level", "member")
        if level not in ("admin", "member", "suspended"):
            raise SeedFileError(f"{where}: access_level must be admin, member or suspended")
        with _at(where):
            add_member(
                self.state,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email_address=data["email_address"],
                access_level=level,
            )

    def custom_object(self, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.objects.models import create_object

        with _at(where):
            create_object(self.state, data)

    def attribute(self, target: str, parent: str, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.lists.models import get_list
        from attio_emulator.services.objects import models as objects

        unknown = sorted(set(data) - _ATTRIBUTE_KEYS)
        if unknown:
            keys = ", ".join(sorted(_ATTRIBUTE_KEYS))
            raise SeedFileError(f"{where}: unknown key {unknown[0]!r}; keys are: {keys}")
        body: dict[str, Any] = {
            "description": None,
            "is_required": False,
            "is_unique": False,
            "is_multiselect": False,
            "config": {},
            **{
                k: v for k, v in data.items() if k not in ("options", "statuses", "allowed_objects")
            },
        }
        if "allowed_objects" in data:
            body["config"] = {
                **body["config"],
                "record_reference": {"allowed_objects": data["allowed_objects"]},
            }
        with _at(where):
            if target == "objects":
                parent_id = objects.get_object(self.state, parent)["id"]["object_id"]
            else:
                parent_id = get_list(self.state, parent)["id"]["list_id"]
            attribute = objects.create_attribute(self.state, target, parent_id, body)
            for title in _sequence(data.get("options"), f"{where}: options"):
                objects.create_option(self.state, attribute, {"title": title})
            for title in _sequence(data.get("statuses"), f"{where}: statuses"):
                objects.create_status(self.state, attribute, {"title": title})

    def _split(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Values without references to records of this file, and those with them."""
        plain, refs = {}, {}
        for slug, value in values.items():
            items = value if isinstance(value, list) else [value]
            if any(isinstance(i, dict) and "ref" in i for i in items):
                refs[slug] = value
            else:
                plain[slug] = value
        return plain, refs

    def _resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self._resolve(v, where) for v in value]
        if isinstance(value, dict) and "ref" in value:
            found = self.refs.get(str(value["ref"]))
            if found is None:
                raise SeedFileError(f"{where}: no record has ref {value['ref']!r}")
            return {"target_object": found[0], "target_record_id": found[1]}
        return value

    def record(
        self, slug: str, data: dict[str, Any], where: str
    ) -> list[tuple[str, str, dict[str, Any], str]]:
        from attio_emulator.services.objects.models import get_object
        from attio_emulator.services.records.models import create_record

        values = _mapping(data.get("values") or {}, f"{where}: values")
        plain, refs = self._split(values)
        with _at(where):
            obj = get_object(self.state, slug)
            record = create_record(self.state, obj, plain, self.actor)
        record_id: str = record["id"]["record_id"]
        ref = data.get("ref")
        if ref is not None:
            if str(ref) in self.refs:
                raise SeedFileError(f"{where}: ref {ref!r} is used twice")
            self.refs[str(ref)] = (obj["api_slug"], record_id)
        return [(slug, record_id, refs, where)] if refs else []

    def references(self, slug: str, record_id: str, values: dict[str, Any], where: str) -> None:
        from attio_emulator.services.objects.models import get_object
        from attio_emulator.services.records.models import get_record, update_record

        resolved = {k: self._resolve(v, f"{where}: values.{k}") for k, v in values.items()}
        with _at(where):
            obj = get_object(self.state, slug)
            record = get_record(self.state, obj, record_id)
            update_record(self.state, obj, record, resolved, self.actor, mode="overwrite")

    def list(self, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.lists import models as lists

        body = {
            "workspace_access": "full-access",
            "workspace_member_access": [],
            **{k: v for k, v in data.items() if k not in ("attributes", "entries")},
        }
        with _at(where):
            lst = lists.create_list(self.state, body, self.actor)
        for n, item in enumerate(_sequence(data.get("attributes"), f"{where}: attributes")):
            at = f"{where}: attributes[{n}]"
            self.attribute("lists", lst["api_slug"], _mapping(item, at), at)
        for n, item in enumerate(_sequence(data.get("entries"), f"{where}: entries")):
            at = f"{where}: entries[{n}]"
            entry = _mapping(item, at)
            slug, record_id = self._record_ref(entry.get("record"), f"{at}: record")
            values = self._resolve(_mapping(entry.get("values") or {}, at), f"{at}: values")
            with _at(at):
                lists.create_entry(
                    self.state,
                    lst,
                    {"parent_record_id": record_id, "parent_object": slug, "entry_values": values},
                    self.actor,
                )

    def _record_ref(self, ref: Any, where: str) -> tuple[str, str]:
        found = self.refs.get(str(ref)) if ref is not None else None
        if found is None:
            raise SeedFileError(f"{where}: no record has ref {ref!r}")
        return found

    def note(self, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.notes.models import create_note

        slug, record_id = self._record_ref(data.get("record"), f"{where}: record")
        body = {
            "format": "plaintext",
            **{k: v for k, v in data.items() if k != "record"},
            "parent_object": slug,
            "parent_record_id": record_id,
        }
        with _at(where):
            create_note(self.state, body, self.actor)

    def task(self, data: dict[str, Any], where: str) -> None:
        from attio_emulator.services.tasks.models import create_task

        linked = []
        for n, ref in enumerate(_sequence(data.get("records"), f"{where}: records")):
            slug, record_id = self._record_ref(ref, f"{where}: records[{n}]")
            linked.append({"target_object": slug, "target_record_id": record_id})
        assignees = [
            {"workspace_member_email_address": email}
            for email in _sequence(data.get("assignees"), f"{where}: assignees")
        ]
        body = {
            "format": "plaintext",
            "deadline_at": None,
            "is_completed": False,
            **{k: v for k, v in data.items() if k not in ("records", "assignees")},
            "linked_records": linked,
            "assignees": assignees,
        }
        with _at(where):
            create_task(self.state, body, self.actor)


# --- writing ------------------------------------------------------------------------------


def export(state: EmulatorState) -> dict[str, Any]:
    """The workspace in the seed-file format (only what a seed file can describe)."""
    return _Exporter(state).run()


def dump(data: dict[str, Any], path: str | Path | None = None, *, fmt: str = "yaml") -> str:
    """``data`` as YAML or JSON text (written to ``path`` when given; its suffix decides)."""
    if path is not None and Path(path).suffix == ".json":
        fmt = "json"
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


class _Exporter:
    def __init__(self, state: EmulatorState) -> None:
        from attio_emulator.services.objects.standard import STANDARD_OBJECTS

        self.state = state
        self.standard = set(STANDARD_OBJECTS)
        self.objects = {o["id"]["object_id"]: o for o in state.store.table("objects")}
        self.refs: dict[str, str] = {}  # record id → ref
        self.members = {
            m["id"]["workspace_member_id"]: m for m in state.store.table("workspace_members")
        }

    def run(self) -> dict[str, Any]:
        from attio_emulator.services.objects.models import ensure_standard_objects

        ensure_standard_objects(self.state)
        ws = self.state.workspace
        out: dict[str, Any] = {"version": VERSION, "workspace": {"name": ws.name, "slug": ws.slug}}
        out["members"] = [
            {
                "email_address": m["email_address"],
                "first_name": m["first_name"],
                "last_name": m["last_name"],
                "access_level": m["access_level"],
            }
            for m in self.members.values()
        ]
        out["objects"] = [
            {k: o[k] for k in ("api_slug", "singular_noun", "plural_noun")}
            for o in self.objects.values()
            if o["api_slug"] not in self.standard
        ]
        attributes = {}
        for object_id, obj in self.objects.items():
            items = self.attributes(object_id)
            if items:
                attributes[obj["api_slug"]] = items
        out["attributes"] = attributes
        records: dict[str, list[Document]] = {}
        for obj in self.objects.values():
            for n, record in enumerate(self._records_of(obj), start=1):
                self.refs[record["id"]["record_id"]] = f"{obj['api_slug']}-{n}"
        for obj in self.objects.values():
            items = [
                {
                    "ref": self.refs[r["id"]["record_id"]],
                    "values": self.values(obj["id"]["object_id"], r),
                }
                for r in self._records_of(obj)
            ]
            if items:
                records[obj["api_slug"]] = items
        out["records"] = records
        out["lists"] = [self.list(lst) for lst in self.state.store.table("lists")]
        out["notes"] = [self.note(n) for n in self.state.store.table("notes")]
        out["tasks"] = [self.task(t) for t in self.state.store.table("tasks")]
        return {k: v for k, v in out.items() if v or k in ("version", "workspace")}

    def _records_of(self, obj: Document) -> list[Document]:
        from attio_emulator.services.records.models import records_of

        return records_of(self.state, obj["id"]["object_id"])

    def _exported_side(self, attribute: Document) -> bool:
        """Of a two-way relationship, only one side is written (the other follows on load)."""
        pair_id = attribute.get("_pair")
        if not pair_id:
            return True
        pair = self.state.store.table("attributes").get(pair_id)
        if pair is None:
            return True

        def key(a: Document) -> tuple[bool, str, str]:
            parent = self.objects.get(a["id"].get("object_id", ""), {}).get("api_slug", "")
            return (a["is_multiselect"], parent, a["api_slug"])

        return key(attribute) <= key(pair)

    def attributes(self, parent_id: str) -> list[Document]:
        from attio_emulator.services.objects.models import attributes_of, options_of, statuses_of

        out = []
        for a in attributes_of(self.state, parent_id, archived=False):
            if a["is_system_attribute"]:
                continue
            pair = self.state.store.table("attributes").get(a.get("_pair") or "")
            if pair is not None and not pair["is_system_attribute"] and not self._exported_side(a):
                continue  # created with its partner's `relationship`
            item: dict[str, Any] = {
                "api_slug": a["api_slug"],
                "title": a["title"],
                "type": a["type"],
            }
            if a.get("description") is not None:
                item["description"] = a["description"]
            for flag in ("is_required", "is_unique", "is_multiselect"):
                if a[flag]:
                    item[flag] = True
            config = a.get("config") or {}
            if a["type"] == "currency" and config.get("currency"):
                item["config"] = {"currency": config["currency"]}
            if a["type"] == "record-reference":
                allowed = (config.get("record_reference") or {}).get("allowed_object_ids", [])
                item["allowed_objects"] = [self.objects[i]["api_slug"] for i in allowed]
                if pair is not None and not pair["is_system_attribute"]:
                    parent = self.objects[pair["id"]["object_id"]]["api_slug"]
                    item["relationship"] = {
                        "object": parent,
                        "api_slug": pair["api_slug"],
                        "title": pair["title"],
                        "is_multiselect": pair["is_multiselect"],
                    }
            if a["type"] == "select":
                item["options"] = [o["title"] for o in options_of(self.state, a)]
            if a["type"] == "status":
                item["statuses"] = [s["title"] for s in statuses_of(self.state, a)]
            out.append(item)
        return out

    def values(self, parent_id: str, doc: Document) -> dict[str, Any]:
        from attio_emulator.services.objects.models import attributes_of

        out: dict[str, Any] = {}
        for a in attributes_of(self.state, parent_id, archived=False):
            if not a.get("is_writable", True) or not self._exported_side(a):
                continue
            current = [
                v
                for v in doc["values"].get(a["id"]["attribute_id"], [])
                if v["active_until"] is None
            ]
            written = [w for w in (self.value(a, v) for v in current) if w is not None]
            if written:
                out[a["api_slug"]] = written if a["is_multiselect"] else written[0]
        return out

    def value(self, attribute: Document, value: Document) -> Any:
        from attio_emulator.core.values import field_value

        type_ = attribute["type"]
        if type_ in ("text", "number", "checkbox", "date", "timestamp", "rating"):
            return value["value"]
        if type_ == "currency":
            return value["currency_value"]
        if type_ in ("select", "status"):
            return field_value(self.state, value, "option" if type_ == "select" else "status")
        if type_ == "record-reference":
            ref = self.refs.get(value["target_record_id"])
            return {"ref": ref} if ref else None
        if type_ == "actor-reference":
            member = self.members.get(value.get("referenced_actor_id") or "")
            return {"workspace_member_email_address": member["email_address"]} if member else None
        if type_ == "email-address":
            return value["original_email_address"]
        if type_ == "domain":
            return value["domain"]
        if type_ == "phone-number":
            return value["original_phone_number"]
        if type_ == "personal-name":
            return {k: value[k] for k in ("first_name", "last_name", "full_name")}
        if type_ == "location":
            from attio_emulator.core.values import LOCATION_KEYS

            return {k: value.get(k) for k in LOCATION_KEYS}
        return None

    def list(self, lst: Document) -> Document:
        from attio_emulator.services.lists.models import query_entries

        list_id = lst["id"]["list_id"]
        item: dict[str, Any] = {
            "api_slug": lst["api_slug"],
            "name": lst["name"],
            "parent_object": lst["parent_object"][0],
            "workspace_access": lst["workspace_access"],
        }
        attributes = self.attributes(list_id)
        if attributes:
            item["attributes"] = attributes
        entries = []
        for entry in query_entries(self.state, lst, {"limit": 1_000_000}):
            ref = self.refs.get(entry["parent_record_id"])
            if ref is not None:
                entries.append({"record": ref, "values": self.values(list_id, entry)})
        if entries:
            item["entries"] = entries
        return item

    def note(self, note: Document) -> Document:
        return {
            "record": self.refs.get(note["parent_record_id"]),
            "title": note["title"],
            "content": note["content_plaintext"],
        }

    def task(self, task: Document) -> Document:
        assignees = [
            self.members[a["referenced_actor_id"]]["email_address"]
            for a in task["assignees"]
            if a["referenced_actor_id"] in self.members
        ]
        return {
            "content": task["content_plaintext"],
            "deadline_at": task["deadline_at"],
            "is_completed": task["is_completed"],
            "records": [
                self.refs[r["target_record_id"]]
                for r in task["linked_records"]
                if r["target_record_id"] in self.refs
            ],
            "assignees": assignees,
        }
