"""The emulator's OAuth server over real HTTP: consent, code exchange, PKCE, revoke, /v2/self."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from attio_emulator.oauth.models import register_app
from attio_emulator.server import RunningEmulator, run_in_thread

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def running() -> Iterator[RunningEmulator]:
    with run_in_thread() as emulator:
        yield emulator


def approve(
    http: httpx.Client,
    client_id: str,
    *,
    state: str = "s1",
    decision: str = "approve",
    **extra: str,
) -> dict[str, list[str]]:
    page = http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "state": state,
            **extra,
        },
    )
    assert page.status_code == 200, page.text
    assert "wants to access your workspace" in page.text
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page.text))
    answer = http.post("/authorize", data={**fields, "decision": decision})
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlparse(location).query)


def test_full_round_trip_with_pkce_and_revocation(running: RunningEmulator) -> None:
    app = register_app(
        running.state,
        name="Gateway",
        redirect_uris=[REDIRECT],
        scopes=["record_permission:read", "note:read-write"],
    )
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    with httpx.Client(base_url=running.base_url, timeout=60) as http:
        query = approve(
            http,
            app["client_id"],
            code_challenge=challenge.decode(),
            code_challenge_method="S256",
            scope="everything",
        )
        assert query["state"] == ["s1"]
        form = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        token = http.post("/oauth/token", data=form)
        assert token.status_code == 200, token.text
        assert set(token.json()) == {"access_token", "token_type"}
        access = token.json()["access_token"]

        replay = http.post("/oauth/token", data=form)
        assert replay.json()["error"] == "invalid_grant"

        me = http.get("/v2/self", headers={"Authorization": f"Bearer {access}"}).json()
        # Granted scopes are the app's, not the URL's "scope" parameter.
        assert me["active"] is True and me["scope"] == "record_permission:read note:read-write"
        assert me["client_id"] == app["client_id"] == me["aud"]
        assert me["workspace_id"] == me["sub"] == running.state.workspace.workspace_id
        member = me["authorized_by_workspace_member_id"]
        assert running.state.store.table("workspace_members").get(member) is not None
        assert (
            http.post("/oauth/introspect", headers={"Authorization": f"Bearer {access}"}).json()
            == me
        )

        revoked = http.post("/oauth/revoke", data={"token": access})
        assert revoked.status_code == 204
        assert http.get("/v2/self", headers={"Authorization": f"Bearer {access}"}).json() == {
            "active": False
        }
        denied = http.get("/v2/objects", headers={"Authorization": f"Bearer {access}"})
        assert denied.status_code == 401


def test_denied_consent_mismatch_bad_client_and_wrong_verifier(running: RunningEmulator) -> None:
    app = register_app(running.state, name="Gateway", redirect_uris=[REDIRECT])
    with httpx.Client(base_url=running.base_url, timeout=60) as http:
        assert approve(http, app["client_id"], decision="deny") == {
            "error": ["access_denied"],
            "state": ["s1"],
        }
        unknown_redirect = http.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": app["client_id"],
                "redirect_uri": "http://evil.example/cb",
            },
        )
        assert unknown_redirect.status_code == 400 and "not registered" in unknown_redirect.text
        unknown_client = http.get(
            "/authorize", params={"client_id": "nope", "redirect_uri": REDIRECT}
        )
        assert unknown_client.status_code == 400

        code = approve(http, app["client_id"], code_challenge="abc", code_challenge_method="S256")[
            "code"
        ][0]
        base = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": REDIRECT,
        }
        wrong_uri = http.post("/oauth/token", data={**base, "redirect_uri": REDIRECT + "x"})
        assert wrong_uri.json()["error"] == "invalid_grant"
        wrong_verifier = http.post("/oauth/token", data={**base, "code_verifier": "nope"})
        assert "PKCE" in wrong_verifier.json()["error_description"]
        bad_secret = http.post("/oauth/token", data={**base, "client_secret": "x"})
        assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")


def test_pkce_downgrade_is_refused(running: RunningEmulator) -> None:
    """RFC 9700 §2.1.1 (and OAuth 2.1 §4.1.3): a token request carrying a code_verifier is
    accepted only if the authorization request had a code_challenge; otherwise invalid_grant."""
    app = register_app(running.state, name="Gateway", redirect_uris=[REDIRECT])
    with httpx.Client(base_url=running.base_url, timeout=60) as http:
        code = approve(http, app["client_id"])["code"][0]  # no code_challenge
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": REDIRECT,
        }
        downgraded = http.post("/oauth/token", data={**body, "code_verifier": "v" * 64})
        assert (downgraded.status_code, downgraded.json()["error"]) == (400, "invalid_grant")
        assert "code_challenge" in downgraded.json()["error_description"]
        plain = http.post("/oauth/token", data=body)  # the refusal did not spend the code
        assert plain.status_code == 200, plain.text


def test_expiring_tokens_refresh_and_rotate(running: RunningEmulator) -> None:
    app = register_app(
        running.state,
        name="Refreshing",
        redirect_uris=[REDIRECT],
        expiring_tokens=True,
        token_lifetime_seconds=60,
    )
    with httpx.Client(base_url=running.base_url, timeout=60) as http:
        code = approve(http, app["client_id"])["code"][0]
        auth = (app["client_id"], app["client_secret"])
        first = http.post(
            "/oauth/token",
            auth=auth,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        ).json()
        assert first["expires_in"] == 60 and first["refresh_token"]
        second = http.post(
            "/oauth/token",
            auth=auth,
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        ).json()
        assert second["access_token"] != first["access_token"]
        old = http.get("/v2/self", headers={"Authorization": f"Bearer {first['access_token']}"})
        assert old.json() == {"active": False}
        reused = http.post(
            "/oauth/token",
            auth=auth,
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )
        assert reused.json()["error"] == "invalid_grant"


def test_self_for_api_token_and_members(running: RunningEmulator) -> None:
    token = running.state.issue_token(scopes=["user_management:read"])["token"]
    with httpx.Client(
        base_url=running.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        assert http.get("/v2/workspace_members").json() == {"data": []}
        me = http.get("/v2/self").json()
        assert me["scope"] == "user_management:read"
        # Attio's schema types these as strings (strict SDK validators reject null) and
        # Attio adds token_level: a workspace token still names an integration and a member.
        assert isinstance(me["client_id"], str) and me["aud"] == me["client_id"]
        assert me["token_level"] == "workspace"
        (admin,) = http.get("/v2/workspace_members").json()["data"]
        assert me["authorized_by_workspace_member_id"] == admin["id"]["workspace_member_id"]
        assert admin["access_level"] == "admin"
        assert http.get("/v2/self").json() == me
        assert http.get("/v2/self", headers={"Authorization": "Bearer unknown"}).json() == {
            "active": False
        }


def test_expired_code_and_expired_token(running: RunningEmulator) -> None:
    app = register_app(
        running.state,
        name="Slow",
        redirect_uris=[REDIRECT],
        expiring_tokens=True,
        token_lifetime_seconds=60,
    )
    auth = (app["client_id"], app["client_secret"])
    start = datetime.now(UTC)
    with httpx.Client(base_url=running.base_url, timeout=60) as http:
        running.state.clock.set(start)
        stale = approve(http, app["client_id"])["code"][0]
        running.state.clock.set(start + timedelta(minutes=11))
        late = http.post(
            "/oauth/token",
            auth=auth,
            data={"grant_type": "authorization_code", "code": stale, "redirect_uri": REDIRECT},
        )
        assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")
        fresh = approve(http, app["client_id"])["code"][0]
        token = http.post(
            "/oauth/token",
            auth=auth,
            data={"grant_type": "authorization_code", "code": fresh, "redirect_uri": REDIRECT},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/v2/self", headers=headers).json()["active"] is True
        running.state.clock.set(start + timedelta(minutes=13))
        assert http.get("/v2/self", headers=headers).json() == {"active": False}
        assert http.get("/v2/workspace_members", headers=headers).status_code == 401
        running.state.clock.set(None)


async def test_self_for_api_token_matches_attios_schema(client: httpx.AsyncClient) -> None:
    """The ``client`` fixture checks every answer against Attio's OpenAPI description, whose
    /v2/self requires client_id, aud and authorized_by_workspace_member_id as strings."""
    me = await client.get("/v2/self")
    assert me.status_code == 200 and me.json()["active"] is True
