"""OAuth apps, authorization codes and token issuance, as Attio does them (API-NOTES §2).

Attio grants the scopes configured on the app (not those in the authorize URL) and
issues long-lived access tokens with no refresh token. An app registered with
``expiring_tokens=True`` gets expiring tokens plus refresh tokens instead, so a
gateway's refresh path can be tested; Attio itself never does that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from attio_emulator.core.clock import new_id
from attio_emulator.core.state import ALL_SCOPES, EmulatorState
from attio_emulator.core.store import Document

CODE_LIFETIME = timedelta(minutes=10)


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error": …, "error_description": …}``."""

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


def register_app(
    state: EmulatorState,
    *,
    name: str,
    redirect_uris: list[str],
    scopes: list[str] | tuple[str, ...] = ALL_SCOPES,
    expiring_tokens: bool = False,
    token_lifetime_seconds: int = 3600,
) -> Document:
    """Register an OAuth app; the returned document carries its client secret."""
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    if not redirect_uris:
        raise ValueError("an app needs at least one redirect URI")
    client_id = new_id()
    doc = {
        "client_id": client_id,
        "client_secret": secrets.token_urlsafe(32),
        "name": name,
        "redirect_uris": list(redirect_uris),
        "scopes": list(scopes),
        "expiring_tokens": expiring_tokens,
        "token_lifetime_seconds": token_lifetime_seconds,
    }
    return state.store.table("oauth_apps").put(client_id, doc)


def get_app(state: EmulatorState, client_id: str | None) -> Document | None:
    return state.store.table("oauth_apps").get(client_id) if client_id else None


def issue_code(
    state: EmulatorState,
    *,
    app: Document,
    redirect_uri: str,
    member_id: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> str:
    code = secrets.token_urlsafe(24)
    state.store.table("oauth_codes").put(
        code,
        {
            "code": code,
            "client_id": app["client_id"],
            "redirect_uri": redirect_uri,
            "member_id": member_id,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
            "expires_at": (state.clock.now() + CODE_LIFETIME).timestamp(),
            "used": False,
        },
    )
    return code


def authenticate_client(state: EmulatorState, client_id: Any, client_secret: Any) -> Document:
    app = get_app(state, client_id if isinstance(client_id, str) else None)
    if (
        app is None
        or not isinstance(client_secret, str)
        or not hmac.compare_digest(app["client_secret"], client_secret)
    ):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return app


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _issue(state: EmulatorState, app: Document, member_id: str) -> dict[str, Any]:
    expires_at = None
    if app["expiring_tokens"]:
        expires_at = int(state.clock.now().timestamp()) + app["token_lifetime_seconds"]
    token = state.issue_token(
        scopes=app["scopes"],
        kind="oauth",
        client_id=app["client_id"],
        workspace_member_id=member_id,
        expires_at=expires_at,
    )
    body: dict[str, Any] = {"access_token": token["token"], "token_type": "Bearer"}
    if app["expiring_tokens"]:
        refresh = secrets.token_urlsafe(32)
        state.store.table("oauth_refresh_tokens").put(
            refresh,
            {
                "refresh_token": refresh,
                "client_id": app["client_id"],
                "member_id": member_id,
                "access_token": token["token"],
                "used": False,
            },
        )
        body["refresh_token"] = refresh
        body["expires_in"] = app["token_lifetime_seconds"]
    return body


def exchange_code(
    state: EmulatorState,
    *,
    app: Document,
    code: Any,
    redirect_uri: Any,
    code_verifier: Any,
) -> dict[str, Any]:
    codes = state.store.table("oauth_codes")
    doc = codes.get(code) if isinstance(code, str) else None
    if doc is None or doc["client_id"] != app["client_id"]:
        raise OAuthError("invalid_grant", "The authorization code is invalid.")
    if doc["used"]:
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    if doc["expires_at"] <= state.clock.now().timestamp():
        raise OAuthError("invalid_grant", "The authorization code has expired.")
    if redirect_uri != doc["redirect_uri"]:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
    challenge = doc["code_challenge"]
    if challenge is None and code_verifier is not None:
        # PKCE downgrade (RFC 9700 §2.1.1, OAuth 2.1 §4.1.3): a verifier is only accepted for
        # a code whose authorization request carried a code_challenge.
        raise OAuthError(
            "invalid_grant",
            "code_verifier was sent, but the authorization request had no code_challenge.",
        )
    verified = isinstance(code_verifier, str) and hmac.compare_digest(
        _s256(code_verifier), challenge or ""
    )
    if challenge is not None and not verified:
        raise OAuthError("invalid_grant", "The PKCE code_verifier does not match.")
    codes.put(doc["code"], {**doc, "used": True})
    return _issue(state, app, doc["member_id"])


def refresh(state: EmulatorState, *, app: Document, refresh_token: Any) -> dict[str, Any]:
    table = state.store.table("oauth_refresh_tokens")
    doc = table.get(refresh_token) if isinstance(refresh_token, str) else None
    if doc is None or doc["client_id"] != app["client_id"] or doc["used"]:
        raise OAuthError("invalid_grant", "The refresh token is invalid or was already used.")
    table.put(doc["refresh_token"], {**doc, "used": True})
    state.revoke_token(doc["access_token"])
    return _issue(state, app, doc["member_id"])
