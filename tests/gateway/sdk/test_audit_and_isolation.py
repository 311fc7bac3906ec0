"""Audit records every proxy call and tool run without tokens or bodies; one user's revoked
token never touches another's account; /v2/self answering ``active: false`` expires it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway import AsyncGateway
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError
from attio_gateway.sdk import AccountStatus
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(tmp_path: Path, emulator: RunningEmulator) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "alice")
        await connect_user(gw, "bob")
        yield gw


async def _token(gateway: AsyncGateway, identifier: str) -> str:
    account = await gateway.actions.get_connected_account(identifier=identifier)
    token: str = account.connected_account.authorization_details["oauth_token"]["access_token"]
    return token


async def test_audit_holds_calls_not_tokens_or_bodies(gateway: AsyncGateway) -> None:
    marker = "body-marker-7f3a"
    created = await gateway.actions.request(
        identifier="alice",
        path="/v2/objects/companies/records",
        method="POST",
        json={"data": {"values": {"name": [{"value": marker}]}}},
    )
    assert created.status_code == 200
    missing = await gateway.actions.request(identifier="alice", path="/v2/objects/nope")
    assert missing.status_code == 404
    tool = await gateway.actions.execute_tool(
        tool_name="attio_list_objects", identifier="alice", tool_input={}
    )

    events = await gateway.audit_events(identifier="alice")
    proxy = sorted(
        (e.method, e.path, e.http_status, e.outcome) for e in events if e.kind == "proxy"
    )
    assert proxy == [
        ("GET", "/v2/objects/nope", 404, "error"),
        ("POST", "/v2/objects/companies/records", 200, "success"),
    ]
    tools = [e for e in events if e.kind == "tool"]
    assert [(e.tool_name, e.outcome, e.event_id) for e in tools] == [
        ("attio_list_objects", "success", tool.execution_id)
    ]
    assert all(e.connection_name == "attio" and e.duration_ms is not None for e in events)
    dumped = json.dumps([e.model_dump(mode="json") for e in events])
    assert marker not in dumped
    assert await _token(gateway, "alice") not in dumped


async def test_a_revoked_user_never_touches_another_users_account(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    alice, bob = await _token(gateway, "alice"), await _token(gateway, "bob")
    assert alice != bob
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=60) as http:
        assert (await http.post("/oauth/revoke", data={"token": alice})).status_code == 204

    # /v2/self still answers 200, with active false: the account expires at once.
    with pytest.raises(AccountNotActiveError) as caught:
        await gateway.actions.request(identifier="alice", path="/v2/self")
    assert caught.value.status == AccountStatus.EXPIRED
    assert caught.value.authorization_link
    with pytest.raises(AccountNotActiveError):  # fails fast from now on
        await gateway.actions.request(identifier="alice", path="/v2/objects")

    answer = await gateway.actions.request(identifier="bob", path="/v2/self")
    assert answer["active"] is True
    bob_account = await gateway.actions.get_connected_account_details(identifier="bob")
    assert bob_account.connected_account.status == AccountStatus.ACTIVE
    assert await _token(gateway, "bob") == bob
    expired = await gateway.audit_events(identifier="alice")
    assert any(e.error_code == "account_expired" for e in expired)
