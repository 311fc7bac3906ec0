"""The OAuth flow against the emulator's OAuth server over real HTTP: connection checks,
links (state, PKCE S256, expiry, single use), failed exchanges, refresh under a lock."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, ConfigurationError, OAuthFlowError
from attio_gateway.oauth import flow
from attio_gateway.sdk import AccountStatus, AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, consent, create_emulator_connection
from tests.gateway.conftest import FakeClock


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(
    tmp_path: Path, emulator: RunningEmulator, clock: FakeClock
) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(Settings(data_dir=tmp_path), clock=clock) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        yield gw


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}


def test_pkce_pair_is_s256_of_the_verifier() -> None:
    verifier, challenge = flow.pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert flow.new_state() != flow.new_state()


async def test_link_carries_state_pkce_and_a_ten_minute_expiry(gateway: AsyncGateway) -> None:
    before = datetime.now(UTC)
    link = await gateway.actions.get_authorization_link(identifier="u")
    params = _query(link.link)
    connection = await gateway.get_connection("attio")
    assert params["client_id"] == connection.client_id
    assert params["redirect_uri"] == connection.redirect_uri
    assert params["redirect_uri"].endswith(f"/sso/v1/oauth/{connection.id}/callback")
    assert params["code_challenge_method"] == "S256" and len(params["state"]) >= 32
    assert timedelta(minutes=9) < link.expiry - before <= timedelta(minutes=10, seconds=5)
    assert link["link"] == link.link  # dict-style reads as well
    other = await gateway.actions.get_authorization_link(identifier="u")
    assert _query(other.link)["state"] != params["state"]


async def test_expired_link_is_refused(gateway: AsyncGateway, clock: FakeClock) -> None:
    link = (await gateway.actions.get_authorization_link(identifier="u")).link
    later = datetime.now(UTC) + timedelta(minutes=11)
    clock.set(later)
    with pytest.raises(OAuthFlowError, match="has expired"):
        await consent(gateway, link)
    clock.reset()
    account = await gateway.actions.get_connected_account_details(identifier="u")
    assert account.connected_account.status == AccountStatus.PENDING_AUTH


async def test_state_of_another_connection_is_refused(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    other = await create_emulator_connection(gateway, emulator.base_url, name="second")
    link = (
        await gateway.actions.get_authorization_link(identifier="u", connection_name="attio")
    ).link
    state = _query(link)["state"]
    with pytest.raises(OAuthFlowError, match="another connection"):
        await gateway.handle_callback(other.id, {"state": state, "code": "whatever"})
    with pytest.raises(OAuthFlowError, match="already used"):  # and the state is burnt
        await consent(gateway, link)


async def test_failed_code_exchange_burns_the_state(gateway: AsyncGateway) -> None:
    link = (await gateway.actions.get_authorization_link(identifier="u")).link
    connection = await gateway.get_connection("attio")
    state = _query(link)["state"]
    with pytest.raises(OAuthFlowError) as failed:
        await gateway.handle_callback(connection.id, {"state": state, "code": "not-a-code"})
    assert failed.value.error == "invalid_grant"
    with pytest.raises(OAuthFlowError, match="already used"):
        await gateway.handle_callback(connection.id, {"state": state, "code": "not-a-code"})
    account = await gateway.actions.get_connected_account_details(identifier="u")
    assert account.connected_account.status == AccountStatus.PENDING_AUTH
    with pytest.raises(OAuthFlowError, match="no state"):
        await gateway.handle_callback(connection.id, {"code": "x"})


async def test_connection_validation_says_what_is_wrong(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    base = emulator.base_url
    urls = {
        "authorize_url": f"{base}/authorize",
        "token_url": f"{base}/oauth/token",
        "api_base_url": base,
    }
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        good = await create_emulator_connection(gw, base)
        assert good.status == "ACTIVE" and good.status_detail is None
        secret_of_good = "wrong-secret"
        wrong_secret = await gw.create_connection(
            name="wrong-secret", client_id=good.client_id, client_secret=secret_of_good, **urls
        )
        assert wrong_secret.status == "INVALID_CREDENTIALS"
        assert wrong_secret.status_detail and repr(good.client_id) in wrong_secret.status_detail
        assert "invalid_client" in wrong_secret.status_detail
        assert secret_of_good not in wrong_secret.status_detail  # never echo a secret
        unknown = await gw.create_connection(
            name="unknown", client_id="nobody", client_secret="s", **urls
        )
        assert unknown.status == "INVALID_CREDENTIALS"
        assert unknown.status_detail and "'nobody'" in unknown.status_detail

        closed = f"http://127.0.0.1:{free_port()}"
        unreachable = await gw.create_connection(
            name="unreachable",
            client_id="x",
            client_secret="s",
            authorize_url=f"{closed}/authorize",
            token_url=f"{closed}/oauth/token",
            api_base_url=closed,
        )
        assert unreachable.status == "UNVERIFIED"
        assert unreachable.status_detail and "could not be reached" in unreachable.status_detail

        with pytest.raises(ConfigurationError, match="client_secret"):
            await gw.create_connection(name="n", client_id="x", client_secret="", **urls)
        with pytest.raises(ConfigurationError, match="token_url must be an http"):
            await gw.create_connection(
                name="n", client_id="x", client_secret="s", token_url="ftp://x/token"
            )
        with pytest.raises(ConfigurationError, match="Unknown provider 'hubspot'"):
            await gw.create_connection(
                name="n", client_id="x", client_secret="s", provider="hubspot"
            )
        # Fixing the secret re-validates and activates.
        fixed = await gw.update_connection("wrong-secret", client_secret="still-wrong")
        assert fixed.status == "INVALID_CREDENTIALS"


async def _expiring_connection(gw: AsyncGateway, emulator: RunningEmulator) -> None:
    """A connection whose emulator app issues one-hour tokens with single-use refresh tokens."""
    base = emulator.base_url
    await gw.create_connection(
        name="attio",
        client_id="pending",
        client_secret="pending",
        authorize_url=f"{base}/authorize",
        token_url=f"{base}/oauth/token",
        api_base_url=base,
        validate=False,
    )
    connection = await gw.get_connection("attio")
    async with httpx.AsyncClient(timeout=60) as http:
        app = (
            await http.post(
                f"{base}/_emulator/apps",
                json={
                    "name": "expiring",
                    "redirect_uris": [connection.redirect_uri],
                    "expiring_tokens": True,
                    "token_lifetime_seconds": 3600,
                },
            )
        ).json()
    await gw.update_connection(
        "attio", client_id=app["client_id"], client_secret=app["client_secret"]
    )


def _refreshes(emulator: RunningEmulator) -> int:
    table = emulator.state.store.table("oauth_refresh_tokens")
    return sum(1 for doc in table.values() if doc["used"])


async def test_expiring_token_is_refreshed_once_under_a_burst(
    tmp_path: Path, emulator: RunningEmulator, clock: FakeClock
) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path), clock=clock) as gw:
        await _expiring_connection(gw, emulator)
        await connect_user(gw, "u")
        first = await gw.actions.get_connected_account(identifier="u")
        assert first.connected_account.token_expires_at is not None
        old_token = first.connected_account.authorization_details["oauth_token"]["access_token"]

        # 59 minutes later the token is inside the refresh margin.
        later = datetime.now(UTC) + timedelta(minutes=59)
        clock.set(later)
        responses = await asyncio.gather(
            *(gw.actions.request(identifier="u", path="/v2/self") for _ in range(20))
        )
        assert {r.status_code for r in responses} == {200}
        assert _refreshes(emulator) == 1  # one refresh, not twenty
        second = await gw.actions.get_connected_account(identifier="u")
        assert second.connected_account.status == AccountStatus.ACTIVE
        new_token = second.connected_account.authorization_details["oauth_token"]["access_token"]
        assert new_token != old_token


async def test_refresh_lock_holds_across_gateways_on_redis(
    tmp_path: Path, emulator: RunningEmulator, redis_url: str, clock: FakeClock
) -> None:
    """Two gateways (as two processes would) on one store and one Redis: one refresh."""
    settings = Settings(data_dir=tmp_path, redis_url=redis_url)
    async with (
        AsyncGateway(settings, clock=clock) as one,
        AsyncGateway(settings, clock=clock) as two,
    ):
        await _expiring_connection(one, emulator)
        await connect_user(one, "u")
        later = datetime.now(UTC) + timedelta(minutes=59)
        clock.set(later)
        responses = await asyncio.gather(
            *(gw.actions.request(identifier="u", path="/v2/self") for gw in (one, two) * 5)
        )
        assert {r.status_code for r in responses} == {200}
        assert _refreshes(emulator) == 1


async def test_a_refused_refresh_expires_the_account_with_a_link(
    tmp_path: Path, emulator: RunningEmulator, clock: FakeClock
) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path), clock=clock) as gw:
        await _expiring_connection(gw, emulator)
        await connect_user(gw, "u")
        # The refresh token is spent elsewhere (say, a leaked copy was used).
        table = emulator.state.store.table("oauth_refresh_tokens")
        for doc in table.values():
            table.put(doc["refresh_token"], {**doc, "used": True})
        later = datetime.now(UTC) + timedelta(minutes=59)
        clock.set(later)
        with pytest.raises(AccountNotActiveError) as caught:
            await gw.actions.request(identifier="u", path="/v2/self")
        assert caught.value.status == AccountStatus.EXPIRED
        assert caught.value.authorization_link and "/authorize?" in caught.value.authorization_link
