"""The proxy reaches Attio's REST API (/v2/) and nothing else of its host, sends only the
headers a caller may set, and answers bad input with a 400 naming the field (issue 14, items
5, 8 and 11) — over HTTP and through the SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest

from attio_gateway.errors import ToolInputError
from tests.gateway.api.conftest import Server, assert_error


async def proxy(server: Server, **request: Any) -> Any:
    return await server.client.post(
        "/api/v1/proxy", json={"identifier": "alice", "method": "GET", **request}
    )


async def company(server: Server) -> str:
    created = await proxy(
        server,
        method="POST",
        path="/v2/objects/companies/records",
        body={"data": {"values": {"name": "Acme"}}},
    )
    assert created.status_code == 200, created.text
    return str(created.json()["body"]["data"]["id"]["record_id"])


@pytest.mark.parametrize(
    "path",
    [
        "/v2/../_emulator/reset",
        "/v2/%2e%2e/_emulator/reset",
        "/v2/%2E%2E/_emulator/reset",
        "/v2/..%2f_emulator/reset",
        "/v2/objects/..%2F..%2F_emulator/reset",
        "/_emulator/reset",
        "/../../_emulator/reset",
        "//attio.test/_emulator/reset",
        "/v2\\..\\_emulator\\reset",
    ],
)
async def test_no_path_reaches_the_host_outside_v2(connected: Server, path: str) -> None:
    record_id = await company(connected)
    answer = await proxy(connected, method="POST", path=path, body={})
    error = assert_error(answer, 400, "tool_input_error")
    assert error["field"] == "path"
    assert "/v2/" in str(error["message"])
    # The emulator was not reset: the company (and the token) are still there.
    got = await proxy(connected, path=f"/v2/objects/companies/records/{record_id}")
    assert got.status_code == 200, got.text
    assert got.json()["status_code"] == 200


@pytest.mark.parametrize(
    "path", ["/v2/%2e%2e/oauth/token", "/oauth/token", "/v2/objects/../../oauth/introspect"]
)
async def test_the_oauth_endpoints_of_attios_host_are_not_reachable(
    connected: Server, path: str
) -> None:
    answer = await proxy(connected, method="POST", path=path)
    assert assert_error(answer, 400, "tool_input_error")["field"] == "path"


async def test_a_path_under_v2_is_sent_normalised(connected: Server) -> None:
    answer = await proxy(connected, path="/v2//objects/./companies/../people")
    assert answer.status_code == 200, answer.text
    assert answer.json()["body"]["data"]["api_slug"] == "people"


@pytest.mark.parametrize("path", ["/v2/objects\u0000", "/v2/obj%00ects", "/v2/\u0007x"])
async def test_nul_and_control_characters_in_a_path_are_a_400(connected: Server, path: str) -> None:
    answer = await proxy(connected, path=path)
    assert assert_error(answer, 400, "tool_input_error")["field"] == "path"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"data": {"values": {"name": NaN}}}', "body.data.values.name"),
        ('{"data": [Infinity]}', "body.data.0"),
        ("-Infinity", "body"),
    ],
)
async def test_nan_or_infinity_in_a_proxy_body_is_a_400_naming_where(
    connected: Server, body: str, field: str
) -> None:
    # Python's json reads NaN/Infinity; JSON (and Attio) has no such numbers.
    raw = (
        '{"identifier": "alice", "method": "POST", "path": "/v2/objects/companies/records", '
        f'"body": {body}}}'
    )
    answer = await connected.client.post(
        "/api/v1/proxy", content=raw, headers={"content-type": "application/json"}
    )
    error = assert_error(answer, 400, "tool_input_error")
    assert error["field"] == field
    listed = await proxy(connected, method="POST", path="/v2/objects/companies/records/query")
    assert listed.json()["body"]["data"] == []  # nothing was created


# --- through the SDK ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["authorization", "AUTHORIZATION", "Host", "content-length", "Cookie", "Proxy-Authorization"],
)
async def test_the_sdk_refuses_headers_the_gateway_owns_and_the_account_stays_active(
    connected: Server, header: str
) -> None:
    actions = connected.gateway.actions
    with pytest.raises(ToolInputError) as caught:
        await actions.request(
            identifier="alice", path="/v2/self", headers={header: "Bearer not-a-token"}
        )
    assert caught.value.field == f"headers.{header}"
    # Before: a lower-case authorization went out too, /v2/self answered inactive, and the
    # healthy account was marked EXPIRED.
    account = await actions.get_connected_account(identifier="alice")
    assert account.connected_account.status == "ACTIVE"
    me = await actions.request(identifier="alice", path="/v2/self", headers={"X-Note": "ok"})
    assert me.status_code == 200 and json.loads(me.text)["active"] is True


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"path": "/v2/%2e%2e/oauth/token"}, "path"),
        ({"path": "/v2/objects\x00"}, "path"),
        ({"path": "/v2/" + "x" * 100_000}, "path"),
        ({"path": "/v2/objects", "method": "TRACE"}, "method"),
        ({"path": "/v2/notes", "method": "POST", "json": {"n": float("nan")}}, "body.n"),
        ({"path": "/v2/self", "headers": {"Connection": "close"}}, "headers.Connection"),
        ({"path": "/v2/self", "headers": {"X-A": "b\r\nHost: evil"}}, "headers.X-A"),
    ],
)
async def test_the_sdk_request_refuses_bad_input_naming_the_field(
    connected: Server, given: dict[str, Any], field: str
) -> None:
    with pytest.raises(ToolInputError) as caught:
        await connected.gateway.actions.request(identifier="alice", **given)
    assert caught.value.field == field
