"""The database handle and the one boundary where ``sqlalchemy`` exceptions are translated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from attio_gateway.config import Settings, private_dir, private_file
from attio_gateway.errors import ConflictError, GatewayError, NotFoundError, StorageError

__all__ = ["Database", "translate_errors"]

#: sqlalchemy exception → (gateway error, message prefix); first match wins.
_ERROR_MAP: tuple[tuple[type[SQLAlchemyError], type[GatewayError], str], ...] = (
    (IntegrityError, ConflictError, "Already exists or still referenced"),
    (OperationalError, StorageError, "The database could not be used"),
    (DBAPIError, StorageError, "The database rejected the operation"),
    (SQLAlchemyError, StorageError, "Storage failure"),
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise SQLAlchemy's exceptions as the gateway's, ``from`` the original."""
    try:
        yield
    except SQLAlchemyError as exc:
        if isinstance(exc, IntegrityError) and _is_missing_reference(exc):
            raise NotFoundError(
                "The row this refers to does not exist (for example an unknown connection id)."
            ) from exc
        for foreign, ours, prefix in _ERROR_MAP:
            if isinstance(exc, foreign):
                detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise ours(f"{prefix}: {detail}") from exc
        raise
    except OSError as exc:  # the driver could not even connect (refused, unreachable, DNS)
        raise StorageError(f"The database could not be reached: {exc}") from exc


def _is_missing_reference(exc: IntegrityError) -> bool:
    """A foreign key pointing at nothing: PostgreSQL SQLSTATE 23503, SQLite's FOREIGNKEY."""
    orig = exc.orig
    return (
        getattr(orig, "sqlstate", None) == "23503"
        or getattr(orig, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_FOREIGNKEY"
    )


#: Execution option marking a connection whose transaction only reads (see ``read()``).
_READ_ONLY = "attio_gateway_read_only"


class Database:
    """One async engine for the gateway's state (SQLite file by default, or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        # A pre-ping checks a pooled server connection before use (PostgreSQL restarts,
        # idle timeouts); a SQLite file cannot go away, and the ping costs a round trip
        # through aiosqlite's thread on every transaction.
        self.engine: AsyncEngine = create_async_engine(
            url, pool_pre_ping=not url.startswith("sqlite")
        )
        if self.engine.dialect.name == "sqlite":
            _private_sqlite_files(url)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        url = settings.resolved_database_url()
        if url.startswith("sqlite") and settings.database_url is None:
            private_dir(Path(settings.data_dir))
        return cls(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction, committed on success."""
        with translate_errors():
            async with self.engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a transaction that only reads. On SQLite it takes no write
        lock (WAL readers see a snapshot), so reads never queue behind writes or behind
        each other; ``transaction()`` takes the lock at once, for read-then-write."""
        with translate_errors():
            async with self.engine.connect() as conn:
                await conn.execution_options(**{_READ_ONLY: True})
                async with conn.begin():
                    yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()


def _private_sqlite_files(url: str) -> None:
    """The database file 0600 before SQLite opens it (created empty if absent), so the
    ``-wal`` and ``-shm`` files SQLite makes later, which take the database file's mode,
    are 0600 too; ones an older version left wider are narrowed. In-memory and ``file:``
    URI databases are left to the caller."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will report the missing directory when it connects
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            private_file(companion)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # The driver's own implicit BEGIN is turned off: _sqlite_begin_immediate takes over.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """Take SQLite's write lock when a transaction starts, unless it only reads (``read()``).
    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another connection writes first (the busy timeout is not applied to that
    upgrade); an immediate one waits its turn under the busy timeout instead. A read-only
    one needs no lock at all: taking it made concurrent reads wait for each other, up to
    seconds under load (SQLite's busy handler sleeps between tries)."""
    if conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
