"""Grants parked for user verification, against the emulator's OAuth server over HTTP:
they survive vault rotation and the removal of the old key, a lost key is a clear 4xx,
and a grant refused (burnt), verified too late or never verified is revoked at Attio
and its sealed tokens dropped; requests past their deadline are purged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import OAuthFlowError
from attio_gateway.oauth import flow, grants
from attio_gateway.sdk import AccountStatus, AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, consent, create_emulator_connection
from attio_gateway.storage import queries as q
from attio_gateway.vault.keyring import key_file, new_key_text, parse_key, write_key_file
from attio_gateway.vault.rotation import rotate
from tests.gateway.conftest import FakeClock

VERIFY_URL = "https://app.example/verify"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def gateway(
    settings: Settings, emulator: RunningEmulator, clock: FakeClock
) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(settings, clock=clock) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        yield gw


async def park(gateway: AsyncGateway, identifier: str) -> str:
    """A link with user verification for ``identifier``, approved: the grant is parked.
    Returns the ``auth_request_id`` the app receives."""
    link = await gateway.actions.get_authorization_link(
        identifier=identifier, user_verify_url=VERIFY_URL
    )
    result = await consent(gateway, link.link)
    assert result.status == AccountStatus.PENDING_VERIFICATION and result.redirect_url
    return dict(httpx.URL(result.redirect_url).params)["auth_request_id"]


async def parked_token(gateway: AsyncGateway, auth_request_id: str) -> SecretStr:
    request = await q.get_authorization_request(gateway.db, state=auth_request_id)
    assert request is not None
    return gateway.lifecycle.grants.parked(request).access_token


async def active_at_attio(
    gateway: AsyncGateway, emulator: RunningEmulator, token: SecretStr
) -> bool:
    info = await flow.introspect(
        gateway.http, api_base_url=emulator.base_url, path="/v2/self", token=token
    )
    return info is not None


def replace_keys(settings: Settings, *lines: str) -> None:
    write_key_file(key_file(settings), list(lines))


async def test_a_parked_grant_survives_rotation_and_removal_of_the_old_key(
    gateway: AsyncGateway, settings: Settings, emulator: RunningEmulator
) -> None:
    await connect_user(gateway, "bob")  # an active account, credentials sealed
    auth_request_id = await park(gateway, "alice")

    new_key = new_key_text()
    old_lines = key_file(settings).read_text().split()
    replace_keys(settings, new_key, *old_lines)  # what `vault rotate` writes first
    report = await rotate(gateway.db, gateway.keyring)
    assert report.key_id == parse_key(new_key)[0]
    replace_keys(settings, new_key)  # the operator retires the old key

    # The running gateway follows the key file: bob's re-sealed token still opens...
    assert (await gateway.actions.request(identifier="bob", path="/v2/self")).status_code == 200
    # ...and so does a restarted one, for the parked grant and the live token alike.
    async with AsyncGateway(settings) as restarted:
        verified = await restarted.actions.verify_connected_account_user(auth_request_id, "alice")
        assert verified.post_user_verify_redirect_url
        for identifier in ("alice", "bob"):
            response = await restarted.actions.request(identifier=identifier, path="/v2/self")
            assert response.status_code == 200


async def test_a_parked_grant_whose_key_was_lost_is_a_clear_refusal(
    gateway: AsyncGateway, settings: Settings
) -> None:
    auth_request_id = await park(gateway, "alice")
    replace_keys(settings, new_key_text())  # the key that sealed the grant is gone
    with pytest.raises(OAuthFlowError, match="can no longer be opened") as refused:
        await gateway.actions.verify_connected_account_user(auth_request_id, "alice")
    assert refused.value.http_status == 400
    assert "authorize again" in refused.value.message
    request = await q.get_authorization_request(gateway.db, state=auth_request_id)
    assert request is not None and request.pending_token_sealed is None


async def test_a_burnt_grant_is_revoked_at_attio_and_dropped(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    auth_request_id = await park(gateway, "alice")
    token = await parked_token(gateway, auth_request_id)
    assert await active_at_attio(gateway, emulator, token)

    with pytest.raises(OAuthFlowError, match="not the user it was sent to"):
        await gateway.actions.verify_connected_account_user(auth_request_id, "mallory")
    assert not await active_at_attio(gateway, emulator, token)
    request = await q.get_authorization_request(gateway.db, state=auth_request_id)
    assert request is not None
    assert request.pending_token_sealed is None and request.pending_grant is None
    with pytest.raises(OAuthFlowError, match="No authorization is waiting"):
        await gateway.actions.verify_connected_account_user(auth_request_id, "alice")


async def test_verification_after_the_deadline_is_refused_and_the_grant_revoked(
    gateway: AsyncGateway, emulator: RunningEmulator, clock: FakeClock
) -> None:
    auth_request_id = await park(gateway, "alice")
    token = await parked_token(gateway, auth_request_id)
    later = datetime.now(UTC) + grants.VERIFICATION_TTL + timedelta(seconds=5)
    clock.set(later)

    with pytest.raises(OAuthFlowError, match="deadline to verify this user passed") as refused:
        await gateway.actions.verify_connected_account_user(auth_request_id, "alice")
    assert refused.value.http_status == 400
    assert not await active_at_attio(gateway, emulator, token)
    account = await gateway.actions.get_connected_account_details(identifier="alice")
    assert account.connected_account.status != AccountStatus.ACTIVE


async def test_the_deadline_starts_at_the_callback(gateway: AsyncGateway, clock: FakeClock) -> None:
    """A user who comes back at the end of the link's ten minutes still leaves the app the
    whole verification window."""
    link = await gateway.actions.get_authorization_link(
        identifier="alice", user_verify_url=VERIFY_URL
    )
    late = datetime.now(UTC) + timedelta(minutes=9)
    clock.set(late)
    result = await consent(gateway, link.link)
    assert result.redirect_url is not None
    auth_request_id = dict(httpx.URL(result.redirect_url).params)["auth_request_id"]
    request = await q.get_authorization_request(gateway.db, state=auth_request_id)
    assert request is not None and request.expires_at == late + grants.VERIFICATION_TTL
    clock.set(late + timedelta(minutes=5))
    await gateway.actions.verify_connected_account_user(auth_request_id, "alice")


async def test_expired_requests_are_purged_and_unverified_grants_revoked(
    gateway: AsyncGateway, emulator: RunningEmulator, clock: FakeClock
) -> None:
    never_verified = await park(gateway, "alice")
    token = await parked_token(gateway, never_verified)
    verified = await park(gateway, "bob")
    await gateway.actions.verify_connected_account_user(verified, "bob")
    unused_link = await gateway.actions.get_authorization_link(identifier="carol")
    unused = dict(httpx.URL(unused_link.link).params)["state"]

    # Link creation purges (at most once a minute per process): due now, an hour later.
    later = datetime.now(UTC) + timedelta(hours=1)
    clock.set(later)
    await gateway.actions.get_authorization_link(identifier="dave")

    for state in (never_verified, verified, unused):
        assert await q.get_authorization_request(gateway.db, state=state) is None
    assert not await active_at_attio(gateway, emulator, token)
    # bob's verified grant is his working token: it was not revoked.
    assert (await gateway.actions.request(identifier="bob", path="/v2/self")).status_code == 200


async def test_a_gateway_purges_when_it_opens(
    gateway: AsyncGateway,
    settings: Settings,
    emulator: RunningEmulator,
    clock: FakeClock,
) -> None:
    auth_request_id = await park(gateway, "alice")
    token = await parked_token(gateway, auth_request_id)
    later = datetime.now(UTC) + timedelta(hours=1)
    clock.set(later)
    async with AsyncGateway(settings, clock=clock) as restarted:
        assert await q.get_authorization_request(restarted.db, state=auth_request_id) is None
    assert not await active_at_attio(gateway, emulator, token)


async def test_a_callback_whose_verifier_key_was_lost_is_a_clear_refusal(
    gateway: AsyncGateway, settings: Settings
) -> None:
    link = await gateway.actions.get_authorization_link(identifier="alice")
    replace_keys(settings, new_key_text())  # the key that sealed the PKCE verifier is gone
    with pytest.raises(OAuthFlowError, match="can no longer be completed") as refused:
        await consent(gateway, link.link)
    assert refused.value.http_status == 400 and "new link" in refused.value.message
