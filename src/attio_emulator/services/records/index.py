"""In-memory indexes over the ``records`` table: records per object, and records by value.

Derived from the stored documents only (built on first use, so a store loaded from
SQLite gets them too) and kept in step by ``saved``/``removed``, which the records model
calls on every write. They only ever *narrow* candidates: a query still runs its full
predicate over what the index returns, so a stale or missing entry cannot change an answer
other than by leaving a record out — hence every record write must go through ``saved``.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, TypeVar

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document, Table

#: Types whose main field is a string worth looking up by equality (emails, domains, ids…).
INDEXED_FIELDS = {
    "text": "value",
    "email-address": "email_address",
    "domain": "domain",
    "phone-number": "phone_number",
}

Key = tuple[str, str]  # (attribute_id, lower-cased value)
#: Who holds a value: one record id (by far the common case: emails, domains, ids are unique)
#: or, once a second record holds it, a set of them. Kept compact: 100k records hold 300k.
Holders = str | set[str]
T = TypeVar("T")


class RecordIndex:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._by_object: dict[str, dict[str, None]] = {}  # insertion-ordered sets
        self._by_value: dict[str, dict[str, Holders]] = {}  # attribute id → value → holders
        #: What ``_by_value`` holds for each record, flat: (attribute_id, value, attribute_id…).
        self._keys_of: dict[str, tuple[str, ...]] = {}
        self._position: dict[str, int] = {}
        #: Per object, bumped by every write to one of its records; ``derived`` caches on it.
        self._versions: dict[str, int] = {}
        self._derived: dict[tuple[str, Hashable], tuple[int, Any]] = {}
        for record in table:
            self.saved(record)

    def derived(self, object_id: str, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``'s result, kept until the next write to one of the object's records
        (sort orders and text columns: built on first use, then reused by every query)."""
        version = self._versions.get(object_id, 0)
        cached = self._derived.get((object_id, key))
        if cached is not None and cached[0] == version:
            value: T = cached[1]
            return value
        value = build()
        self._derived[(object_id, key)] = (version, value)
        return value

    def saved(self, record: Document) -> None:
        record_id = record["id"]["record_id"]
        object_id = record["id"]["object_id"]
        self._versions[object_id] = self._versions.get(object_id, 0) + 1
        self._position.setdefault(record_id, len(self._position))
        self._by_object.setdefault(record["id"]["object_id"], {})[record_id] = None
        self._forget(record_id)
        flat: list[str] = []
        for attribute_id, value in _value_keys(record):
            self._hold(attribute_id, value, record_id)
            flat += (attribute_id, value)
        if flat:
            self._keys_of[record_id] = tuple(flat)

    def _hold(self, attribute_id: str, value: str, record_id: str) -> None:
        values = self._by_value.setdefault(attribute_id, {})
        holders = values.get(value)
        if holders is None:
            values[value] = record_id
        elif isinstance(holders, str):
            if holders != record_id:
                values[value] = {holders, record_id}
        else:
            holders.add(record_id)

    def _forget(self, record_id: str) -> None:
        flat = self._keys_of.pop(record_id, ())
        for attribute_id, value in zip(flat[::2], flat[1::2], strict=True):
            values = self._by_value.get(attribute_id, {})
            holders = values.get(value)
            if holders == record_id:
                del values[value]
            elif isinstance(holders, set):
                holders.discard(record_id)
                if len(holders) == 1:
                    values[value] = next(iter(holders))

    def _holders(self, attribute_id: str, value: str) -> set[str]:
        holders = self._by_value.get(attribute_id, {}).get(value.lower())
        if holders is None:
            return set()
        return {holders} if isinstance(holders, str) else holders

    def removed(self, record: Document) -> None:
        record_id = record["id"]["record_id"]
        object_id = record["id"]["object_id"]
        self._versions[object_id] = self._versions.get(object_id, 0) + 1
        self._by_object.get(record["id"]["object_id"], {}).pop(record_id, None)
        self._forget(record_id)
        self._position.pop(record_id, None)

    def of_object(self, object_id: str) -> list[Document]:
        """The object's records in creation order."""
        get = self._table.get
        return [r for r in map(get, self._by_object.get(object_id, {})) if r is not None]

    def iter_object(self, object_id: str) -> Iterator[Document]:
        """Like ``of_object`` but lazy, for scans that may stop early."""
        get = self._table.get
        for record_id in list(self._by_object.get(object_id, {})):
            record = get(record_id)
            if record is not None:
                yield record

    def page_of_object(self, object_id: str, offset: int, limit: int) -> list[Document]:
        """Records ``offset`` to ``offset + limit`` in creation order, skipping the ones
        before without reading them (an unfiltered, unsorted page: a bulk export)."""
        ids = list(itertools.islice(self._by_object.get(object_id, {}), offset, offset + limit))
        return [r for r in map(self._table.get, ids) if r is not None]

    def object_count(self, object_id: str) -> int:
        return len(self._by_object.get(object_id, {}))

    def value_count(self, attribute_id: str, value: str) -> int:
        """How many records hold ``value`` (an upper bound: records of any object)."""
        return len(self._holders(attribute_id, value))

    def with_value(self, attribute_id: str, value: str) -> list[Document]:
        """Records holding ``value`` (case-insensitively) as a current value of the attribute."""
        ids = self._holders(attribute_id, value)
        found = [r for r in map(self._table.get, ids) if r is not None]
        return sorted(found, key=lambda r: self._position.get(r["id"]["record_id"], 0))


def _value_keys(record: Document) -> Iterable[Key]:
    for attribute_id, history in record["values"].items():
        for value in history:
            if value["active_until"] is not None:
                continue
            field = INDEXED_FIELDS.get(value.get("attribute_type", ""))
            text = value.get(field) if field is not None else None
            if isinstance(text, str):
                lowered = text.lower()
                yield attribute_id, text if lowered == text else lowered  # no copy if same


_INDEXES: weakref.WeakKeyDictionary[Table, RecordIndex] = weakref.WeakKeyDictionary()


def record_index(state: EmulatorState) -> RecordIndex:
    table = state.store.table("records")
    index = _INDEXES.get(table)
    # Rebuild if the table changed behind our back (a reset, or a direct put of a record).
    if index is None or len(index._position) != len(table):
        index = _INDEXES[table] = RecordIndex(table)
    return index
