"""The emulator's storage: named tables of JSON documents, in memory, written through to SQLite.

Every document lives in a Python dict (reads and queries never touch SQLite). With a path,
every write goes through to one SQLite table, so ``--db PATH`` survives a restart; without
one (``--memory``) nothing is serialised at all. Writes inside ``store.batch()`` are kept
as "dirty" documents and written (each once, in its latest state) and committed at the end.

The stdlib ``sqlite3`` is used directly: the emulator stores opaque JSON documents by
(kind, id), which needs no ORM.
"""

from __future__ import annotations

import json
import marshal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]
#: What a restore did to one document: (before, after), ``None`` where absent.
Change = tuple[Document | None, Document | None]


class Table:
    """Documents of one kind, keyed by id, in insertion order."""

    def __init__(self, store: Store, kind: str) -> None:
        self._store = store
        self.kind = kind
        self._docs: dict[str, Document] = {}
        #: Bumped by every put, delete, load and clear: lets callers cache what they derive.
        self.version = 0
        #: The ``version`` at which each document was last written or deleted (snapshots).
        self._written: dict[str, int] = {}
        #: A document's latest ``marshal`` bytes and the ``version`` they were taken at.
        self._frozen: dict[str, tuple[int, bytes]] = {}

    def get(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def put(self, doc_id: str, doc: Document) -> Document:
        self._docs[doc_id] = doc
        self.version += 1
        self._written[doc_id] = self.version
        self._store._write(self.kind, doc_id, doc)
        return doc

    def delete(self, doc_id: str) -> Document | None:
        doc = self._docs.pop(doc_id, None)
        if doc is not None:
            self.version += 1
            self._written[doc_id] = self.version
            self._store._erase(self.kind, doc_id)
        return doc

    def values(self) -> list[Document]:
        return list(self._docs.values())

    def items(self) -> list[tuple[str, Document]]:
        return list(self._docs.items())

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def _load(self, doc_id: str, doc: Document) -> None:
        self._docs[doc_id] = doc
        self.version += 1
        self._written[doc_id] = self.version

    def _clear(self) -> None:
        self.version += 1
        for doc_id in self._docs:
            self._written[doc_id] = self.version
        self._docs.clear()

    def _snapshot(self) -> TableSnapshot:
        frozen, written, docs = self._frozen, self._written, {}
        for doc_id, doc in self._docs.items():
            cached = frozen.get(doc_id)
            if cached is None or cached[0] != written.get(doc_id):
                cached = frozen[doc_id] = (written.get(doc_id, 0), marshal.dumps(doc))
            docs[doc_id] = cached[1]
        for doc_id in [d for d in frozen if d not in self._docs]:
            del frozen[doc_id]
        return TableSnapshot(self.version, docs)

    def _restore(self, held: TableSnapshot) -> list[Change]:
        changed = [d for d, at in self._written.items() if at > held.version]
        pairs: list[Change] = []
        for doc_id in changed:
            before = self._docs.get(doc_id)
            blob = held.docs.get(doc_id)
            if blob is None:
                if before is not None:
                    self.delete(doc_id)
                    pairs.append((before, None))
                continue
            cached = self._frozen.get(doc_id)
            if before is not None and cached == (self._written[doc_id], blob):
                continue  # loaded from these very bytes by an earlier restore, not written since
            after = marshal.loads(blob)
            self.put(doc_id, after)
            self._frozen[doc_id] = (self.version, blob)
            pairs.append((before, after))
        if pairs and list(self._docs) != list(held.docs):  # a document came back: its place too
            self._docs = {doc_id: self._docs[doc_id] for doc_id in held.docs}
            self.version += 1
        return pairs


@dataclass(frozen=True)
class TableSnapshot:
    #: The table's ``version`` when taken: documents written after it are the ones to undo.
    version: int
    #: Every document's ``marshal`` bytes, in the table's order.
    docs: dict[str, bytes]


@dataclass(frozen=True)
class Snapshot:
    """Every table's documents at one moment (``Store.snapshot``, ``Store.restore``)."""

    tables: dict[str, TableSnapshot]
    #: ``id()`` of the store it was taken from: versions mean nothing to another store.
    store: int


_EMPTY = TableSnapshot(-1, {})


class Store:
    """All tables of one emulator; ``path=None`` keeps SQLite in memory."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self._batch_depth = 0
        self._seq = 0
        #: Documents written inside a batch, by (kind, id) → (seq, document), in write order.
        self._dirty: dict[tuple[str, str], tuple[int, Document]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS documents ("
                " kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
                " body TEXT NOT NULL, PRIMARY KEY (kind, id))"
            )
            self._db.commit()
            self._load()

    def table(self, kind: str) -> Table:
        with self._lock:
            table = self._tables.get(kind)
            if table is None:
                table = self._tables[kind] = Table(self, kind)
            return table

    def is_empty(self) -> bool:
        return all(len(table) == 0 for table in self._tables.values())

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit once for many writes (seeding, bulk loads)."""
        with self._lock:
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0:
                    self._flush()

    def clear(self) -> None:
        with self._lock:
            for table in self._tables.values():
                table._clear()
            self._dirty.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM documents")
                self._db.commit()

    def snapshot(self) -> Snapshot:
        """Every document as it is now, serialised: later writes do not change the snapshot.

        Each document is kept as ``marshal`` bytes (documents are plain JSON values), and
        a document not written since the last snapshot reuses its bytes, so only the first
        snapshot of a workspace serialises all of it."""
        with self._lock:
            return Snapshot({kind: t._snapshot() for kind, t in self._tables.items()}, id(self))

    def restore(self, snapshot: Snapshot) -> dict[str, list[Change]]:
        """Put every table back as ``snapshot`` holds it, touching only the documents
        written (put or deleted) since it was taken; a file store writes them through.

        Relies on the rule every writer already follows for ``--db`` to persist: a document
        changed in place is ``put`` again. Answers, per table, the (before, after) pairs of
        the documents it changed, so derived indexes can follow (``None``: absent)."""
        if snapshot.store != id(self):
            raise ValueError("a snapshot can only be restored into the store it was taken from")
        changes: dict[str, list[Change]] = {}
        with self.batch():
            for kind, table in list(self._tables.items()):
                held = snapshot.tables.get(kind, _EMPTY)
                changed = table._restore(held)
                if changed:
                    changes[kind] = changed
        return changes

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._flush()
                self._db.close()

    def _write(self, kind: str, doc_id: str, doc: Document) -> None:
        if self._db is None:
            return
        with self._lock:
            self._seq += 1
            key = (kind, doc_id)
            seq = self._dirty[key][0] if key in self._dirty else self._seq
            self._dirty[key] = (seq, doc)
            if self._batch_depth == 0:
                self._flush()

    def _erase(self, kind: str, doc_id: str) -> None:
        if self._db is None:
            return
        with self._lock:
            self._dirty.pop((kind, doc_id), None)
            self._db.execute("DELETE FROM documents WHERE kind = ? AND id = ?", (kind, doc_id))
            if self._batch_depth == 0:
                self._db.commit()

    def _flush(self) -> None:
        """Write every dirty document once, in its current state, and commit."""
        if self._db is None:
            return
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        rows = [
            (kind, doc_id, seq, dumps(doc)) for (kind, doc_id), (seq, doc) in self._dirty.items()
        ]
        self._dirty.clear()
        self._db.executemany(
            "INSERT INTO documents (kind, id, seq, body) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            rows,
        )
        self._db.commit()

    def _load(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT kind, id, seq, body FROM documents ORDER BY seq")
        for kind, doc_id, seq, body in rows:
            self.table(kind)._load(doc_id, json.loads(body))
            self._seq = max(self._seq, seq)
