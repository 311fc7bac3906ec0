"""The dashboard's operators (user names with scrypt password hashes: people choose
them) and their sign-in sessions, kept in the database so every gateway process on it
shares them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from attio_gateway.errors import ConfigurationError
from attio_gateway.storage import queries as q

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "DASHBOARD_SESSION_TTL",
    "check_operator",
    "dashboard_session_user",
    "end_dashboard_session",
    "ensure_operator",
    "open_dashboard_session",
    "set_operator_password",
]

#: The file older versions kept operators in (data dir); imported into the database once.
OPERATOR_FILE = "operators.json"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
        await q.add_operators_if_none(gateway.db, password_hashes=hashes, now=gateway.clock.now())


async def set_operator_password(gateway: AsyncGateway, username: str, password: str) -> None:
    """Create the dashboard operator ``username``, or set its password.

    Raises: ConfigurationError when an older version's ``operators.json`` is unreadable.
    """
    await _import_legacy_operators(gateway)
    await q.put_operator(
        gateway.db,
        username=username,
        password_hash=await _new_password_hash(password),
        now=gateway.clock.now(),
    )
    # A new password signs the operator out everywhere.
    await q.delete_dashboard_sessions_of(gateway.db, username=username)


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
        now=gateway.clock.now(),
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


# --- the dashboard's sessions -------------------------------------------------------------

#: How long a dashboard session lasts after sign-in.
DASHBOARD_SESSION_TTL = 12 * 3600


async def open_dashboard_session(
    gateway: AsyncGateway, username: str, *, ttl: int = DASHBOARD_SESSION_TTL
) -> str:
    """A new session for ``username``; returns its id (the cookie's content, shown to no one
    else). Only the id's SHA-256 is stored."""
    session_id = secrets.token_urlsafe(32)
    now = gateway.clock.now()
    await q.create_dashboard_session(
        gateway.db,
        session_hash=_sha256(session_id),
        username=username,
        now=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    return session_id


async def dashboard_session_user(gateway: AsyncGateway, session_id: str) -> str | None:
    """The operator signed in with ``session_id``; ``None`` when it ended or expired."""
    row = await q.get_dashboard_session(gateway.db, session_hash=_sha256(session_id))
    if row is None or row.expires_at <= gateway.clock.now():
        return None
    return row.username


async def end_dashboard_session(gateway: AsyncGateway, session_id: str) -> None:
    """Sign out: the session id is refused from now on, by every process."""
    await q.delete_dashboard_session(gateway.db, session_hash=_sha256(session_id))
