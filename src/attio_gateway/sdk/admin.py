"""The gateway server's own business: API clients (client id + secret → bearer token), the
dashboard's operator login, and the key that signs both.

API client secrets are stored as SHA-256 (they are 256-bit random, so a slow hash adds
nothing); operator passwords may be chosen by people, so they are stored with scrypt.
Bearer tokens are stateless: ``agat_<payload>.<hmac>``, checked against the client's row on
every request so revoking a client revokes its tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from attio_gateway.config import Settings
from attio_gateway.errors import AuthenticationError, NotFoundError
from attio_gateway.oauth.provider import SCOPE_DESCRIPTIONS
from attio_gateway.sdk.models import _Model
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import ApiClientRow

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


def _private_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def server_key(settings: Settings) -> bytes:
    """The key that signs bearer tokens and dashboard cookies; created on first use."""
    path = settings.data_dir / SERVER_KEY_FILE
    if not path.exists():
        # Written aside then linked into place: two processes starting at once agree on
        # one key, and nobody ever reads a half-written file.
        candidate = path.with_name(f"{SERVER_KEY_FILE}.{secrets.token_hex(4)}")
        _private_file(candidate, secrets.token_bytes(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_bytes()


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
    token = TOKEN_PREFIX + sign(server_key(gateway.settings), payload)
    return AccessToken(access_token=token, expires_in=ttl)


async def verify_access_token(gateway: AsyncGateway, token: str) -> ApiClient:
    """Raises: AuthenticationError for a malformed, forged, expired or revoked token."""
    payload = None
    if token.startswith(TOKEN_PREFIX):
        try:
            payload = unsign(server_key(gateway.settings), token.removeprefix(TOKEN_PREFIX))
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
        generation = gateway.call_cache.generation
        row = await q.get_api_client(gateway.db, client_id=claims["sub"])
        if row is None or row.revoked_at is not None:
            raise AuthenticationError("The API client of this token was revoked.")
        gateway.call_cache.put_api_client(row, generation=generation)
    return _client_model(row)


# --- the dashboard's operators ------------------------------------------------------------


def _operators(settings: Settings) -> dict[str, str]:
    path = settings.data_dir / OPERATOR_FILE
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text())
    return data


def _password_hash(password: str, salt: bytes) -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def set_operator_password(settings: Settings, username: str, password: str) -> None:
    operators = _operators(settings)
    operators[username] = _password_hash(password, secrets.token_bytes(16))
    _private_file(settings.data_dir / OPERATOR_FILE, json.dumps(operators).encode())


def ensure_operator(settings: Settings, username: str = "admin") -> str | None:
    """On first run, create the local admin; returns its generated password (shown once)."""
    if _operators(settings):
        return None
    password = secrets.token_urlsafe(12)
    set_operator_password(settings, username, password)
    return password


def check_operator(settings: Settings, username: str, password: str) -> bool:
    stored = _operators(settings).get(username)
    if stored is None:
        return False
    _, salt, _ = stored.split("$")
    return hmac.compare_digest(stored, _password_hash(password, bytes.fromhex(salt)))
