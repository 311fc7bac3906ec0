"""Identity and input at the edges of the HTTP API: disagreeing identity parameters are
refused naming both; bad identifiers, connection names and URLs are 4xx naming the field."""

from __future__ import annotations

import pytest

from attio_gateway.errors import InvalidInputError
from attio_gateway.sdk.sandbox import connect_user
from tests.gateway.api.conftest import Server, assert_error


@pytest.fixture
async def two_users(connected: Server) -> tuple[Server, str]:
    """alice and bob connected; bob's connected_account_id."""
    await connect_user(connected.gateway, "bob")
    bob = await connected.gateway.actions.get_connected_account(identifier="bob")
    return connected, bob.connected_account.id


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/proxy", {"path": "/v2/self"}),
        ("/api/v1/tools/execute", {"tool_name": "attio_list_objects", "tool_input": {}}),
    ],
    ids=["proxy", "tools"],
)
async def test_an_identifier_and_another_users_account_id_are_refused_naming_both(
    two_users: tuple[Server, str], path: str, body: dict[str, object]
) -> None:
    server, bob_id = two_users
    response = await server.client.post(
        path, json={**body, "identifier": "alice", "connected_account_id": bob_id}
    )
    error = assert_error(response, 400, "tool_input_error")
    assert "'bob'" in str(error["message"]) and "'alice'" in str(error["message"])
    assert error["field"] == "identifier"
    # The same pair for one user is fine.
    agreeing = await server.client.post(
        path, json={**body, "identifier": "bob", "connected_account_id": bob_id}
    )
    assert agreeing.status_code == 200, agreeing.text


@pytest.mark.parametrize(
    "identifier", ["nul\x00inside", "tab\there", "x" * 501], ids=["nul", "control", "long"]
)
async def test_a_bad_identifier_is_a_400_naming_it(server: Server, identifier: str) -> None:
    await server.gateway.create_connection(
        name="attio", client_id="id", client_secret="secret", validate=False
    )
    response = await server.client.post(
        "/api/v1/connected-accounts/authorization-link", json={"identifier": identifier}
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["field"] == "identifier"


@pytest.mark.parametrize(
    "name", ["a/b", "with space", "..", "-leading", "é", "x" * 65], ids=lambda n: repr(n[:8])
)
async def test_connection_names_are_restricted_to_a_path_safe_set(
    server: Server, name: str
) -> None:
    response = await server.client.post(
        "/api/v1/connections",
        json={
            "name": name,
            "client_id": "id",
            "client_secret": "secret",
            "validate_credentials": False,
        },
    )
    error = assert_error(response, 400, "invalid_input")
    assert error["field"] == "name"


@pytest.mark.parametrize(
    "url",
    ["https://attio.test/oauth\r\nX-Injected: 1", "https://attio.test/\x00", "https://a b.test/"],
    ids=["crlf", "nul", "space"],
)
async def test_control_characters_in_a_connection_url_are_a_400(server: Server, url: str) -> None:
    response = await server.client.post(
        "/api/v1/connections",
        json={
            "name": "attio",
            "client_id": "id",
            "client_secret": "secret",
            "validate_credentials": False,
            "authorize_url": url,
        },
    )
    # The API's own pattern may refuse it first (422); either way a 4xx naming the field.
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["field"] == "authorize_url"
    with pytest.raises(InvalidInputError, match="control characters") as caught:
        await server.gateway.create_connection(
            name="attio", client_id="id", client_secret="s", validate=False, authorize_url=url
        )
    assert caught.value.field == "authorize_url"
