"""The operator's session cookie (signed with the server key) and CSRF tokens for forms.

The cookie is HttpOnly and SameSite=Lax; every state-changing form also carries a token
derived from the session, so a cross-site form post cannot act for the operator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response

from attio_gateway.sdk.admin import sign, unsign

COOKIE = "attio_gateway_session"
SESSION_TTL = 12 * 3600


@dataclass(frozen=True)
class OperatorSession:
    username: str
    nonce: str
    #: What this session's forms must post back; derived from the nonce and the server key.
    csrf_token: str


def _csrf_token(key: bytes, nonce: str) -> str:
    return hmac.new(key, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


class LoginRequired(Exception):
    """Raised by pages when no valid session is present; answered with a redirect."""


def start_session(response: Response, key: bytes, username: str, *, secure: bool) -> None:
    payload = {"u": username, "n": secrets.token_hex(16), "exp": int(time.time()) + SESSION_TTL}
    response.set_cookie(
        COOKIE,
        sign(key, json.dumps(payload).encode()),
        max_age=SESSION_TTL,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE)


def current_session(request: Request, key: bytes) -> OperatorSession | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        payload = unsign(key, raw)
        claims = json.loads(payload) if payload is not None else None
    except ValueError:
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        return None
    nonce = str(claims["n"])
    return OperatorSession(
        username=str(claims["u"]), nonce=nonce, csrf_token=_csrf_token(key, nonce)
    )
