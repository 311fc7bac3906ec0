"""The official ``mcp`` client's OAuth support (``OAuthClientProvider``) against the
gateway's server (as ``attio-gateway serve``) and the emulator: discovery from a bare 401,
Dynamic Client Registration, the consent page, the Attio sign-in, the token, ``tools/list``
and a tool call acting as the member who signed in; a second member gets their own
account and token; refresh rotates; revocation ends the grant. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl

from attio_emulator.server import free_port
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.storage.queries import mcp_auth as mq

from .conftest import Outcome, Served, browse_authorization, running_server

REDIRECT_URI = "http://127.0.0.1:33418/callback"


class MemoryStorage:
    """The MCP client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class BrowserUser:
    """Plays the user for the MCP client: opens the authorization URL in a 'browser'."""

    def __init__(self, member_email: str | None = None) -> None:
        self.member_email = member_email
        self.outcome: Outcome | None = None
        self.authorization_url = ""

    async def redirect(self, url: str) -> None:
        self.authorization_url = url
        self.outcome = await browse_authorization(
            url, member_email=self.member_email, stop_at=REDIRECT_URI
        )

    async def callback(self) -> AuthorizationCodeResult:
        assert self.outcome is not None
        query = self.outcome.query
        return AuthorizationCodeResult(
            code=query["code"], state=query.get("state"), iss=query.get("iss")
        )


def oauth_client(
    served: Served, user: BrowserUser, storage: MemoryStorage, name: str = "Test MCP client"
) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url=served.mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name=name,
            redirect_uris=[AnyUrl(REDIRECT_URI)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=user.redirect,
        callback_handler=user.callback,
    )


async def whoami(served: Served, auth: httpx2.Auth) -> dict[str, Any]:
    async with (
        httpx2.AsyncClient(auth=auth, timeout=60) as http,
        Client(streamable_http_client(served.mcp_url, http_client=http)) as client,
    ):
        listed = await client.list_tools()
        assert "attio_create_person" in {tool.name for tool in listed.tools}
        result = await client.call_tool("attio_get_current_token_info", {})
    assert not result.is_error, result
    assert result.structured_content is not None
    return result.structured_content


async def test_an_mcp_client_discovers_registers_signs_in_with_attio_and_acts_as_the_member(
    served: Served,
) -> None:
    # A bare request: 401 naming the protected resource metadata, which names us.
    async with httpx.AsyncClient(timeout=60) as plain:
        bare = await plain.post(served.mcp_url, json={})
        prm_url = f"{served.base_url}/.well-known/oauth-protected-resource/mcp"
        prm = (await plain.get(prm_url)).json()
        asm = (await plain.get(f"{served.base_url}/.well-known/oauth-authorization-server")).json()
        oidc = (await plain.get(f"{served.base_url}/.well-known/openid-configuration")).json()
        second = await plain.post(
            f"{served.emulator_url}/_emulator/workspace_members",
            json={"email_address": "bob@example.com", "first_name": "Bob", "last_name": "B"},
        )
    assert bare.status_code == 401
    assert f'resource_metadata="{prm_url}"' in bare.headers["www-authenticate"]
    assert prm["resource"] == served.mcp_url
    assert prm["authorization_servers"] == [served.base_url]
    assert asm == oidc and asm["issuer"] == served.base_url
    assert asm["code_challenge_methods_supported"] == ["S256"]
    assert asm["authorization_response_iss_parameter_supported"] is True
    assert asm["registration_endpoint"] == f"{served.base_url}/register"
    assert asm["revocation_endpoint"] == f"{served.base_url}/revoke"
    assert second.status_code == 200

    alice_user, alice_storage = BrowserUser(), MemoryStorage()
    alice = await whoami(served, oauth_client(served, alice_user, alice_storage))
    # The consent page named the client and where it sends the user back.
    assert alice_user.outcome is not None
    assert "Test MCP client" in alice_user.outcome.consent_page
    assert "127.0.0.1:33418" in alice_user.outcome.consent_page
    assert alice_user.outcome.query["iss"] == served.base_url
    assert "resource=" in alice_user.authorization_url
    assert "code_challenge_method=S256" in alice_user.authorization_url

    bob_user, bob_storage = BrowserUser("bob@example.com"), MemoryStorage()
    bob = await whoami(served, oauth_client(served, bob_user, bob_storage, name="Other"))
    assert alice["actor"]["id"] != bob["actor"]["id"]
    assert alice["workspace"]["id"] == bob["workspace"]["id"]

    # Each token acts as its own account: identifiers from workspace + member.
    async with AsyncGateway(served.settings) as gateway:
        accounts = (await gateway.actions.list_connected_accounts()).connected_accounts
        identifiers = sorted(account.identifier for account in accounts)
        by_id = {account.id: account for account in accounts}
        assert alice_storage.tokens is not None and bob_storage.tokens is not None
        rows = {
            token: await mq.get_token(
                gateway.db, token_hash=hashlib.sha256(token.encode()).hexdigest()
            )
            for token in (alice_storage.tokens.access_token, bob_storage.tokens.access_token)
        }
        # Only hashes are stored: the raw token finds nothing.
        raw = await mq.get_token(gateway.db, token_hash=alice_storage.tokens.access_token)
    workspace = alice["workspace"]["id"]
    assert identifiers == sorted(
        [f"attio:{workspace}:{alice['actor']['id']}", f"attio:{workspace}:{bob['actor']['id']}"]
    )
    alice_row = rows[alice_storage.tokens.access_token]
    bob_row = rows[bob_storage.tokens.access_token]
    assert alice_row is not None and bob_row is not None and raw is None
    assert by_id[alice_row.account_id].identifier.endswith(alice["actor"]["id"])
    assert by_id[bob_row.account_id].identifier.endswith(bob["actor"]["id"])
    assert alice_row.resource == served.mcp_url and alice_row.kind == "access"

    # The second sign-in of the same member reuses their account.
    again_user, again_storage = BrowserUser(), MemoryStorage()
    again = await whoami(served, oauth_client(served, again_user, again_storage))
    assert again["actor"]["id"] == alice["actor"]["id"]
    async with AsyncGateway(served.settings) as gateway:
        count = len((await gateway.actions.list_connected_accounts()).connected_accounts)
    assert count == 2  # no placeholder sign-in accounts are left behind


