"""The key that signs the gateway server's bearer tokens and the dashboard's cookies.

Kept in the database (sealed by the vault), so every gateway process on it signs and
checks with the same key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from attio_gateway.errors import StorageError
from attio_gateway.storage import queries as q

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = ["SIGNING_KEY_NAME", "server_key", "sign", "unsign"]

#: The signing key's name in the ``server_secrets`` table.
SIGNING_KEY_NAME = "signing_key"
#: The file an older version kept the key in (data dir); imported on first use.
SERVER_KEY_FILE = "server.key"


async def server_key(gateway: AsyncGateway) -> bytes:
    """The key that signs bearer tokens and dashboard cookies.

    Kept in the database (sealed by the vault), so every gateway process on it signs and
    checks with the same key; created on first use, or imported from a ``server.key`` file
    an older version left in the data dir. Read once per gateway: it never changes.

    Raises: MissingKeyError / DecryptionError when the vault's keys cannot open it (the
    processes on one database must share ``ATTIO_GATEWAY_VAULT_KEYS``).
    """
    if gateway.signing_key is None:
        gateway.signing_key = await _load_or_create_server_key(gateway)
    return gateway.signing_key


async def _load_or_create_server_key(gateway: AsyncGateway) -> bytes:
    sealed = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
    if sealed is None:
        legacy = gateway.settings.data_dir / SERVER_KEY_FILE
        key = legacy.read_bytes() if legacy.is_file() else secrets.token_bytes(32)
        await q.add_server_secret(
            gateway.db,
            name=SIGNING_KEY_NAME,
            value_sealed=gateway.credentials.seal_server_secret(
                SIGNING_KEY_NAME, base64.b64encode(key).decode()
            ),
            now=gateway.clock.now(),
        )
        # Whoever stored first wins: processes starting together all read that one back.
        sealed = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
        if sealed is None:
            raise StorageError("The server's signing key was stored but cannot be read back.")
    return base64.b64decode(
        gateway.credentials.server_secret(SIGNING_KEY_NAME, sealed).get_secret_value()
    )


def sign(key: bytes, payload: bytes) -> str:
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(key: bytes, signed: str) -> bytes | None:
    """The payload, or None if the signature does not match."""
    body, _, mac = signed.partition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
