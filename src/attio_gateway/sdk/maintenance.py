"""The operator's maintenance of the state store and the vault, without a running gateway:
apply or undo migrations, tell whether a store exists, re-seal every stored secret under
the newest key, make a new key.

``attio-gateway db upgrade``, ``db downgrade``, ``vault rotate`` and ``vault new-key`` call
these; the CLI asks ``store_exists`` before a command that only reads or changes state.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import Connection

from attio_gateway.config import Settings
from attio_gateway.errors import InvalidInputError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage.migrate import alembic_config, current_revision
from attio_gateway.vault.keyring import key_file, load_keyring, new_key_text, write_key_file
from attio_gateway.vault.rotation import RotationReport, rotate

__all__ = [
    "RotationReport",
    "downgrade",
    "new_vault_key",
    "rotate_vault",
    "store_exists",
    "store_location",
    "upgrade",
]


def store_location(settings: Settings) -> str:
    """Where the state store is, for people: the SQLite file, or the database URL without
    its password."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _no_sqlite_file(settings: Settings) -> bool:
    """A SQLite store whose file is not there (looked for without creating it)."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() != "sqlite":
        return False
    return not url.database or url.database == ":memory:" or not Path(url.database).is_file()


async def store_exists(settings: Settings) -> bool:
    """Whether the configured store holds the gateway's state (migrated at least once).

    A SQLite file is looked for without creating it (nor its directory); another
    database is asked for its migration revision.

    Raises:
        StorageError: the database cannot be reached.
    """
    if _no_sqlite_file(settings):
        return False
    db = Database(settings.resolved_database_url())
    try:
        return await current_revision(db) is not None
    finally:
        await db.dispose()


async def downgrade(settings: Settings, revision: str) -> str | None:
    """Undo migrations down to ``revision`` (an id such as ``0004``, ``-1`` for one step,
    or ``base`` for none); returns the revision it is at. Data in dropped tables and
    columns is lost.

    Raises:
        InvalidInputError: no such revision.
        StorageError: the database cannot be reached or migrated.
    """
    from alembic import command
    from alembic.util.exc import CommandError

    def run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    db = Database.from_settings(settings)
    try:
        try:
            async with db.transaction() as conn:
                await conn.run_sync(run)
        except CommandError as exc:
            raise InvalidInputError(
                f"cannot downgrade to {revision!r}: {exc}", field="revision"
            ) from None
        return await current_revision(db)
    finally:
        await db.dispose()


async def upgrade(settings: Settings) -> str | None:
    """Apply every migration to the configured database; returns the revision it is at.

    Raises:
        StorageError: the database cannot be reached or migrated.
    """
    db = Database.from_settings(settings)
    try:
        await upgrade_database(db)
        return await current_revision(db)
    finally:
        await db.dispose()


async def rotate_vault(settings: Settings, *, generate: bool) -> RotationReport:
    """Re-seal every stored secret under the newest vault key, in one transaction.

    With ``generate`` and a key file (no ``vault_keys`` setting), a new key is generated
    and put first in the key file before; the older keys stay there.

    Raises:
        ConfigurationError: the keys cannot be read (or a sealed location has no purpose).
        VaultError: a stored value cannot be opened with any key.
        StorageError: the database cannot be reached or migrated.
    """
    keyring = load_keyring(settings)
    if generate and not settings.vault_keys:
        old_lines = key_file(settings).read_text().splitlines()
        keyring, new_line = keyring.with_new_key()
        write_key_file(key_file(settings), [new_line, *[x for x in old_lines if x.strip()]])
    db = Database.from_settings(settings)
    try:
        await upgrade_database(db)
        return await rotate(db, keyring)
    finally:
        await db.dispose()


def new_vault_key() -> str:
    """A fresh ``key_id:base64key`` for ``ATTIO_GATEWAY_VAULT_KEYS``."""
    return new_key_text()
