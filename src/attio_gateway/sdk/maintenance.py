"""The operator's maintenance of the state store and the vault, without a running gateway:
apply migrations, re-seal every stored secret under the newest key, make a new key.

``attio-gateway db upgrade``, ``vault rotate`` and ``vault new-key`` call these.
"""

from __future__ import annotations

from attio_gateway.config import Settings
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage.migrate import current_revision
from attio_gateway.vault.keyring import key_file, load_keyring, new_key_text, write_key_file
from attio_gateway.vault.rotation import RotationReport, rotate

__all__ = ["RotationReport", "new_vault_key", "rotate_vault", "upgrade"]


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
