"""Bad input to the MCP authorization server, each refused with the RFC's error code and
nothing stored: an unknown client, a mismatched redirect URI, missing or incorrect PKCE,
a missing or wrong ``resource``, a replayed code, an expired or revoked token, a token for
another audience, a redirect URI DCR may not register. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy import func, select

from attio_emulator.server import free_port
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.mcp_authorization import mcp_authorization
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.sdk.signing import server_key, sign
from attio_gateway.storage.tables import mcp_auth_clients, mcp_auth_requests, mcp_auth_tokens

from ..conftest import FakeClock
from .conftest import Served, browse_authorization, running_server

REDIRECT_URI = "http://127.0.0.1:33418/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def register(
    http: httpx.AsyncClient, redirect_uris: list[str] | None = None
) -> httpx.Response:
    return await http.post(
        "/register",
        json={
            "client_name": "Bad input client",
            "redirect_uris": redirect_uris or [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none",
        },
    )


def authorize_url(served: Served, client_id: str, challenge: str, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-1",
        "resource": served.mcp_url,
    }
    params.update(overrides)
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{served.base_url}/authorize?{query}"


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def _count(settings: Settings) -> dict[str, int]:
    async with AsyncGateway(settings) as gateway, gateway.db.read() as conn:
        return {
            table.name: int((await conn.execute(select(func.count()).select_from(table))).scalar())
            for table in (mcp_auth_clients, mcp_auth_requests, mcp_auth_tokens)
        }


async def counts(settings: Settings) -> dict[str, int]:
    # Another thread: the test's loop is the client's, the gateway opens its own pool.
    return await asyncio.to_thread(lambda: asyncio.run(_count(settings)))


async def signed_in_code(served: Served, client_id: str) -> tuple[str, str]:
    """A code for ``client_id`` after consent and the Attio sign-in, and its verifier."""
    verifier, challenge = pkce()
    outcome = await browse_authorization(
        authorize_url(served, client_id, challenge), stop_at=REDIRECT_URI
    )
    assert outcome.query["state"] == "st-1" and outcome.query["iss"] == served.base_url
    return outcome.query["code"], verifier


def code_exchange(client_id: str, code: str, verifier: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT_URI,
        "resource": "ignored-the-code-is-bound",
    }


async def test_authorize_refuses_unknown_clients_other_redirects_pkce_and_resources(
    served: Served,
) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        before = await counts(served.settings)
        _, challenge = pkce()

        # Unknown client and mismatched redirect URI: an error page, never a redirect.
        unknown = await http.get(authorize_url(served, "no-such-client", challenge))
        assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_request"
        elsewhere = await http.get(
            authorize_url(served, client_id, challenge, redirect_uri="https://evil.example/cb")
        )
        assert elsewhere.status_code == 400 and elsewhere.json()["error"] == "invalid_request"
        assert "location" not in elsewhere.headers

        # Back to the client's redirect URI with the error code and its state.
        for overrides, error in (
            ({"code_challenge": None}, "invalid_request"),
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"resource": None}, "invalid_target"),
            ({"resource": "https://other.example/mcp"}, "invalid_target"),
            ({"resource": f"{served.base_url}/mcp/t/other"}, "invalid_target"),
            ({"response_type": "token"}, "unsupported_response_type"),
        ):
            answer = await http.get(authorize_url(served, client_id, challenge, **overrides))
            assert answer.status_code == 302, (overrides, answer.text)
            location = answer.headers["location"]
            assert location.startswith(REDIRECT_URI)
            assert query_of(location)["error"] == error, overrides
            assert query_of(location)["state"] == "st-1"
            assert query_of(location)["iss"] == served.base_url  # RFC 9207, errors too
    assert await counts(served.settings) == before


async def test_dcr_refuses_redirect_uris_that_are_not_https_or_loopback(served: Served) -> None:
    before = await counts(served.settings)
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        for uris in (
            ["http://evil.example/cb"],
            ["https://ok.example/cb", "http://10.0.0.1/cb"],
            ["https://ok.example/cb#fragment"],
            ["javascript:alert(1)"],
        ):
            answer = await register(http, uris)
            assert answer.status_code == 400, uris
            assert answer.json()["error"] in ("invalid_redirect_uri", "invalid_client_metadata")
        accepted = await register(http, ["https://ok.example/cb", "http://[::1]:8123/cb"])
        assert accepted.status_code == 201
    after = await counts(served.settings)
    assert after["mcp_auth_clients"] == before["mcp_auth_clients"] + 1


async def test_token_refuses_wrong_pkce_replays_other_clients_and_revokes_on_replay(
    served: Served,
) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        other_id = (await register(http)).json()["client_id"]
        code, verifier = await signed_in_code(served, client_id)
        before = await counts(served.settings)

        wrong_pkce = await http.post("/token", data=code_exchange(client_id, code, "x" * 50))
        assert wrong_pkce.status_code == 400 and wrong_pkce.json()["error"] == "invalid_grant"
        no_pkce = code_exchange(client_id, code, verifier)
        del no_pkce["code_verifier"]
        missing = await http.post("/token", data=no_pkce)
        assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
        other_client = await http.post("/token", data=code_exchange(other_id, code, verifier))
        assert other_client.json()["error"] == "invalid_grant"
        other_redirect = {
            **code_exchange(client_id, code, verifier),
            "redirect_uri": "http://127.0.0.1:9/cb",
        }
        assert (await http.post("/token", data=other_redirect)).status_code == 400
        assert await counts(served.settings) == before  # nothing issued

        first = await http.post("/token", data=code_exchange(client_id, code, verifier))
        assert first.status_code == 200, first.text
        tokens = first.json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await http.post("/mcp", json={}, headers=bearer)).status_code != 401

        replay = await http.post("/token", data=code_exchange(client_id, code, verifier))
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        # The replay revoked what the code gave (RFC 6749 §4.1.2).
        refused = await http.post("/mcp", json={}, headers=bearer)
        assert refused.status_code == 401
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
        unknown = await http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "agmr_nope",
                "client_id": client_id,
            },
        )
        assert unknown.json()["error"] == "invalid_grant"


async def test_expired_tokens_and_a_finished_request_are_refused(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        code, verifier = await signed_in_code(served, client_id)
        tokens = (await http.post("/token", data=code_exchange(client_id, code, verifier))).json()

    async def later() -> tuple[object, object, object]:
        clock = FakeClock()
        async with AsyncGateway(served.settings, clock=clock) as gateway:
            service = mcp_authorization(gateway)
            client = await service.get_client(client_id)
            assert client is not None
            now_ok = await service.load_access_token(tokens["access_token"])
            clock.set(clock.now() + timedelta(hours=1, seconds=1))
            expired = await service.load_access_token(tokens["access_token"])
            clock.set(clock.now() + timedelta(days=31))
            refresh = await service.load_refresh_token(client, tokens["refresh_token"])
            return now_ok, expired, refresh

    now_ok, expired, refresh = await asyncio.to_thread(lambda: asyncio.run(later()))
    assert now_ok is not None and expired is None and refresh is None


async def test_a_token_for_one_resource_is_refused_at_another(served: Served) -> None:
    """Two servers on one database, each its own resource: a token issued for the first
    (audience ``…/mcp`` of the first base URL) is refused by the second."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        code, verifier = await signed_in_code(served, client_id)
        tokens = (await http.post("/token", data=code_exchange(client_id, code, verifier))).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    with serve_another(served.settings) as other_base:
        async with httpx.AsyncClient(timeout=60) as http:
            here = await http.post(served.mcp_url, json={}, headers=bearer)
            there = await http.post(f"{other_base}/mcp", json={}, headers=bearer)
    assert here.status_code != 401
    assert there.status_code == 401
    assert (
        f'resource_metadata="{other_base}/.well-known/oauth-protected-resource/mcp"'
        in (there.headers["www-authenticate"])
    )


