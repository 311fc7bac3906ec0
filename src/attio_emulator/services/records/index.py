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
T = TypeVar("T")


class RecordIndex:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._by_object: dict[str, dict[str, None]] = {}  # insertion-ordered sets
        self._by_value: dict[Key, set[str]] = {}
        self._keys_of: dict[str, list[Key]] = {}
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
        for key in self._keys_of.pop(record_id, []):
            self._by_value.get(key, set()).discard(record_id)
        keys = list(_value_keys(record))
        for key in keys:
            self._by_value.setdefault(key, set()).add(record_id)
        self._keys_of[record_id] = keys

    def removed(self, record: Document) -> None:
        record_id = record["id"]["record_id"]
        object_id = record["id"]["object_id"]
        self._versions[object_id] = self._versions.get(object_id, 0) + 1
        self._by_object.get(record["id"]["object_id"], {}).pop(record_id, None)
        for key in self._keys_of.pop(record_id, []):
            self._by_value.get(key, set()).discard(record_id)
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
        return len(self._by_value.get((attribute_id, value.lower()), ()))

    def with_value(self, attribute_id: str, value: str) -> list[Document]:
        """Records holding ``value`` (case-insensitively) as a current value of the attribute."""
        ids = self._by_value.get((attribute_id, value.lower()), set())
        found = [r for r in map(self._table.get, ids) if r is not None]
        return sorted(found, key=lambda r: self._position.get(r["id"]["record_id"], 0))


def _value_keys(record: Document) -> Iterable[Key]:
    for attribute_id, history in record["values"].items():
        for value in history:
            if value["active_until"] is not None:
                continue
            field = INDEXED_FIELDS.get(value.get("attribute_type", ""))
            if field is not None and isinstance(value.get(field), str):
                yield attribute_id, value[field].lower()


_INDEXES: weakref.WeakKeyDictionary[Table, RecordIndex] = weakref.WeakKeyDictionary()


def record_index(state: EmulatorState) -> RecordIndex:
    table = state.store.table("records")
    index = _INDEXES.get(table)
    # Rebuild if the table changed behind our back (a reset, or a direct put of a record).
    if index is None or len(index._position) != len(table):
        index = _INDEXES[table] = RecordIndex(table)
    return index
