"""Derived, per-object structures that let queries over many records skip the full scan.

- A **sort order** per (attribute, field, direction): the object's records in the order
  ``sort_rows`` would give for that single sort, so a sorted page (at any offset) is a slice
  and a filtered sorted page reads only as far as it needs.
- A **text column** per (attribute, field): every current string value, lower-cased, joined
  into one string with ``\\0`` separators, so ``$contains``/``$starts_with``/``$ends_with``
  is a C-speed ``str.find`` over it instead of a predicate call per record.

Both are built on first use and kept by ``RecordIndex.derived`` until the next write to one of
the object's records. Like the value index they only *narrow*: the full predicate still runs
on every candidate, so a candidate too many is harmless and none can be lost (a value
containing ``\\0`` only splits its own piece; the piece still belongs to its record).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.values import current, field_value, own_scalar
from attio_emulator.services.records.index import record_index

TEXT_OPS = ("$contains", "$starts_with", "$ends_with")
#: Types whose sort key needs a lookup (option/status titles can change without a record
#: write), so their order is not cached.
_UNCACHED_SORT_TYPES = {"select", "status"}


def _current(record: Document, attribute: Document) -> list[Document]:
    return current(record, attribute)


def sorted_records(
    state: EmulatorState, object_id: str, attribute: Document, field: str, descending: bool
) -> list[Document] | None:
    """The object's records sorted on ``attribute.field`` (records without a value last, ties
    in creation order, as ``sort_rows``), or None for types whose order is not cached."""
    if attribute["type"] in _UNCACHED_SORT_TYPES:
        return None
    attribute_id = attribute["id"]["attribute_id"]
    index = record_index(state)

    own = own_scalar(attribute, field)

    def build() -> list[Document]:
        present: list[tuple[Any, Document]] = []
        absent: list[Document] = []
        for record in index.of_object(object_id):
            if own is not None and "_actor" in record and attribute_id not in record["values"]:
                # record_id or created_at, without building the value
                present.append((own(record), record))
                continue
            values = _current(record, attribute)
            key = field_value(state, values[0], field) if values else None
            if key is None:
                absent.append(record)
            else:
                present.append((key, record))
        present.sort(key=lambda pair: pair[0], reverse=descending)
        return [record for _, record in present] + absent

    return index.derived(object_id, ("sort", attribute_id, field, descending), build)


@dataclass
class TextColumn:
    text: str  # "\0piece\0piece…\0", lower-cased
    starts: list[int]  # where each piece starts in ``text``
    owners: list[Document]  # the record each piece belongs to (creation order)

    def matches(self, op: str, needle: str, cap: int) -> list[Document] | None:
        """Records with a piece matching ``op needle`` in creation order, or None once more
        than ``cap`` do (then a scan that stops at a full page is the faster plan)."""
        probe = {"$starts_with": "\0" + needle, "$ends_with": needle + "\0"}.get(op, needle)
        shift = 1 if op == "$starts_with" else 0
        found: list[Document] = []
        seen: set[str] = set()
        position = self.text.find(probe)
        while position != -1:
            piece = bisect.bisect_right(self.starts, position + shift) - 1
            owner = self.owners[piece]
            record_id = owner["id"]["record_id"]
            if record_id not in seen:
                seen.add(record_id)
                found.append(owner)
                if len(found) > cap:
                    return None
            after = self.starts[piece + 1] - 1 if piece + 1 < len(self.starts) else len(self.text)
            position = self.text.find(probe, max(after, position + 1))
        return found


def text_column(
    state: EmulatorState, object_id: str, attribute: Document, field: str
) -> TextColumn:
    attribute_id = attribute["id"]["attribute_id"]
    index = record_index(state)

    def build() -> TextColumn:
        parts: list[str] = []
        starts: list[int] = []
        owners: list[Document] = []
        length = 0
        for record in index.of_object(object_id):
            for value in _current(record, attribute):
                piece = value.get(field)
                if isinstance(piece, str):
                    lowered = piece.lower()
                    starts.append(length + 1)
                    parts.append(lowered)
                    owners.append(record)
                    length += len(lowered) + 1
        text = "".join("\0" + part for part in parts) + "\0"
        return TextColumn(text, starts, owners)

    return index.derived(object_id, ("text", attribute_id, field), build)


def text_conditions(
    attribute: Document, condition: Any, main_field: str
) -> list[tuple[str, str, str]]:
    """The ``(field, op, needle)`` string-operator conditions in one attribute's (validated)
    filter condition; each alone is implied by the whole (its parts are AND-ed)."""
    if not isinstance(condition, dict):
        return []
    found: list[tuple[str, str, str]] = []
    for key, inner in condition.items():
        if key in TEXT_OPS:
            found.append((main_field, key, inner))
        elif not key.startswith("$") and isinstance(inner, dict):
            found.extend((key, op, operand) for op, operand in inner.items() if op in TEXT_OPS)
    return [
        (field, op, needle.lower())
        for field, op, needle in found
        if isinstance(needle, str) and needle and "\0" not in needle
    ]
