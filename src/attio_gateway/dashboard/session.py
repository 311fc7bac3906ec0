"""The operator's session cookie and CSRF tokens for forms, the login form's included.

The cookie carries a random session id (signed with the server key, so junk is refused
without a database read); the session itself is a row in the database
(``sdk.operators.open_dashboard_session``), deleted on sign-out, so a copied or stolen cookie
stops working then — in every process. The cookie is HttpOnly and SameSite=Lax.

Every state-changing form carries a token derived from the session id, so a cross-site
post cannot act for the operator. The login form, shown before there is a session, carries
one derived from a random value in a short-lived cookie of its own (double submit): another
site can neither read that cookie nor compute the token, so it cannot sign a browser in to
an account of its choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.operators import DASHBOARD_SESSION_TTL, dashboard_session_user
from attio_gateway.sdk.signing import server_key, sign, unsign

__all__ = [
    "COOKIE",
    "LOGIN_COOKIE",
    "LOGIN_FORM_TTL",
    "SESSION_TTL",
    "LoginRequired",
    "OperatorSession",
    "current_session",
    "end_session",
    "login_form_token",
    "login_form_token_ok",
    "login_nonce",
    "session_id_of",
    "set_login_cookie",
    "start_session",
]

COOKIE = "attio_gateway_session"
LOGIN_COOKIE = "attio_gateway_login"
SESSION_TTL = DASHBOARD_SESSION_TTL
#: How long a login form stays good.
LOGIN_FORM_TTL = 3600


@dataclass(frozen=True)
class OperatorSession:
    username: str
    session_id: str
    #: What this session's forms must post back; derived from the session id and the key.
    csrf_token: str


def _token(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


class LoginRequired(Exception):
    """Raised by pages when no valid session is present; answered with a redirect."""


def start_session(response: Response, key: bytes, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        sign(key, session_id.encode()),
        max_age=SESSION_TTL,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE)


def session_id_of(request: Request, key: bytes) -> str | None:
    """The session id the request's cookie carries (signature checked), if any."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        payload = unsign(key, raw)
        return payload.decode() if payload is not None else None
    except ValueError:  # broken base64 or not text
        return None


async def current_session(request: Request, gateway: AsyncGateway) -> OperatorSession | None:
    key = await server_key(gateway)
    session_id = session_id_of(request, key)
    if session_id is None:
        return None
    username = await dashboard_session_user(gateway, session_id)
    if username is None:
        return None
    return OperatorSession(
        username=username, session_id=session_id, csrf_token=_token(key, "csrf", session_id)
    )


def login_nonce(request: Request) -> str:
    """The login cookie's random value, or a new one."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if 20 <= len(nonce) <= 100 and nonce.isascii() and nonce.isprintable():
        return nonce
    return secrets.token_urlsafe(24)


def login_form_token(key: bytes, nonce: str) -> str:
    """What the login form bound to ``nonce`` must post back."""
    return _token(key, "login", nonce)


def set_login_cookie(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_TTL,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/login",
    )


def login_form_token_ok(request: Request, key: bytes, posted: object) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not isinstance(posted, str):
        return False
    return hmac.compare_digest(posted, login_form_token(key, nonce))
