"""Schemathesis against the gateway's own OpenAPI, over real HTTP: no 5xx, and every
response matches the schema it declares. Bounded (few examples per operation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from tests.gateway.served import ServedGateway

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedGateway]:
    served = ServedGateway(
        tmp_path_factory.mktemp("schemathesis"), identifier="alice", client_name="schemathesis"
    )
    with served as gateway:
        yield gateway


@pytest.fixture(scope="module")
def token(running: ServedGateway) -> str:
    """A bearer token of the API client with every scope, issued by the served gateway."""
    answer = httpx.post(
        f"{running.base_url}/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": running.credentials.client_id,
            "client_secret": running.credentials.client_secret,
        },
    )
    assert answer.status_code == 200, answer.text
    access_token: str = answer.json()["access_token"]
    return access_token


# The document does not depend on settings: build it once from a throwaway app.
schema = schemathesis.openapi.from_dict(create_app(Settings(data_dir=Path("unused"))).openapi())


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case, running: ServedGateway, token: str
) -> None:
    case.call_and_validate(
        base_url=running.base_url,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )
