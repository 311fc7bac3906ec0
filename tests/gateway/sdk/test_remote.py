"""The remote client against a real `attio-gateway serve`-style server and the emulator."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, NotFoundError, ToolInputError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client
from attio_gateway.sdk.remote import RemoteGateway
from attio_gateway.sdk.sandbox import consent, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    port = free_port()
    settings = Settings(data_dir=tmp_path, base_url=f"http://127.0.0.1:{port}")
    app = create_app(settings)
    instance = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield settings.base_url, settings
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


async def test_remote_actions_match_the_embedded_ones(
    server: tuple[str, Settings], emulator: RunningEmulator
) -> None:
    base_url, settings = server
    # The operator's one-time set-up, in process against the same state.
    async with AsyncGateway(settings) as local:
        await create_emulator_connection(local, emulator.base_url)
        credentials = await create_api_client(local, name="my app", scopes=ALL_SCOPES)

    with RemoteGateway(base_url, credentials.client_id, credentials.client_secret) as remote:
        with pytest.raises(NotFoundError, match="send the user an authorization link"):
            remote.actions.request(identifier="user_123", path="/v2/objects")
        link = remote.actions.get_authorization_link(identifier="user_123")
        with pytest.raises(AccountNotActiveError) as pending:  # not approved yet
            remote.actions.request(identifier="user_123", path="/v2/objects")
        assert pending.value.status == "PENDING_AUTH" and pending.value.authorization_link
        async with AsyncGateway(settings) as local:  # the user approves in Attio
            await consent(local, link.link)

        objects = remote.actions.request(identifier="user_123", path="/v2/objects")
        assert objects.status_code == 200
        assert "people" in {o["api_slug"] for o in objects["data"]}
        missing = remote.connect.request(identifier="user_123", path="/v2/objects/nope")
        assert missing.status_code == 404 and missing["code"] == "not_found"

        created = remote.actions.execute_tool(
            tool_name="attio_create_company",
            identifier="user_123",
            tool_input={"values": {"name": "Acme"}},
        )
        assert created.data["data"]["values"]["name"][0]["value"] == "Acme"
        with pytest.raises(ToolInputError) as bad:
            remote.actions.execute_tool(
                tool_name="attio_create_deal",
                identifier="user_123",
                tool_input={"values": {"name": "D", "stage": "Nurture"}},
            )
        assert "valid: Lead" in bad.value.message

        details = remote.actions.get_connected_account_details(identifier="user_123")
        assert details.connected_account.status == "ACTIVE"
        assert "access_token" not in details.connected_account.authorization_details["oauth_token"]
        with_tokens = remote.actions.get_connected_account(identifier="user_123")
        assert with_tokens.connected_account.authorization_details["oauth_token"]["access_token"]
        listed = remote.actions.list_connected_accounts(connection_name="attio")
        assert [a.identifier for a in listed.connected_accounts] == ["user_123"]
        tools = remote.actions.list_tools(identifier="user_123")
        assert tools["tools"]
        found = remote.actions.search_tools("create a company", identifier="user_123", limit=2)
        assert found["tools"][0] == {
            "name": "attio_create_company",
            "description": found["tools"][0]["description"],
            "status": "ready",
            "missing_scopes": [],
        }
        assert len(found["tools"]) == 2
        with pytest.raises(ToolInputError):
            remote.actions.search_tools("notes", limit=0)

        remote.actions.delete_connected_account(identifier="user_123")
        with pytest.raises(NotFoundError):
            remote.actions.get_connected_account_details(identifier="user_123")


def test_wrong_credentials_are_an_authentication_error(server: tuple[str, Settings]) -> None:
    from attio_gateway.errors import GatewayError

    base_url, _ = server
    with RemoteGateway(base_url, "nope", "wrong") as remote, pytest.raises(GatewayError) as caught:
        remote.actions.list_connected_accounts()
    assert caught.value.code == "unauthenticated"


async def test_remote_disconnect_and_what_the_server_proxy_does_not_send(
    server: tuple[str, Settings], emulator: RunningEmulator
) -> None:
    base_url, settings = server
    async with AsyncGateway(settings) as local:
        await create_emulator_connection(local, emulator.base_url)
        credentials = await create_api_client(local, name="my app", scopes=ALL_SCOPES)
        link = await local.actions.get_authorization_link(identifier="u")
        await consent(local, link.link)

    with RemoteGateway(base_url, credentials.client_id, credentials.client_secret) as remote:
        for given in ({"form_data": {"a": "b"}}, {"raw_body": "x"}, {"headers": {"X-A": "b"}}):
            with pytest.raises(ToolInputError) as refused:
                remote.actions.request(identifier="u", path="/v2/self", **given)
            assert refused.value.field == next(iter(given))
        disconnected = remote.actions.disconnect_connected_account(identifier="u")
        assert disconnected.connected_account.status == "DISCONNECTED"
        with pytest.raises(AccountNotActiveError):
            remote.actions.request(identifier="u", path="/v2/self")
