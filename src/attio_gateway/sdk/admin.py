"""The gateway server's own business: API clients (client id + secret → bearer token), the
dashboard's operator login, and the key that signs both. All of it lives in the database,
so any number of gateway processes on one database are interchangeable.

API client secrets are stored as SHA-256 (they are 256-bit random, so a slow hash adds
nothing); operator passwords may be chosen by people, so they are stored with scrypt.
Bearer tokens are stateless: ``agat_<payload>.<hmac>``, checked against the client's row on
every request so revoking a client revokes its tokens at once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from attio_gateway.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    StorageError,
)
from attio_gateway.oauth.provider import SCOPE_DESCRIPTIONS
from attio_gateway.sdk.models import _Model
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import ApiClientRow
from attio_gateway.vault import purposes

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "ACCESS_TOKEN_TTL",
    "AccessToken",
    "ApiClient",
    "ApiClientCredentials",
    "check_operator",
    "create_api_client",
    "ensure_operator",
    "issue_access_token",
    "list_api_clients",
    "revoke_api_client",
    "scope_descriptions",
    "server_key",
    "set_operator_password",
    "verify_access_token",
]

ACCESS_TOKEN_TTL = 3600
TOKEN_PREFIX = "agat_"
CLIENT_ID_PREFIX = "agc_"
SECRET_PREFIX = "agcs_"
#: The signing key's name in the ``server_secrets`` table.
SIGNING_KEY_NAME = "signing_key"
#: Files older versions kept in the data dir; imported into the database on first use.
OPERATOR_FILE = "operators.json"
SERVER_KEY_FILE = "server.key"


class ApiClient(_Model):
    client_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


class ApiClientCredentials(_Model):
    """Shown once: the secret is not stored, only its hash."""

    client_id: str
    client_secret: str
    name: str


class AccessToken(_Model):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def scope_descriptions() -> dict[str, str]:
    """The product document's scope table: scope → what it allows."""
    return dict(SCOPE_DESCRIPTIONS)


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
    purpose = purposes.server_secret(SIGNING_KEY_NAME)
    sealed = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
    if sealed is None:
        legacy = gateway.settings.data_dir / SERVER_KEY_FILE
        key = legacy.read_bytes() if legacy.is_file() else secrets.token_bytes(32)
        await q.add_server_secret(
            gateway.db,
            name=SIGNING_KEY_NAME,
            value_sealed=gateway.keyring.seal_text(base64.b64encode(key).decode(), purpose=purpose),
            now=datetime.now(UTC),
        )
        # Whoever stored first wins: processes starting together all read that one back.
        sealed = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
        if sealed is None:
            raise StorageError("The server's signing key was stored but cannot be read back.")
    return base64.b64decode(gateway.keyring.unseal_text(sealed, purpose=purpose).get_secret_value())


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


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _client_model(row: ApiClientRow) -> ApiClient:
    return ApiClient(
        client_id=row.client_id, name=row.name, created_at=row.created_at, revoked_at=row.revoked_at
    )


# --- API clients --------------------------------------------------------------------------


async def create_api_client(gateway: AsyncGateway, *, name: str) -> ApiClientCredentials:
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(12)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    await q.create_api_client(
        gateway.db,
        client_id=client_id,
        name=name,
        secret_hash=_sha256(secret),
        now=datetime.now(UTC),
    )
    return ApiClientCredentials(client_id=client_id, client_secret=secret, name=name)


async def list_api_clients(gateway: AsyncGateway) -> list[ApiClient]:
    return [_client_model(row) for row in await q.list_api_clients(gateway.db)]


async def revoke_api_client(gateway: AsyncGateway, client_id: str) -> None:
    """Raises: NotFoundError if there is no such client (or it is already revoked)."""
    revoked = await q.revoke_api_client(gateway.db, client_id=client_id, now=datetime.now(UTC))
    # Its tokens stop working at once (in every process sharing Redis), not after the TTL.
    await gateway.forget_cached()
    if not revoked:
        raise NotFoundError(f"No active API client {client_id!r}.")


