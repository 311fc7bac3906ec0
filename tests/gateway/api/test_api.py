"""Every route of the JSON API: the happy path, authentication failures, and bad input
answered with the one error shape naming the field."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest

from attio_gateway.sdk.admin import create_api_client, revoke_api_client
from tests.gateway.api.conftest import ATTIO, Server, assert_error, token_request

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:jinja2")

#: (method, path) of every authenticated API route, for the authentication table.
AUTHENTICATED = [
    ("GET", "/api/v1/connections"),
    ("POST", "/api/v1/connections"),
    ("GET", "/api/v1/connections/attio"),
    ("PATCH", "/api/v1/connections/attio"),
    ("DELETE", "/api/v1/connections/attio"),
    ("POST", "/api/v1/connected-accounts/authorization-link"),
    ("POST", "/api/v1/connected-accounts/verify"),
    ("GET", "/api/v1/connected-accounts"),
    ("GET", "/api/v1/connected-accounts/x"),
    ("POST", "/api/v1/connected-accounts/x/disconnect"),
    ("DELETE", "/api/v1/connected-accounts/x"),
    ("GET", "/api/v1/tools"),
    ("GET", "/api/v1/tools/search"),
    ("POST", "/api/v1/tools/execute"),
    ("POST", "/api/v1/proxy"),
    ("GET", "/api/v1/audit-events"),
    ("GET", "/api/v1/logs"),
    ("GET", "/api/v1/logs/overview"),
    ("GET", "/api/v1/api-clients"),
    ("POST", "/api/v1/api-clients"),
    ("PATCH", "/api/v1/api-clients/x"),
    ("DELETE", "/api/v1/api-clients/x"),
    # permissions (docs/permissions.md)
    ("GET", "/api/v1/toolsets"),
    ("POST", "/api/v1/toolsets"),
    ("GET", "/api/v1/toolsets/x"),
    ("PATCH", "/api/v1/toolsets/x"),
    ("DELETE", "/api/v1/toolsets/x"),
    ("GET", "/api/v1/policies/rules"),
    ("POST", "/api/v1/policies/rules"),
    ("GET", "/api/v1/policies/rules/x"),
    ("PATCH", "/api/v1/policies/rules/x"),
    ("DELETE", "/api/v1/policies/rules/x"),
    ("GET", "/api/v1/policies/default"),
    ("PUT", "/api/v1/policies/default"),
    ("POST", "/api/v1/policies/load"),
    ("POST", "/api/v1/policies/evaluate"),
    ("GET", "/api/v1/budgets"),
    ("POST", "/api/v1/budgets"),
    ("DELETE", "/api/v1/budgets/x"),
    ("GET", "/api/v1/approvals"),
    ("GET", "/api/v1/approvals/x"),
    ("POST", "/api/v1/approvals/x/approve"),
    ("POST", "/api/v1/approvals/x/deny"),
    ("POST", "/api/v1/triggers/subscriptions"),
    ("GET", "/api/v1/triggers/subscriptions"),
    ("GET", "/api/v1/triggers/subscriptions/x"),
    ("DELETE", "/api/v1/triggers/subscriptions/x"),
    ("GET", "/api/v1/triggers/subscriptions/x/deliveries"),
    ("POST", "/api/v1/triggers/deliveries/x/replay"),
    ("GET", "/api/v1/triggers/events"),
]


def test_the_table_lists_every_authenticated_route(server: Server) -> None:
    schema = server.app.openapi()
    declared = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/") and path != "/api/v1/oauth/token"
        for method in operations
    }
    listed = {(m, re.sub(r"/(attio|x)(?=/|$)", "/{}", p)) for m, p in AUTHENTICATED}
    assert {(m, re.sub(r"\{[a-z_]+\}", "{}", p)) for m, p in declared} == listed


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
async def test_every_api_route_needs_a_bearer_token(server: Server, method: str, path: str) -> None:
    response = await server.anonymous.request(method, path)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "token",
    ["nonsense", "agat_e30.0000", "agat_!!!.x", "agat_", "agat_eyJzdWIiOiJ4IiwiZXhwIjo5fQ.00"],
)
async def test_forged_or_malformed_tokens_are_refused(server: Server, token: str) -> None:
    response = await server.anonymous.get(
        "/api/v1/connections", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 401, "unauthenticated")


async def test_token_endpoint_refuses_wrong_secret_and_unknown_client(server: Server) -> None:
    for client_id, secret in ((server.client_id, "wrong"), ("agc_nobody", server.client_secret)):
        response = await token_request(server.anonymous, client_id, secret)
        assert_error(response, 401, "unauthenticated")


async def test_token_endpoint_names_the_missing_field(server: Server) -> None:
    response = await server.anonymous.post(
        "/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "x"}
    )
    assert assert_error(response, 422, "invalid_request")["field"] == "client_secret"
    response = await server.anonymous.post(
        "/api/v1/oauth/token",
        data={"grant_type": "password", "client_id": "x", "client_secret": "y"},
    )
    assert assert_error(response, 422, "invalid_request")["field"] == "grant_type"


async def test_revoking_a_client_revokes_its_tokens_at_once(server: Server) -> None:
    assert (await server.client.get("/api/v1/connections")).status_code == 200
    await revoke_api_client(server.gateway, server.client_id)
    assert_error(await server.client.get("/api/v1/connections"), 401, "unauthenticated")
    response = await token_request(server.anonymous, server.client_id, server.client_secret)
    assert_error(response, 401, "unauthenticated")


# --- operations ---------------------------------------------------------------------------


async def test_healthz_and_openapi_need_no_token(server: Server) -> None:
    health = await server.anonymous.get("/healthz")
    assert health.json() == {"status": "ok", "connections": 0}
    schema = (await server.anonymous.get("/api/v1/openapi.json")).json()
    assert "/api/v1/tools/execute" in schema["paths"]
    assert (await server.anonymous.get("/api/docs")).status_code == 200


async def test_metrics_count_requests_tool_calls_and_account_states(connected: Server) -> None:
    await connected.client.post(
        "/api/v1/tools/execute", json={"tool_name": "attio_list_objects", "identifier": "alice"}
    )
    await connected.client.post(
        "/api/v1/tools/execute", json={"tool_name": "attio_list_objects", "identifier": "bob"}
    )
    await connected.client.post(
        "/api/v1/tools/execute", json={"tool_name": "no_such_tool", "identifier": "alice"}
    )
    text = (await connected.anonymous.get("/metrics")).text
    assert 'attio_gateway_tool_calls_total{outcome="not_found",tool="unknown"} 1.0' in text
    assert 'attio_gateway_tool_calls_total{outcome="success",tool="attio_list_objects"} 1.0' in text
    assert (
        'attio_gateway_tool_calls_total{outcome="not_found",tool="attio_list_objects"} 1.0' in text
    )
    assert 'attio_gateway_connected_accounts{status="ACTIVE"} 1.0' in text
    assert "attio_gateway_upstream_latency_seconds_count" in text
    assert "attio_gateway_upstream_rate_limited_total 0.0" in text
    assert (
        'attio_gateway_http_requests_total{method="POST",route="/api/v1/tools/execute",status="200"}'
        in text
    )


async def test_unknown_routes_and_methods_keep_the_error_shape(server: Server) -> None:
    assert_error(await server.client.get("/api/v1/nothing"), 404, "not_found")
    assert_error(await server.client.put("/api/v1/connections"), 405, "method_not_allowed")


async def test_a_request_id_given_by_the_caller_is_echoed(server: Server) -> None:
    response = await server.client.get("/api/v1/nothing", headers={"X-Request-ID": "abc-123"})
    assert response.json()["error"]["request_id"] == "abc-123"


# --- connections --------------------------------------------------------------------------


async def test_connection_lifecycle_with_validation(server: Server) -> None:
    app_answer = await server.gateway.http.post(
        f"{ATTIO}/_emulator/apps", json={"name": "t", "redirect_uris": ["http://x/cb"]}
    )
    emulator_app = app_answer.json()
    body = {
        "name": "crm",
        "client_id": emulator_app["client_id"],
        "client_secret": emulator_app["client_secret"],
        "scopes": ["record_permission:read", "object_configuration:read"],
        "authorize_url": f"{ATTIO}/authorize",
        "token_url": f"{ATTIO}/oauth/token",
        "api_base_url": ATTIO,
    }
    created = await server.client.post("/api/v1/connections", json=body)
    assert created.status_code == 201, created.text
    connection = created.json()
    assert connection["status"] == "ACTIVE"
    assert connection["redirect_uri"].endswith(f"/sso/v1/oauth/{connection['id']}/callback")
    assert "client_secret" not in connection

    listed = (await server.client.get("/api/v1/connections")).json()["connections"]
    assert [c["name"] for c in listed] == ["crm"]
    assert (await server.client.get("/api/v1/connections/crm")).json()["id"] == connection["id"]

    wrong = await server.client.patch("/api/v1/connections/crm", json={"client_secret": "nope"})
    assert wrong.json()["status"] == "INVALID_CREDENTIALS" and wrong.json()["status_detail"]
    scoped = await server.client.patch("/api/v1/connections/crm", json={"scopes": ["note:read"]})
    assert scoped.json()["scopes"] == ["note:read"]

    duplicate = await server.client.post("/api/v1/connections", json=body)
    assert_error(duplicate, 409, "conflict")

    assert (await server.client.delete("/api/v1/connections/crm")).status_code == 204
    assert_error(await server.client.get("/api/v1/connections/crm"), 404, "not_found")
    assert_error(await server.client.delete("/api/v1/connections/crm"), 404, "not_found")
    assert_error(await server.client.patch("/api/v1/connections/crm", json={}), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "client_id"),
        ({"client_id": "a"}, "client_secret"),
        ({"client_id": "a", "client_secret": ""}, "client_secret"),
        ({"client_id": "a", "client_secret": "b", "provider": "salesforce"}, "provider"),
        ({"client_id": "a", "client_secret": "b", "scopes": ["everything"]}, "scopes.0"),
        ({"client_id": "a", "client_secret": "b", "token_url": "ftp://x"}, "token_url"),
        ({"client_id": " ", "client_secret": "b"}, "client_id"),
        ({"name": "", "client_id": "a", "client_secret": "b"}, "name"),
    ],
)
async def test_bad_connection_input_names_the_field(
    server: Server, body: dict[str, object], field: str
) -> None:
    response = await server.client.post("/api/v1/connections", json=body)
    assert assert_error(response, 422, "invalid_request")["field"] == field


async def test_a_body_that_is_not_json_is_a_clear_error(server: Server) -> None:
    response = await server.client.post(
        "/api/v1/connections", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "invalid_request")


# --- connected accounts and the callback --------------------------------------------------


async def test_link_consent_callback_and_account_routes(connected: Server) -> None:
    client = connected.client
    link = await client.post(
        "/api/v1/connected-accounts/authorization-link", json={"identifier": "bob"}
    )
    assert link.status_code == 200, link.text
    # The user approves on the emulator's consent page...
    http = connected.gateway.http
    page = await http.get(link.json()["link"])
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    answer = await http.post(f"{ATTIO}/authorize", data={**fields, "decision": "approve"})
    callback = urlparse(answer.headers["location"])
    # ...and Attio redirects them to the gateway's callback, which shows a friendly page.
    done = await connected.anonymous.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200 and "connected" in done.text
    assert "text/html" in done.headers["content-type"]

    listed = (await client.get("/api/v1/connected-accounts", params={"identifier": "bob"})).json()
    (bob,) = listed["connected_accounts"]
    assert bob["status"] == "ACTIVE" and bob["workspace"]["name"]
    details = (await client.get(f"/api/v1/connected-accounts/{bob['id']}")).json()
    assert (
        "access_token" not in details["connected_account"]["authorization_details"]["oauth_token"]
    )
    with_tokens = await client.get(
        f"/api/v1/connected-accounts/{bob['id']}", params={"include_tokens": "true"}
    )
    assert with_tokens.json()["connected_account"]["authorization_details"]["oauth_token"][
        "access_token"
    ]

    disconnected = await client.post(f"/api/v1/connected-accounts/{bob['id']}/disconnect")
    assert disconnected.json()["connected_account"]["status"] == "DISCONNECTED"
    executed = await client.post(
        "/api/v1/tools/execute", json={"tool_name": "attio_list_objects", "identifier": "bob"}
    )
    error = assert_error(executed, 403, "account_not_active")
    assert error["status"] == "DISCONNECTED" and str(error["authorization_link"]).startswith(ATTIO)

    assert (await client.delete(f"/api/v1/connected-accounts/{bob['id']}")).status_code == 204
    assert_error(await client.get(f"/api/v1/connected-accounts/{bob['id']}"), 404, "not_found")
    assert_error(
        await client.post(f"/api/v1/connected-accounts/{bob['id']}/disconnect"), 404, "not_found"
    )
    assert_error(await client.delete(f"/api/v1/connected-accounts/{bob['id']}"), 404, "not_found")


async def test_the_callback_explains_failures_to_the_user(connected: Server) -> None:
    connection = (await connected.client.get("/api/v1/connections/attio")).json()
    path = f"/sso/v1/oauth/{connection['id']}/callback"
    replay = await connected.anonymous.get(path, params={"code": "c", "state": "never-issued"})
    assert replay.status_code == 400 and "new link" in replay.text
    no_state = await connected.anonymous.get(path)
    assert no_state.status_code == 400 and "text/html" in no_state.headers["content-type"]

    link = await connected.client.post(
        "/api/v1/connected-accounts/authorization-link", json={"identifier": "carol"}
    )
    state = dict(parse_qsl(urlparse(link.json()["link"]).query))["state"]
    denied = await connected.anonymous.get(path, params={"error": "access_denied", "state": state})
    assert denied.status_code == 400 and "denied" in denied.text


async def test_user_verification_through_the_api(connected: Server) -> None:
    link = await connected.client.post(
        "/api/v1/connected-accounts/authorization-link",
        json={"identifier": "dave", "user_verify_url": "https://app.example/verify"},
    )
    http = connected.gateway.http
    page = await http.get(link.json()["link"])
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    answer = await http.post(f"{ATTIO}/authorize", data={**fields, "decision": "approve"})
    callback = urlparse(answer.headers["location"])
    redirect = await connected.anonymous.get(f"{callback.path}?{callback.query}")
    assert redirect.status_code == 302
    target = dict(parse_qsl(urlparse(redirect.headers["location"]).query))
    verified = await connected.client.post(
        "/api/v1/connected-accounts/verify",
        json={"auth_request_id": target["auth_request_id"], "identifier": "dave"},
    )
    assert verified.status_code == 200, verified.text
    replayed = await connected.client.post(
        "/api/v1/connected-accounts/verify",
        json={"auth_request_id": target["auth_request_id"], "identifier": "dave"},
    )
    assert_error(replayed, 400, "oauth_error")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/connected-accounts/authorization-link", {}, "identifier"),
        ("/api/v1/connected-accounts/authorization-link", {"identifier": ""}, "identifier"),
        (
            "/api/v1/connected-accounts/authorization-link",
            {"identifier": "a", "user_verify_url": "javascript:x"},
            "user_verify_url",
        ),
        ("/api/v1/connected-accounts/verify", {"identifier": "a"}, "auth_request_id"),
        ("/api/v1/tools/execute", {"identifier": "a"}, "tool_name"),
        ("/api/v1/tools/execute", {"tool_name": "t", "tool_input": []}, "tool_input"),
        ("/api/v1/tools/execute", {"tool_name": "t", "output": "xml"}, "output"),
        ("/api/v1/proxy", {"path": "v2/objects"}, "path"),
        ("/api/v1/proxy", {"path": "/v2/objects", "method": "TRACE"}, "method"),
        ("/api/v1/api-clients", {"name": ""}, "name"),
    ],
)
async def test_bad_input_names_the_field(
    server: Server, path: str, body: dict[str, object], field: str
) -> None:
    response = await server.client.post(path, json=body)
    assert assert_error(response, 422, "invalid_request")["field"] == field


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/connected-accounts", {"page_size": "0"}, "page_size"),
        ("/api/v1/connected-accounts", {"page_token": "abc"}, "page_token"),
        ("/api/v1/tools", {"page_size": "many"}, "page_size"),
        ("/api/v1/audit-events", {"limit": "-1"}, "limit"),
    ],
)
async def test_bad_query_parameters_name_the_field(
    server: Server, path: str, params: dict[str, str], field: str
) -> None:
    response = await server.client.get(path, params=params)
    assert assert_error(response, 422, "invalid_request")["field"] == field


async def test_a_link_for_an_unknown_connection_is_not_found(connected: Server) -> None:
    response = await connected.client.post(
        "/api/v1/connected-accounts/authorization-link",
        json={"identifier": "a", "connection_name": "nope"},
    )
    assert_error(response, 404, "not_found")


# --- tools, proxy, audit ------------------------------------------------------------------


async def test_tools_list_says_what_a_users_grant_allows(connected: Server) -> None:
    everything = (await connected.client.get("/api/v1/tools")).json()
    assert everything["total_size"] == len(everything["tools"]) > 10
    first = everything["tools"][0]["definition"]
    assert {"name", "description", "input_schema", "annotations"} <= set(first)
    for_alice = (
        await connected.client.get(
            "/api/v1/tools", params={"identifier": "alice", "query": "objects"}
        )
    ).json()
    assert for_alice["tools"] and all("usable" in t for t in for_alice["tools"])
    one = await connected.client.get("/api/v1/tools", params={"tool_name": "attio_list_objects"})
    assert [t["definition"]["name"] for t in one.json()["tools"]] == ["attio_list_objects"]
    unknown = await connected.client.get("/api/v1/tools", params={"tool_name": "attio_nope"})
    assert_error(unknown, 404, "not_found")


async def test_execute_a_tool_and_find_it_in_the_audit_log(connected: Server) -> None:
    result = await connected.client.post(
        "/api/v1/tools/execute",
        json={
            "tool_name": "attio_create_company",
            "identifier": "alice",
            "tool_input": {"values": {"name": "Acme", "domains": ["acme.com"]}},
        },
    )
    assert result.status_code == 200, result.text
    execution_id = result.json()["execution_id"]
    bad = await connected.client.post(
        "/api/v1/tools/execute",
        json={"tool_name": "attio_create_company", "identifier": "alice", "tool_input": {"x": 1}},
    )
    assert_error(bad, 400, "tool_input_error")
    events = (
        await connected.client.get(
            "/api/v1/audit-events",
            params={"identifier": "alice", "tool_name": "attio_create_company"},
        )
    ).json()["audit_events"]
    assert [e["outcome"] for e in events] == ["error", "success"]
    assert events[1]["event_id"] == execution_id
    failed = await connected.client.get("/api/v1/audit-events", params={"outcome": "error"})
    assert [e["error_code"] for e in failed.json()["audit_events"]] == ["tool_input_error"]


async def test_proxy_passes_attio_answers_through(connected: Server) -> None:
    ok = await connected.client.post(
        "/api/v1/proxy", json={"path": "/v2/objects", "identifier": "alice"}
    )
    assert ok.status_code == 200
    assert ok.json()["status_code"] == 200 and ok.json()["body"]["data"]
    missing = await connected.client.post(
        "/api/v1/proxy", json={"path": "/v2/objects/nope", "identifier": "alice"}
    )
    assert missing.status_code == 200 and missing.json()["status_code"] == 404
    nobody = await connected.client.post(
        "/api/v1/proxy", json={"path": "/v2/objects", "identifier": "nobody"}
    )
    assert_error(nobody, 404, "not_found")


# --- API clients --------------------------------------------------------------------------


async def test_api_clients_create_list_revoke(server: Server) -> None:
    created = await server.client.post("/api/v1/api-clients", json={"name": "agent"})
    assert created.status_code == 201
    new = created.json()
    token = await server.anonymous.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": new["client_id"],
            "client_secret": new["client_secret"],
        },
    )
    assert token.json()["token_type"] == "Bearer" and token.json()["expires_in"] == 3600
    listed = (await server.client.get("/api/v1/api-clients")).json()["api_clients"]
    assert {c["name"] for c in listed} == {"tests", "agent"}
    assert all("secret" not in str(c) for c in listed)
    assert (
        await server.client.delete(f"/api/v1/api-clients/{new['client_id']}")
    ).status_code == 204
    again = await server.client.delete(f"/api/v1/api-clients/{new['client_id']}")
    assert_error(again, 404, "not_found")


async def test_a_client_made_in_process_works_over_http(server: Server) -> None:
    credentials = await create_api_client(server.gateway, name="other")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server.app), base_url="http://gateway.test"
    ) as fresh:
        token = await token_request(fresh, credentials.client_id, credentials.client_secret)
        assert token.status_code == 200
