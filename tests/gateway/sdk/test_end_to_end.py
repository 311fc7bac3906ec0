"""The whole agent-auth path over real HTTP against the emulator: connection, link, consent,
proxy, tools, revocation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from attio_emulator.core.limits import Limits
from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import (
    AccountNotActiveError,
    NotFoundError,
    OAuthFlowError,
    RateLimitedError,
    ToolInputError,
)
from attio_gateway.sdk import AccountStatus, AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, consent, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(tmp_path: Path, emulator: RunningEmulator) -> AsyncIterator[AsyncGateway]:
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    async with AsyncGateway(settings) as gw:
        connection = await create_emulator_connection(gw, emulator.base_url)
        assert connection.status == "ACTIVE", connection.status_detail
        yield gw


async def test_link_consent_proxy_and_tool(gateway: AsyncGateway) -> None:
    result = await connect_user(gateway, "user_123")
    assert result.status == AccountStatus.ACTIVE
    details = await gateway.actions.get_connected_account_details(
        connection_name="attio", identifier="user_123"
    )
    account = details.connected_account
    assert account.status == "ACTIVE" and account.workspace.name
    assert "access_token" not in account.authorization_details["oauth_token"]

    people = await gateway.actions.request(
        connection_name="attio",
        identifier="user_123",
        path="/v2/objects/people/records/query",
        method="POST",
        json={"filter": {"email_addresses": {"email_address": {"$eq": "a@b.co"}}}, "limit": 10},
    )
    assert people.status_code == 200 and people["data"] == []

    created = await gateway.actions.execute_tool(
        tool_name="attio_create_company",
        identifier="user_123",
        tool_input={"values": {"name": "Acme", "domains": ["acme.com"], "categories": "saas"}},
    )
    company = created.data["data"]
    assert company["values"]["categories"][0]["option"]["title"] == "SaaS"
    events = await gateway.audit_events(identifier="user_123")
    assert {e.kind for e in events} == {"proxy", "tool"}
    assert any(e.tool_name == "attio_create_company" and e.outcome == "success" for e in events)


async def test_unknown_stage_fails_loudly_never_a_default(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "u")
    with pytest.raises(ToolInputError, match="'Nurture' is not a stage of 'stage'; valid: Lead"):
        await gateway.actions.execute_tool(
            tool_name="attio_create_deal",
            identifier="u",
            tool_input={"values": {"name": "D", "stage": "Nurture"}},
        )
    with pytest.raises(ToolInputError, match="did you mean 'name'"):
        await gateway.actions.execute_tool(
            tool_name="attio_list_people",
            identifier="u",
            tool_input={"filter": {"nme": "Ada"}},
        )


async def test_revoked_token_moves_account_to_expired_with_a_fresh_link(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    await connect_user(gateway, "u")
    token = await gateway.actions.get_connected_account(connection_name="attio", identifier="u")
    access = token.connected_account.authorization_details["oauth_token"]["access_token"]
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=60) as http:
        assert (await http.post("/oauth/revoke", data={"token": access})).status_code == 204
    with pytest.raises(AccountNotActiveError) as caught:
        await gateway.actions.request(connection_name="attio", identifier="u", path="/v2/objects")
    assert caught.value.status == "EXPIRED"
    assert caught.value.authorization_link and "/authorize?" in caught.value.authorization_link
    # Every later call fails fast, before reaching Attio.
    with pytest.raises(AccountNotActiveError):
        await gateway.actions.execute_tool(
            tool_name="attio_list_objects", identifier="u", tool_input={}
        )
    # The fresh link (PKCE, single-use state) reconnects the user.
    link = caught.value.authorization_link or ""
    assert "code_challenge=" in link and "state=" in link
    result = await consent(gateway, caught.value.authorization_link or "")
    assert result.status == AccountStatus.ACTIVE


async def test_state_replay_tamper_and_denial(gateway: AsyncGateway) -> None:
    link = (await gateway.actions.get_authorization_link(identifier="u")).link
    connection = await gateway.get_connection("attio")
    with pytest.raises(OAuthFlowError, match="unknown, was already used, or has expired"):
        await gateway.handle_callback(connection.id, {"state": "forged", "code": "x"})
    await consent(gateway, link)
    with pytest.raises(OAuthFlowError, match="already used"):
        await consent(gateway, link)  # replaying the same link
    denied_link = (await gateway.actions.get_authorization_link(identifier="v")).link
    with pytest.raises(OAuthFlowError) as denied:
        await consent(gateway, denied_link, decision="deny")
    assert denied.value.error == "access_denied"


async def test_identifiers_never_share_tokens(gateway: AsyncGateway) -> None:
    await connect_user(gateway, "alice")
    await connect_user(gateway, "bob")
    alice = await gateway.actions.get_connected_account(identifier="alice")
    bob = await gateway.actions.get_connected_account(identifier="bob")
    a = alice.connected_account.authorization_details["oauth_token"]["access_token"]
    b = bob.connected_account.authorization_details["oauth_token"]["access_token"]
    assert a != b
    with pytest.raises(NotFoundError, match="No connected account for identifier 'carol'"):
        await gateway.actions.request(identifier="carol", path="/v2/objects")


async def test_user_verification_binds_only_the_intended_user(gateway: AsyncGateway) -> None:
    link = await gateway.actions.get_authorization_link(
        identifier="alice", user_verify_url="https://app.example/verify", state="app-state"
    )
    result = await consent(gateway, link.link)
    assert result.status == AccountStatus.PENDING_VERIFICATION
    assert result.redirect_url and result.redirect_url.startswith("https://app.example/verify?")
    auth_request_id = dict(httpx.URL(result.redirect_url).params)["auth_request_id"]
    with pytest.raises(AccountNotActiveError):
        await gateway.actions.request(identifier="alice", path="/v2/objects")
    # Someone else finished the flow: the app says the signed-in user is mallory → refused.
    with pytest.raises(OAuthFlowError, match="not the user it was sent to"):
        await gateway.actions.verify_connected_account_user(auth_request_id, "mallory")
    # ...and the grant is burnt even for the right user afterwards.
    with pytest.raises(OAuthFlowError):
        await gateway.actions.verify_connected_account_user(auth_request_id, "alice")

    link = await gateway.actions.get_authorization_link(
        identifier="alice", user_verify_url="https://app.example/verify"
    )
    result = await consent(gateway, link.link)
    assert result.redirect_url is not None
    auth_request_id = dict(httpx.URL(result.redirect_url).params)["auth_request_id"]
    verified = await gateway.actions.verify_connected_account_user(auth_request_id, "alice")
    assert verified.post_user_verify_redirect_url
    response = await gateway.actions.request(identifier="alice", path="/v2/objects")
    assert response.status_code == 200


async def test_bad_credentials_are_named(tmp_path: Path, emulator: RunningEmulator) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        connection = await gw.create_connection(
            name="bad",
            client_id="nope",
            client_secret="wrong",
            token_url=f"{emulator.base_url}/oauth/token",
            authorize_url=f"{emulator.base_url}/authorize",
            api_base_url=emulator.base_url,
        )
    assert connection.status == "INVALID_CREDENTIALS"
    assert connection.status_detail and "invalid_client" in connection.status_detail


async def test_webhook_secret_is_sealed_kept_and_survives_rotation(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    from attio_gateway.vault.rotation import rotate

    await connect_user(gateway, "u")
    created = await gateway.actions.execute_tool(
        tool_name="attio_create_webhook",
        identifier="u",
        tool_input={
            "target_url": "https://hooks.example.com/attio",
            "subscriptions": [{"event_type": "note.created"}],
        },
    )
    webhook_id = created.data["data"]["id"]["webhook_id"]
    assert "secret" not in created.data["data"]  # never in the agent's context
    stored = emulator.state.store.table("webhooks").get(webhook_id)
    assert stored is not None
    kept = await gateway.account_secret(f"webhook:{webhook_id}", identifier="u")
    assert kept.get_secret_value() == stored["secret"]

    new_ring, _ = gateway.keyring.with_new_key()
    report = await rotate(gateway.db, new_ring)
    assert report.rows["account_secrets"] == 1
    gateway.credentials.keyring = new_ring
    again = await gateway.account_secret(f"webhook:{webhook_id}", identifier="u")
    assert again.get_secret_value() == stored["secret"]


async def test_retry_budget_setting_reaches_sdk_calls(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """ATTIO_GATEWAY_PROXY_MAX_TOTAL_WAIT bounds the SDK's retries (0: no waiting at all)."""
    settings = Settings(data_dir=tmp_path, proxy_max_total_wait=0, attio_reads_per_second=1000)
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        # Fresh windows, one read a second, and a stopped clock: all three reads fall in
        # one window however slowly a busy machine sends them. One is answered, the others
        # get 429 and (budget 0) are not retried; the default budget would wait and retry.
        emulator.state.limits = Limits(reads_per_second=1, clock=lambda: 1000.0)
        outcomes = await asyncio.gather(
            *(gw.actions.request(identifier="u", path="/v2/objects") for _ in range(3)),
            return_exceptions=True,
        )
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, RateLimitedError)]
    assert len(answered) + len(refused) == 3, outcomes
    assert answered and all(r.status_code == 200 for r in answered)
    assert refused and all(r.retry_after is not None for r in refused)


async def test_list_tools_pages_and_refuses_a_forged_page_token(gateway: AsyncGateway) -> None:
    first = await gateway.actions.list_tools(page_size=10)
    assert len(first["tools"]) == 10 and first["next_page_token"] == "10"
    second = await gateway.actions.list_tools(page_size=10, page_token=first["next_page_token"])
    assert {t["definition"]["name"] for t in second["tools"]}.isdisjoint(
        t["definition"]["name"] for t in first["tools"]
    )
    with pytest.raises(ToolInputError, match="page_token"):
        await gateway.actions.list_tools(page_token="garbage")
