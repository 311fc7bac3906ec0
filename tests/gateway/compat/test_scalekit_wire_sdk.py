"""The unmodified ``scalekit-sdk-python`` against the gateway served over HTTP: its
constructor authenticates at ``POST {env_url}/oauth/token`` and ``actions.request()``
goes through ``{env_url}/proxy{path}``. (Its other methods speak gRPC, not served yet.)"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from tests.gateway.served import ServedGateway

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the SDK's pydantic models use a deprecated Config
    import scalekit.client
    from scalekit.common.exceptions import ScalekitUnauthorizedException


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedGateway]:
    served = ServedGateway(
        tmp_path_factory.mktemp("scalekit-wire"), identifier="user_123", client_name="sdk"
    )
    with served as gateway:
        yield gateway


def test_the_unmodified_sdk_authenticates_and_proxies(running: ServedGateway) -> None:
    client = scalekit.client.ScalekitClient(
        env_url=running.base_url,
        client_id=running.credentials.client_id,
        client_secret=running.credentials.client_secret,
    )
    actions = client.actions
    me = actions.request(connection_name="attio", identifier="user_123", path="/v2/self")
    assert me.status_code == 200, me.text
    assert me.json()["active"] is True
    company = actions.request(
        connection_name="attio",
        identifier="user_123",
        path="/v2/objects/companies/records",
        method="POST",
        body={"data": {"values": {"name": [{"value": "Acme Corp"}]}}},
    )
    assert company.status_code == 200, company.text
    record_id = company.json()["data"]["id"]["record_id"]
    found = actions.request(
        connection_name="attio",
        identifier="user_123",
        path=f"/v2/objects/companies/records/{record_id}",
        query_params={"unused": "1"},
    )
    assert found.json()["data"]["id"]["record_id"] == record_id
    nobody = actions.request(connection_name="attio", identifier="nobody", path="/v2/self")
    assert nobody.status_code == 404 and nobody.json()["error"]["code"] == "not_found"


def test_wrong_credentials_raise_the_sdks_own_exception(running: ServedGateway) -> None:
    with pytest.raises(ScalekitUnauthorizedException):
        scalekit.client.ScalekitClient(
            env_url=running.base_url,
            client_id=running.credentials.client_id,
            client_secret="wrong",
        )
