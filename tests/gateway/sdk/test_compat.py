"""The compatibility client and the sync ``Gateway``: same surface, plain function calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import attio_gateway.compat.scalekit as scalekit
from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway import Gateway
from attio_gateway.compat.scalekit.common.exceptions import ScalekitNotFoundException
from attio_gateway.config import Settings
from attio_gateway.errors import AccountNotActiveError, NotFoundError
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


def test_scalekit_client_resolves_like_the_hosted_sdk(tmp_path: Path) -> None:
    client = scalekit.client.ScalekitClient(
        env_url="https://gw.example.com/", settings=Settings(data_dir=tmp_path)
    )
    with client:
        assert client.env_url == "https://gw.example.com"
        assert client.connect is client.actions
        with pytest.raises(ScalekitNotFoundException, match="No connection named 'attio'") as e:
            client.actions.get_authorization_link(connection_name="attio", identifier="u")
        # The hosted SDK's exception, with the gateway's error as its cause and detail.
        assert isinstance(e.value.__cause__, NotFoundError)
        assert e.value.gateway_error is e.value.__cause__
        assert (e.value.code, e.value.error_code) == ("not_found", "not_found")
    with pytest.raises(ValueError, match="env_url must be the gateway's http"):
        scalekit.ScalekitClient(env_url="gw.example.com", settings=Settings(data_dir=tmp_path))


def test_sync_gateway_runs_the_flow(tmp_path: Path, emulator: RunningEmulator) -> None:
    with Gateway(Settings(data_dir=tmp_path)) as gw:
        connection = gw.run(lambda g: create_emulator_connection(g, emulator.base_url))
        assert connection.redirect_uri.endswith(f"/sso/v1/oauth/{connection.id}/callback")
        with pytest.raises(NotFoundError, match="send the user an authorization link"):
            gw.actions.request(identifier="u", path="/v2/self")
        link = gw.actions.get_authorization_link(identifier="u")
        assert link["expiry"] == link.expiry
        with pytest.raises(AccountNotActiveError, match="has not authorized yet"):
            gw.actions.request(identifier="u", path="/v2/self")
        gw.run(lambda g: connect_user(g, "u"))
        answer = gw.actions.request(identifier="u", path="/v2/self")
        assert answer.status_code == 200 and answer["active"] is True
