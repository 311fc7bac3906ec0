"""Every sealed value the database holds, found from the table definitions.

A sealed value is stored either in a column whose name ends in ``_sealed``, or under a
key of a JSON column that declares it in ``Column(..., info={"sealed_keys": (...)})``
(for example the refresh token of a grant parked until its user is verified). Vault
rotation re-seals exactly these, so a new sealed column is covered by being named so.
Storage knows nothing of keys: the caller says what the new text is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, select, update

from attio_gateway.storage.database import Database
from attio_gateway.storage.tables import metadata

__all__ = ["SEALED_KEYS", "SEALED_SUFFIX", "SealedLocation", "reseal_all", "sealed_locations"]

SEALED_SUFFIX = "_sealed"
#: The ``Column.info`` entry of a JSON column: the keys of its object that hold sealed text.
SEALED_KEYS = "sealed_keys"


@dataclass(frozen=True)
class SealedLocation:
    """Where sealed text lives: ``table.column``, or ``table.column.key`` inside JSON."""

    table: Table
    column: Column[Any]
    key: str | None = None

    @property
    def name(self) -> str:
        base = f"{self.table.name}.{self.column.name}"
        return base if self.key is None else f"{base}.{self.key}"

    def text_of(self, row: Mapping[str, Any]) -> str | None:
        value = row[self.column.name]
        if self.key is not None:
            value = value.get(self.key) if isinstance(value, dict) else None
        return value if isinstance(value, str) else None


def sealed_locations() -> list[SealedLocation]:
    """Every place a sealed value can be stored, table by table."""
    found: list[SealedLocation] = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith(SEALED_SUFFIX):
                found.append(SealedLocation(table, column))
            for key in column.info.get(SEALED_KEYS, ()):
                found.append(SealedLocation(table, column, key))
    return found


def _by_table(locations: list[SealedLocation]) -> Iterator[tuple[Table, list[SealedLocation]]]:
    tables: dict[str, tuple[Table, list[SealedLocation]]] = {}
    for location in locations:
        tables.setdefault(location.table.name, (location.table, []))[1].append(location)
    yield from tables.values()


async def reseal_all(
    db: Database, *, reseal: Callable[[SealedLocation, Mapping[str, Any], str], str]
) -> dict[str, int]:
    """Rewrite every stored sealed value as ``reseal(location, row, sealed text)``, in ONE
    transaction: rows are read and written inside it (locked on PostgreSQL; SQLite's
    transaction holds the write lock), so a token refreshed meanwhile is never overwritten
    with a stale one, and an exception raised by ``reseal`` rolls everything back.

    Returns, per table holding sealed values, how many rows were rewritten (a row whose
    values all come back unchanged is not written)."""
    counts: dict[str, int] = {}
    async with db.transaction() as conn:
        for table, locations in _by_table(sealed_locations()):
            counts[table.name] = 0
            rows = (await conn.execute(select(table).with_for_update())).all()
            for row in rows:
                values = row._asdict()
                changes: dict[str, Any] = {}
                for location in locations:
                    text = location.text_of(values)
                    if text is None:
                        continue
                    new = reseal(location, values, text)
                    if new == text:
                        continue
                    if location.key is None:
                        changes[location.column.name] = new
                    else:
                        document = changes.get(location.column.name) or dict(
                            values[location.column.name]
                        )
                        document[location.key] = new
                        changes[location.column.name] = document
                if changes:
                    key = [column == values[column.name] for column in table.primary_key.columns]
                    await conn.execute(update(table).where(*key).values(**changes))
                    counts[table.name] += 1
    return counts
