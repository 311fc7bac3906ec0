"""The gateway server's own business: API clients (client id + secret → bearer token).
It lives in the database, so any number of gateway processes on one database are
interchangeable. The dashboard's operators are in ``sdk.operators``; the key that signs
bearer tokens and cookies in ``sdk.signing``.

API client secrets are stored as SHA-256 (they are 256-bit random, so a slow hash adds
nothing). Bearer tokens are stateless: ``agat_<payload>.<hmac>``, checked against the
client's row on every request so revoking a client revokes its tokens at once.

Each API client has scopes (``API_SCOPES``) and, optionally, the connections it may act on.
A client with ``clients:admin`` may mint clients below it, never with more than it has;
revoking a client revokes everything below it. The operator (dashboard, CLI, this module
called without ``by``) may create, change and revoke any client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from attio_gateway.errors import (
    AuthenticationError,
    InsufficientScopeError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from attio_gateway.oauth.provider import SCOPE_DESCRIPTIONS
from attio_gateway.sdk.models import _Model
from attio_gateway.sdk.scopes import ALL_SCOPES, API_SCOPES, DEFAULT_SCOPES
from attio_gateway.sdk.signing import server_key, sign, unsign
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import ApiClientRow

if TYPE_CHECKING:
    from attio_gateway.sdk.callcache import CallCache
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "ACCESS_TOKEN_TTL",
    "ALL_SCOPES",
    "API_SCOPES",
    "DEFAULT_SCOPES",
    "AccessToken",
    "ApiClient",
    "ApiClientCredentials",
    "create_api_client",
    "issue_access_token",
    "list_api_clients",
    "revoke_api_client",
    "scope_descriptions",
    "update_api_client",
    "verify_access_token",
]

ACCESS_TOKEN_TTL = 3600
TOKEN_PREFIX = "agat_"
CLIENT_ID_PREFIX = "agc_"
SECRET_PREFIX = "agcs_"


MAX_CONNECTION_NAMES = 100


class ApiClient(_Model):
    client_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    scopes: list[str]
    #: The connection names it may act on; ``None``: every connection.
    connections: list[str] | None = None
    #: The client that minted it; ``None`` when the operator created it.
    parent_client_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        """Raises: InsufficientScopeError naming ``scope`` when the client lacks it."""
        if scope not in self.scopes:
            raise InsufficientScopeError(
                f"This API client lacks the scope {scope!r} (it has: "
                f"{', '.join(self.scopes) or 'none'}); the operator can grant it in the "
                "dashboard (API clients) or with `attio-gateway clients update`.",
                required_scope=scope,
            )

    def may_use_connection(self, name: str) -> bool:
        return self.connections is None or name in self.connections

    def require_connection(self, name: str) -> None:
        """Raises: PermissionDeniedError when the client is restricted to other connections."""
        if not self.may_use_connection(name):
            raise PermissionDeniedError(
                f"This API client may not use the connection {name!r}; it is restricted to "
                f"{', '.join(repr(c) for c in self.connections or [])}."
            )


class ApiClientCredentials(_Model):
    """Shown once: the secret is not stored, only its hash."""

    client_id: str
    client_secret: str
    name: str
    scopes: list[str]
    connections: list[str] | None = None


class AccessToken(_Model):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def scope_descriptions() -> dict[str, str]:
    """The product document's scope table: scope → what it allows."""
    return dict(SCOPE_DESCRIPTIONS)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _client_model(row: ApiClientRow) -> ApiClient:
    return ApiClient(
        client_id=row.client_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        scopes=list(row.scopes),
        connections=None if row.connections is None else list(row.connections),
        parent_client_id=row.parent_client_id,
    )


# --- API clients --------------------------------------------------------------------------