@contextmanager
def serve_another(settings: Settings) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_server(settings.model_copy(update={"base_url": base}), port):
        yield base


async def test_a_consent_answer_from_another_site_is_refused(served: Served) -> None:
    """The consent form's token must match the SameSite=Strict cookie the page set: a
    form posted from elsewhere (no cookie, or another page's token) presses nothing."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        _, challenge = pkce()
        consent_url = (await http.get(authorize_url(served, client_id, challenge))).headers[
            "location"
        ]
        request_id = query_of(consent_url)["request"]
        page = await http.get(consent_url)
        assert page.status_code == 200
        assert page.headers["x-frame-options"] == "DENY"
        assert "samesite=strict" in page.headers["set-cookie"].lower()
        token = page.cookies["mcp_consent"]
        answer = {"request": request_id, "decision": "accept"}
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as elsewhere:
        no_cookie = await elsewhere.post(
            "/mcp-auth/consent", data={**answer, "consent_token": token}
        )
        elsewhere.cookies.set("mcp_consent", "forged", path="/mcp-auth")
        forged = await elsewhere.post("/mcp-auth/consent", data={**answer, "consent_token": token})
    assert no_cookie.status_code == 403 and forged.status_code == 403
    before = await counts(served.settings)

    async def still_waiting() -> bool:
        async with AsyncGateway(served.settings) as gateway:
            consent = await mcp_authorization(gateway).consent(request_id)
            return consent.request_id == request_id

    assert await asyncio.to_thread(lambda: asyncio.run(still_waiting()))
    assert await counts(served.settings) == before


async def test_denied_consent_goes_back_to_the_client_and_stores_nothing(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
    before = await counts(served.settings)
    _, challenge = pkce()
    outcome = await browse_authorization(
        authorize_url(served, client_id, challenge), decision="deny", stop_at=REDIRECT_URI
    )
    assert not outcome.visited_attio
    assert outcome.query["error"] == "access_denied"
    assert outcome.query["state"] == "st-1" and outcome.query["iss"] == served.base_url
    assert await counts(served.settings) == before


async def _identifiers(settings: Settings) -> list[str]:
    async with AsyncGateway(settings) as gateway:
        listed = await gateway.actions.list_connected_accounts()
        return [account.identifier for account in listed.connected_accounts]


async def test_a_denied_attio_consent_goes_back_to_the_client_and_leaves_nothing(
    served: Served,
) -> None:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
    before = await counts(served.settings)
    _, challenge = pkce()
    outcome = await browse_authorization(
        authorize_url(served, client_id, challenge), attio_decision="deny", stop_at=REDIRECT_URI
    )
    assert outcome.visited_attio
    assert outcome.query["error"] == "access_denied"
    assert outcome.query["state"] == "st-1" and outcome.query["iss"] == served.base_url
    assert await counts(served.settings) == before
    identifiers = await asyncio.to_thread(lambda: asyncio.run(_identifiers(served.settings)))
    assert identifiers == []


async def test_an_abandoned_sign_in_leaves_nothing_once_expired(served: Served) -> None:
    """The user accepted, then never came back from Attio: the placeholder account and
    the request go once the request's deadline passes."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        _, challenge = pkce()
        consent_url = (await http.get(authorize_url(served, client_id, challenge))).headers[
            "location"
        ]
        page = await http.get(consent_url)
        accepted = await http.post(
            "/mcp-auth/consent",
            data={
                "request": query_of(consent_url)["request"],
                "decision": "accept",
                "consent_token": page.cookies["mcp_consent"],
            },
        )
        assert accepted.status_code == 303
        assert accepted.headers["location"].startswith(f"{served.emulator_url}/authorize?")

    async def accounts_now_and_after_purge() -> tuple[list[str], list[str], int]:
        clock = FakeClock()
        async with AsyncGateway(served.settings, clock=clock) as gateway:
            listed = await gateway.actions.list_connected_accounts()
            now = [account.identifier for account in listed.connected_accounts]
            clock.set(clock.now() + timedelta(minutes=16))
            await mcp_authorization(gateway).purge()
            listed = await gateway.actions.list_connected_accounts()
            after = [account.identifier for account in listed.connected_accounts]
            async with gateway.db.read() as conn:
                left = (
                    await conn.execute(select(func.count()).select_from(mcp_auth_requests))
                ).scalar()
            return now, after, int(left or 0)

    now, after, left = await asyncio.to_thread(lambda: asyncio.run(accounts_now_and_after_purge()))
    assert len(now) == 1 and now[0].startswith("mcp-signin:")
    assert after == [] and left == 0