async def test_refresh_rotates_and_revocation_ends_the_grant(served: Served) -> None:
    user, storage = BrowserUser(), MemoryStorage()
    await whoami(served, oauth_client(served, user, storage))
    assert storage.tokens is not None and storage.client_info is not None
    client = storage.client_info
    first = storage.tokens
    assert first.refresh_token is not None and first.expires_in == 3600
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        refreshed = await http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token,
                "client_id": client.client_id,
                "client_secret": client.client_secret or "",
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        second = refreshed.json()
        assert second["refresh_token"] != first.refresh_token
        # The rotated refresh token is spent: using it again is invalid_grant, and ends
        # the grant (someone holds a copy), so the new tokens stop working too.
        reused = await http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token,
                "client_id": client.client_id,
                "client_secret": client.client_secret or "",
            },
        )
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        after_reuse = await http.post(
            "/mcp", json={}, headers={"Authorization": f"Bearer {second['access_token']}"}
        )
        assert after_reuse.status_code == 401

    # A fresh grant, revoked through /revoke: its access token stops working at once.
    user2, storage2 = BrowserUser(), MemoryStorage()
    storage2.client_info = client
    await whoami(served, oauth_client(served, user2, storage2))
    assert storage2.tokens is not None
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as http:
        bearer = {"Authorization": f"Bearer {storage2.tokens.access_token}"}
        revoked = await http.post(
            "/revoke",
            data={
                "token": storage2.tokens.access_token,
                "client_id": client.client_id,
                "client_secret": client.client_secret or "",
            },
        )
        assert revoked.status_code == 200, revoked.text
        refused = await http.post("/mcp", json={}, headers=bearer)
        assert refused.status_code == 401
        refresh_refused = await http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": storage2.tokens.refresh_token,
                "client_id": client.client_id,
                "client_secret": client.client_secret or "",
            },
        )
        assert refresh_refused.json()["error"] == "invalid_grant"