def _checked_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes, each once, in ``ALL_SCOPES`` order.

    Raises: InvalidInputError naming an unknown scope."""
    given = list(scopes)
    for scope in given:
        if scope not in API_SCOPES:
            raise InvalidInputError(
                f"Unknown API client scope {scope!r}; known: {', '.join(ALL_SCOPES)}.",
                field="scopes",
            )
    return [scope for scope in ALL_SCOPES if scope in given]


def _checked_connections(names: Iterable[str] | None) -> list[str] | None:
    """Connection names, each once, in the order given (``None``: every connection).

    Raises: InvalidInputError for an empty, over-long or non-printable name."""
    if names is None:
        return None
    checked: list[str] = []
    for name in names:
        if not 1 <= len(name) <= 200 or not name.isprintable() or name != name.strip():
            raise InvalidInputError(
                f"{name!r} is not a connection name (1–200 printable characters, no "
                "surrounding spaces).",
                field="connections",
            )
        if name not in checked:
            checked.append(name)
    if len(checked) > MAX_CONNECTION_NAMES:
        raise InvalidInputError(
            f"At most {MAX_CONNECTION_NAMES} connection names.", field="connections"
        )
    return checked


def _within(
    by: ApiClient, scopes: Sequence[str], connections: Sequence[str] | None, *, what: str
) -> None:
    """Raises: InsufficientScopeError / PermissionDeniedError when ``scopes`` or
    ``connections`` go beyond what ``by`` has."""
    for scope in scopes:
        if not by.has_scope(scope):
            raise InsufficientScopeError(
                f"{what} cannot have the scope {scope!r}: this API client does not have it.",
                required_scope=scope,
            )
    if by.connections is not None:
        if connections is None:
            raise PermissionDeniedError(
                f"{what} cannot use every connection: this API client is restricted to "
                f"{', '.join(repr(c) for c in by.connections)}."
            )
        for name in connections:
            by.require_connection(name)


def _below(rows: Sequence[ApiClientRow], client_id: str) -> list[ApiClientRow]:
    """Every client minted by ``client_id``, by those, and so on (not itself)."""
    children: dict[str | None, list[ApiClientRow]] = {}
    for row in rows:
        children.setdefault(row.parent_client_id, []).append(row)
    found: list[ApiClientRow] = []
    pending = [client_id]
    seen = {client_id}
    while pending:
        for child in children.get(pending.pop(), []):
            if child.client_id not in seen:
                seen.add(child.client_id)
                found.append(child)
                pending.append(child.client_id)
    return found


async def create_api_client(
    gateway: AsyncGateway,
    *,
    name: str,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    connections: Iterable[str] | None = None,
    by: ApiClient | None = None,
) -> ApiClientCredentials:
    """A new client with ``scopes`` (``DEFAULT_SCOPES`` unless given), on ``connections``
    (``None``: every one). ``by``: the API client minting it, which needs ``clients:admin``
    and cannot give more than it has; omitting ``connections`` then inherits its list.

    Raises: InvalidInputError for a bad name, an unknown scope or a bad connection name;
    InsufficientScopeError / PermissionDeniedError when ``by`` may not give this."""
    if not 1 <= len(name) <= 200 or not name.isprintable():
        raise InvalidInputError("An API client's name is 1–200 printable characters.", field="name")
    checked_scopes = _checked_scopes(scopes)
    checked_connections = _checked_connections(connections)
    if by is not None:
        by.require_scope("clients:admin")
        if connections is None:
            checked_connections = by.connections
        _within(by, checked_scopes, checked_connections, what="A new API client")
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(12)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    await q.create_api_client(
        gateway.db,
        client_id=client_id,
        name=name,
        secret_hash=_sha256(secret),
        now=gateway.clock.now(),
        scopes=checked_scopes,
        connections=checked_connections,
        parent_client_id=None if by is None else by.client_id,
    )
    return ApiClientCredentials(
        client_id=client_id,
        client_secret=secret,
        name=name,
        scopes=checked_scopes,
        connections=checked_connections,
    )


async def list_api_clients(
    gateway: AsyncGateway, *, by: ApiClient | None = None
) -> list[ApiClient]:
    """Every client; with ``by``, only it and the clients below it."""
    rows = await q.list_api_clients(gateway.db)
    if by is not None:
        mine = {by.client_id} | {row.client_id for row in _below(rows, by.client_id)}
        rows = [row for row in rows if row.client_id in mine]
    return [_client_model(row) for row in rows]


async def _target(
    gateway: AsyncGateway, client_id: str, by: ApiClient | None, *, itself: bool
) -> tuple[ApiClientRow, list[ApiClientRow]]:
    """The active client ``client_id`` and the clients below it.

    Raises: NotFoundError when there is no such active client, or (with ``by``) it is not
    below ``by`` (nor ``by`` itself, when ``itself``)."""
    rows = await q.list_api_clients(gateway.db)
    target = next((r for r in rows if r.client_id == client_id and r.revoked_at is None), None)
    if target is not None and by is not None:
        allowed = {row.client_id for row in _below(rows, by.client_id)}
        if itself:
            allowed.add(by.client_id)
        if client_id not in allowed:
            target = None
    if target is None:
        mine = "" if by is None else " among this API client's own and those it minted"
        raise NotFoundError(f"No active API client {client_id!r}{mine}.")
    return target, _below(rows, client_id)


async def update_api_client(
    gateway: AsyncGateway,
    client_id: str,
    *,
    scopes: Iterable[str] | None = None,
    connections: Iterable[str] | None = None,
    all_connections: bool = False,
    by: ApiClient | None = None,
) -> ApiClient:
    """Change a client's scopes and/or connections (``all_connections``: lift the
    restriction). Clients below it lose what it no longer has, in the same transaction.
    ``by``: the API client asking (``clients:admin``; only clients below it, never beyond
    what it has).

    Raises: NotFoundError, InvalidInputError, InsufficientScopeError, PermissionDeniedError."""
    if by is not None:
        by.require_scope("clients:admin")
    if connections is not None and all_connections:
        raise InvalidInputError(
            "Give connections or all_connections, not both.", field="all_connections"
        )
    target, below = await _target(gateway, client_id, by, itself=False)
    new_scopes = list(target.scopes) if scopes is None else _checked_scopes(scopes)
    new_connections = (
        None
        if all_connections
        else target.connections
        if connections is None
        else _checked_connections(connections)
    )
    if by is not None:
        _within(by, new_scopes, new_connections, what=f"API client {client_id!r}")
    grants: dict[str, tuple[Sequence[str], Sequence[str] | None]] = {
        client_id: (new_scopes, new_connections)
    }
    # What each client below keeps: its own, within what its parent keeps.
    kept: dict[str, tuple[list[str], list[str] | None]] = {client_id: (new_scopes, new_connections)}
    for row in below:  # parents come before their children
        parent_scopes, parent_connections = kept[row.parent_client_id or ""]
        child_scopes = [s for s in row.scopes if s in parent_scopes]
        if parent_connections is None:
            child_connections = row.connections
        elif row.connections is None:
            child_connections = list(parent_connections)
        else:
            child_connections = [c for c in row.connections if c in parent_connections]
        kept[row.client_id] = (child_scopes, child_connections)
        grants[row.client_id] = (child_scopes, child_connections)
    await q.set_api_client_grants(gateway.db, grants=grants)
    await gateway.forget_cached()
    updated = await q.get_api_client(gateway.db, client_id=client_id)
    if updated is None:
        raise NotFoundError(f"No API client {client_id!r}.")
    return _client_model(updated)


async def revoke_api_client(
    gateway: AsyncGateway, client_id: str, *, by: ApiClient | None = None
) -> list[str]:
    """Revoke the client and every client below it; returns the ids revoked. ``by``: the
    API client asking (``clients:admin``; itself or clients below it).

    Raises: NotFoundError if there is no such client (or it is already revoked, or not
    ``by``'s to revoke); InsufficientScopeError without ``clients:admin``."""
    if by is not None:
        by.require_scope("clients:admin")
        await _target(gateway, client_id, by, itself=True)
    revoked = await q.revoke_api_client(gateway.db, client_id=client_id, now=gateway.clock.now())
    # Its tokens stop working at once (in every process sharing Redis), not after the TTL.
    await gateway.forget_cached()
    if not revoked:
        raise NotFoundError(f"No active API client {client_id!r}.")
    return revoked


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


@dataclass(frozen=True)
class _VerifiedToken:
    row: ApiClientRow
    client: ApiClient
    expires_at: float


#: Tokens whose signature was checked, per call cache, each with the client row it was
#: checked against. Bounded: emptied when it holds ``_MAX_VERIFIED`` tokens.
_verified: weakref.WeakKeyDictionary[CallCache, dict[str, _VerifiedToken]] = (
    weakref.WeakKeyDictionary()
)
_MAX_VERIFIED = 10_000


async def verify_access_token(gateway: AsyncGateway, token: str) -> ApiClient:
    """Raises: AuthenticationError for a malformed, forged, expired or revoked token.

    Every API request is checked. A token seen before skips its signature check, its
    claims and building its ``ApiClient``, for as long as the client row it was checked
    against is the per-call cache's (a few seconds; revoking or changing any client drops
    it, in every process sharing Redis): then it is checked in full again."""
    cache = gateway.call_cache
    verified = _verified.get(cache)
    if verified is None:
        verified = _verified.setdefault(cache, {})
    hit = verified.get(token)
    if hit is not None and cache.api_client(hit.row.client_id) is hit.row:
        if hit.expires_at < time.time():
            raise AuthenticationError("The bearer token has expired; request a new one.")
        return hit.client
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
    # An active client is remembered for a few seconds (the per-call cache; revoking a
    # client drops it).
    row = cache.api_client(claims["sub"])
    if row is None:

        async def load() -> ApiClientRow:
            generation = cache.generation
            row = await q.get_api_client(gateway.db, client_id=claims["sub"])
            if row is None or row.revoked_at is not None:
                raise AuthenticationError("The API client of this token was revoked.")
            cache.put_api_client(row, generation=generation)
            return row

        row = await cache.load_once(("api_client", claims["sub"]), load)
    client = _client_model(row)
    if len(verified) >= _MAX_VERIFIED:
        verified.clear()
    verified[token] = _VerifiedToken(row, client, float(claims["exp"]))
    return client