async def test_a_remembered_sign_in_is_offered_only_when_genuine(served: Served) -> None:
    """The remembered-account cookie: a forged one, one signed for another purpose, an
    expired one, and one naming an account no MCP sign-in bound are all ignored."""

    async def prepare() -> tuple[bytes, str]:
        async with AsyncGateway(served.settings) as gateway:
            await connect_user(gateway, "app-user")  # ACTIVE, but the app's own account
            account = await gateway.actions.get_connected_account(identifier="app-user")
            return await server_key(gateway), account.connected_account.id

    key, app_account = await asyncio.to_thread(lambda: asyncio.run(prepare()))

    def cookie(**payload: object) -> str:
        return sign(key, json.dumps(payload).encode())

    later = int(time.time()) + 3600
    values = [
        "forged.0000",
        cookie(p="dashboard", a=app_account, e=later),
        cookie(p="mcp-signed-in", a=app_account, e=int(time.time()) - 1),
        cookie(p="mcp-signed-in", a=app_account, e=later),
    ]
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        client_id = (await register(http)).json()["client_id"]
        for value in values:
            http.cookies.set("mcp_signed_in", value, path="/mcp-auth")
            _, challenge = pkce()
            location = (await http.get(authorize_url(served, client_id, challenge))).headers[
                "location"
            ]
            page = await http.get(location)
            assert page.status_code == 200
            assert 'id="known-account"' not in page.text, value
            refused = await http.post(
                "/mcp-auth/consent",
                data={
                    "request": query_of(location)["request"],
                    "decision": "continue",
                    "consent_token": page.cookies["mcp_consent"],
                },
            )
            assert refused.status_code == 400 and "sign in again" in refused.text
