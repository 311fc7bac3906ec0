"""Apply (or inspect) the migration history on a database — used on start and by the CLI.

Alembic is imported inside the functions that use it: it is a tenth of a second of
import time that every process would otherwise pay at start-up, `serve`'s workers
included, before they can answer their supervisor's health check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from attio_gateway.config import Settings
from attio_gateway.storage.database import Database
from attio_gateway.storage.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS",
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "head_revision",
    "schema_drift",
    "upgrade_database",
]

MIGRATIONS = Path(__file__).parent / "migrations"
#: The PostgreSQL advisory lock held while migrating: the bytes of "attiogw!" as a bigint.
MIGRATION_LOCK_KEY = int.from_bytes(b"attiogw!", "big")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the migration history (what ``upgrade_database`` reaches)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


async def upgrade_database(target: Database | Settings, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent). Given ``Settings``, opens and closes
    its own ``Database``; given a ``Database``, uses it.

    Safe when many processes start together: on PostgreSQL the migration runs under a
    transaction-level advisory lock, so the others wait and then find the schema current
    (without it, two creating ``alembic_version`` at once fail or block each other). SQLite
    needs no lock: every transaction there starts with ``BEGIN IMMEDIATE`` (see
    ``storage.database``), which already lets one writer in at a time."""
    if isinstance(target, Settings):
        db = Database.from_settings(target)
        try:
            await upgrade_database(db, revision)
        finally:
            await db.dispose()
        return

    def run(connection: Connection) -> None:
        from alembic import command

        command.upgrade(alembic_config(connection), revision)

    async with target.transaction() as conn:
        if target.dialect == "postgresql":
            # Released by the commit or rollback that ends this transaction.
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await conn.run_sync(run)


async def current_revision(db: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        from alembic.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()

    async with db.transaction() as conn:
        return await conn.run_sync(read)


async def schema_drift(db: Database) -> list[Any]:
    """Differences between the migrated schema and the table definitions (empty = in sync)."""

    def compare(connection: Connection) -> list[Any]:
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, metadata))

    async with db.transaction() as conn:
        return await conn.run_sync(compare)