async def issue_access_token(
    gateway: AsyncGateway, *, client_id: str, client_secret: str, ttl: int = ACCESS_TOKEN_TTL
) -> AccessToken:
    """OAuth 2.0 client credentials (RFC 6749 §4.4).

    Raises: AuthenticationError when the id is unknown, revoked, or the secret is wrong.
    """
    row = await q.get_api_client(gateway.db, client_id=client_id)
    if (
        row is None
        or row.revoked_at is not None
        or not hmac.compare_digest(row.secret_hash, _sha256(client_secret))
    ):
        raise AuthenticationError("invalid_client: unknown client_id or wrong client_secret.")
    payload = json.dumps({"sub": client_id, "exp": int(time.time()) + ttl}).encode()
    token = TOKEN_PREFIX + sign(await server_key(gateway), payload)
    return AccessToken(access_token=token, expires_in=ttl)


async def verify_access_token(gateway: AsyncGateway, token: str) -> ApiClient:
    """Raises: AuthenticationError for a malformed, forged, expired or revoked token."""
    payload = None
    if token.startswith(TOKEN_PREFIX):
        try:
            payload = unsign(await server_key(gateway), token.removeprefix(TOKEN_PREFIX))
        except ValueError:  # broken base64
            payload = None
    if payload is None:
        raise AuthenticationError("The bearer token is not one this gateway issued.")
    claims = json.loads(payload)
    if claims["exp"] < time.time():
        raise AuthenticationError("The bearer token has expired; request a new one.")
    # Every API request is checked, so an active client is remembered for a few seconds
    # (the per-call cache; revoking a client drops it).
    row = gateway.call_cache.api_client(claims["sub"])
    if row is None:

        async def load() -> ApiClientRow:
            generation = gateway.call_cache.generation
            row = await q.get_api_client(gateway.db, client_id=claims["sub"])
            if row is None or row.revoked_at is not None:
                raise AuthenticationError("The API client of this token was revoked.")
            gateway.call_cache.put_api_client(row, generation=generation)
            return row

        row = await gateway.call_cache.load_once(("api_client", claims["sub"]), load)
    return _client_model(row)


# --- the dashboard's operators ------------------------------------------------------------


def _password_hash(password: str, salt: bytes) -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


async def _new_password_hash(password: str) -> str:
    # scrypt takes tens of milliseconds of CPU on purpose: not on the event loop.
    return await asyncio.to_thread(_password_hash, password, secrets.token_bytes(16))


async def _import_legacy_operators(gateway: AsyncGateway) -> None:
    """Operators an older version kept in ``operators.json`` move into the database, once:
    only while the database has none (the file is left as it was, and ignored after)."""
    path = gateway.settings.data_dir / OPERATOR_FILE
    if not path.is_file() or await q.has_operators(gateway.db):
        return
    try:
        hashes = json.loads(path.read_text())
        valid = isinstance(hashes, dict) and all(
            isinstance(name, str) and isinstance(hashed, str) and hashed.startswith("scrypt$")
            for name, hashed in hashes.items()
        )
    except ValueError:
        valid = False
    if not valid:
        raise ConfigurationError(
            f"{path} is not a JSON object of username → scrypt hash; fix or remove it."
        )
    if hashes:
        await q.add_operators_if_none(gateway.db, password_hashes=hashes, now=datetime.now(UTC))


async def set_operator_password(gateway: AsyncGateway, username: str, password: str) -> None:
    """Create the dashboard operator ``username``, or set its password.

    Raises: ConfigurationError when an older version's ``operators.json`` is unreadable.
    """
    await _import_legacy_operators(gateway)
    await q.put_operator(
        gateway.db,
        username=username,
        password_hash=await _new_password_hash(password),
        now=datetime.now(UTC),
    )


async def ensure_operator(gateway: AsyncGateway, username: str = "admin") -> str | None:
    """On first run (no operator at all), create the local admin and return its generated
    password, to be shown once. ``None`` if operators exist — also for every process but one
    when several start together on one database.

    Raises: ConfigurationError when an older version's ``operators.json`` is unreadable.
    """
    await _import_legacy_operators(gateway)
    if await q.has_operators(gateway.db):
        return None
    password = secrets.token_urlsafe(12)
    created = await q.add_operators_if_none(
        gateway.db,
        password_hashes={username: await _new_password_hash(password)},
        now=datetime.now(UTC),
    )
    return password if created else None


async def check_operator(gateway: AsyncGateway, username: str, password: str) -> bool:
    """Whether ``password`` is the operator ``username``'s."""
    await _import_legacy_operators(gateway)
    stored = await q.get_operator_password_hash(gateway.db, username=username)
    if stored is None:
        return False
    _, salt, _ = stored.split("$")
    candidate = await asyncio.to_thread(_password_hash, password, bytes.fromhex(salt))
    return hmac.compare_digest(stored, candidate)