async def test_when_the_attio_grant_is_revoked_the_tool_result_carries_a_fresh_link(
    served: Served,
) -> None:
    """The user revokes the app in Attio mid-session: the MCP token still authenticates,
    and the tool result tells the client how to re-authorize (the link in its text)."""
    user, storage = BrowserUser(), MemoryStorage()
    auth = oauth_client(served, user, storage)
    me = await whoami(served, auth)
    identifier = f"attio:{me['workspace']['id']}:{me['actor']['id']}"
    async with AsyncGateway(served.settings) as gateway:
        account = await gateway.actions.get_connected_account(identifier=identifier)
    attio_token = account.connected_account.authorization_details["oauth_token"]["access_token"]
    async with httpx.AsyncClient(base_url=served.emulator_url, timeout=60) as http:
        assert (await http.post("/oauth/revoke", data={"token": attio_token})).status_code == 204
    async with (
        httpx2.AsyncClient(auth=auth, timeout=60) as http,
        Client(streamable_http_client(served.mcp_url, http_client=http)) as client,
    ):
        result = await client.call_tool("attio_list_objects", {})
    assert result.is_error
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert f"{served.emulator_url}/authorize?" in text, text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_behind_a_proxy_at_a_path_the_documents_name_the_public_urls(
    tmp_path: Path, database_url: str
) -> None:
    """Base URL ``…/gw`` (a reverse proxy forwarding ``/gw/*`` and ``/.well-known/*``):
    the metadata is found at RFC 8414's and OpenID's paths for that issuer, and every URL
    in it is public."""
    port = free_port()
    public = f"http://127.0.0.1:{port}/gw"
    settings = Settings(data_dir=tmp_path, database_url=database_url, base_url=public)
    with running_server(settings, port):
        origin = f"http://127.0.0.1:{port}"
        prm = httpx.get(f"{origin}/.well-known/oauth-protected-resource/gw/mcp", timeout=60)
        documents = [
            httpx.get(f"{origin}{path}", timeout=60).json()
            for path in (
                "/.well-known/oauth-authorization-server/gw",
                "/.well-known/openid-configuration/gw",
                "/gw/.well-known/openid-configuration",
            )
        ]
    assert prm.json()["resource"] == f"{public}/mcp"
    assert prm.json()["authorization_servers"] == [public]
    for document in documents:
        assert document["issuer"] == public
        assert document["authorization_endpoint"] == f"{public}/authorize"
        assert document["token_endpoint"] == f"{public}/token"


async def test_a_returning_browser_continues_as_its_account_while_it_is_active(
    served: Served,
) -> None:
    """The second MCP client in the same browser: the consent page offers the account
    signed in before, and continuing issues the code without Attio's consent page. Once
    that account may no longer act, the browser goes through Attio again."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=60) as browser:
        ids = []
        for name in ("First client", "Second client"):
            registered = await browser.post(
                "/register",
                json={
                    "client_name": name,
                    "redirect_uris": [REDIRECT_URI],
                    "token_endpoint_auth_method": "none",
                },
            )
            ids.append(registered.json()["client_id"])

        def authorize(client_id: str) -> str:
            return (
                f"{served.base_url}/authorize?response_type=code&client_id={client_id}"
                f"&redirect_uri={REDIRECT_URI}&code_challenge={'a' * 43}"
                f"&code_challenge_method=S256&state=s&resource={served.mcp_url}"
            )

        first = await browse_authorization(authorize(ids[0]), stop_at=REDIRECT_URI, browser=browser)
        assert first.visited_attio and "code" in first.query
        second = await browse_authorization(
            authorize(ids[1]), stop_at=REDIRECT_URI, browser=browser, decision="continue"
        )
        assert not second.visited_attio and second.query["code"].startswith("agmc_")
        assert 'id="known-account"' in second.consent_page

        async with AsyncGateway(served.settings) as gateway:
            accounts = (await gateway.actions.list_connected_accounts()).connected_accounts
            assert len(accounts) == 1
            await gateway.actions.delete_connected_account(connected_account_id=accounts[0].id)
        # The remembered account is gone: not offered, "continue" refused, Attio again.
        refused = await browse_authorization(
            authorize(ids[1]), stop_at=REDIRECT_URI, browser=browser, decision="continue"
        )
        assert refused.status == 400 and "sign in again" in refused.page
        assert 'id="known-account"' not in refused.consent_page
        third = await browse_authorization(authorize(ids[1]), stop_at=REDIRECT_URI, browser=browser)
        assert third.visited_attio and third.query["code"].startswith("agmc_")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_base_url_oauth_refuses_as_issuer_leaves_the_authorization_server_off(
    tmp_path: Path, database_url: str
) -> None:
    """Plain http on a host that is not loopback cannot be an OAuth issuer: no metadata,
    no OAuth endpoints, and ``/mcp`` takes session tokens only (a 401 names no metadata)."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, base_url="http://gateway.internal"
    )
    with running_server(settings, port):
        origin = f"http://127.0.0.1:{port}"
        asm = httpx.get(f"{origin}/.well-known/oauth-authorization-server", timeout=60)
        register = httpx.post(f"{origin}/register", json={}, timeout=60)
        bare = httpx.post(f"{origin}/mcp", json={}, timeout=60)
    assert asm.status_code == 404 and register.status_code in (404, 405)
    assert bare.status_code == 401
    assert "resource_metadata" not in bare.headers.get("www-authenticate", "")
