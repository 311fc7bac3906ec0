"""The OAuth 2.0 authorization-code flow against a provider's endpoints.

These functions do the HTTP of OAuth themselves (token endpoint, introspection); their
transport failures come out of ``proxy.httpx_errors.sending`` and are turned into
``OAuthFlowError`` here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from attio_gateway.errors import OAuthFlowError, UpstreamUnavailableError
from attio_gateway.proxy.httpx_errors import sending

__all__ = [
    "Introspection",
    "TokenGrant",
    "authorization_url",
    "check_client_credentials",
    "exchange_code",
    "introspect",
    "new_state",
    "pkce_pair",
    "refresh_grant",
    "revoke_token",
]


@dataclass(frozen=True)
class TokenGrant:
    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_at: datetime | None


@dataclass(frozen=True)
class Introspection:
    scopes: list[str]
    workspace_id: str | None
    workspace_name: str | None
    workspace_slug: str | None
    member_id: str | None
    client_id: str | None


def new_state() -> str:
    return secrets.token_urlsafe(32)


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``code_verifier`` and its S256 ``code_challenge``."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_url(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str | None,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge:
        params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    separator = "&" if "?" in authorize_url else "?"
    return f"{authorize_url}{separator}{urlencode(params)}"


async def _post_token(http: httpx.AsyncClient, token_url: str, form: dict[str, str]) -> Any:
    try:
        with sending(f"The token endpoint {token_url}"):
            response = await http.post(token_url, data=form, headers={"Accept": "application/json"})
    except UpstreamUnavailableError as exc:
        raise OAuthFlowError(
            "temporarily_unavailable", f"The token endpoint {token_url} could not be reached."
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not response.is_success or not isinstance(body, dict) or "access_token" not in body:
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        raise OAuthFlowError(
            str(error or "server_error"),
            str(description or f"The token endpoint answered HTTP {response.status_code}."),
        )
    return body


def _grant(body: dict[str, Any], now: datetime) -> TokenGrant:
    expires_in = body.get("expires_in")
    refresh = body.get("refresh_token")
    return TokenGrant(
        access_token=SecretStr(str(body["access_token"])),
        refresh_token=SecretStr(str(refresh)) if refresh else None,
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
    )


async def exchange_code(
    http: httpx.AsyncClient,
    *,
    token_url: str,
    client_id: str,
    client_secret: SecretStr,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    now: datetime,
) -> TokenGrant:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
        "redirect_uri": redirect_uri,
    }
    if code_verifier:
        form["code_verifier"] = code_verifier
    return _grant(await _post_token(http, token_url, form), now)


async def refresh_grant(
    http: httpx.AsyncClient,
    *,
    token_url: str,
    client_id: str,
    client_secret: SecretStr,
    refresh_token: SecretStr,
    now: datetime,
) -> TokenGrant:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token.get_secret_value(),
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
    }
    return _grant(await _post_token(http, token_url, form), now)


async def introspect(
    http: httpx.AsyncClient, *, api_base_url: str, path: str, token: SecretStr
) -> Introspection | None:
    """What the provider says about a token; ``None`` when it is no longer active."""
    url = f"{api_base_url.rstrip('/')}{path}"
    try:
        with sending(url):
            response = await http.get(
                url, headers={"Authorization": f"Bearer {token.get_secret_value()}"}
            )
    except UpstreamUnavailableError as exc:
        raise OAuthFlowError(
            "temporarily_unavailable", f"{url} could not be reached to check the token."
        ) from exc
    if response.status_code == 401:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not response.is_success or not isinstance(body, dict):
        raise OAuthFlowError("server_error", f"{url} answered HTTP {response.status_code}.")
    if not body.get("active"):
        return None
    scope = body.get("scope") or ""
    return Introspection(
        scopes=sorted(scope.split()),
        workspace_id=body.get("workspace_id"),
        workspace_name=body.get("workspace_name"),
        workspace_slug=body.get("workspace_slug"),
        member_id=body.get("authorized_by_workspace_member_id"),
        client_id=body.get("client_id"),
    )


async def check_client_credentials(
    http: httpx.AsyncClient, *, token_url: str, client_id: str, client_secret: SecretStr
) -> tuple[bool | None, str | None]:
    """Does the provider accept these client credentials? ``(True, None)`` yes,
    ``(False, why)`` no, ``(None, why)`` it could not be asked.

    Attio has no client-credentials grant, so the check exchanges a code that cannot
    exist: ``invalid_client`` means the id or secret is wrong, ``invalid_grant`` means the
    client authenticated and only the (fake) code was refused.
    """
    form = {
        "grant_type": "authorization_code",
        "code": "attio-gateway-credential-check",
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
        "redirect_uri": "urn:attio-gateway:credential-check",
    }
    try:
        await _post_token(http, token_url, form)
    except OAuthFlowError as exc:
        if exc.error in ("invalid_grant", "invalid_request"):
            return True, None
        if exc.error == "invalid_client":
            return False, (
                f"{token_url} rejected client id {client_id!r} with the client secret given "
                f"(invalid_client: {exc.error_description}). Copy both again from the app's OAuth "
                "settings; the provider does not say which of the two is wrong."
            )
        if exc.error == "temporarily_unavailable":
            return None, f"The credentials could not be checked: {exc.error_description}"
        return False, f"{token_url} refused the credential check ({exc})."
    return True, None


async def revoke_token(http: httpx.AsyncClient, *, revoke_url: str, token: SecretStr) -> bool:
    """Ask the provider to revoke a token; ``False`` if it could not be told (best effort)."""
    try:
        with sending(revoke_url):
            response = await http.post(revoke_url, data={"token": token.get_secret_value()})
    except UpstreamUnavailableError:
        return False
    return response.is_success
