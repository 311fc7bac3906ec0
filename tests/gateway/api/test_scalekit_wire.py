"""Scalekit's REST endpoints on the gateway's port: ``POST /oauth/token`` and
``/proxy/{path}`` with ``connection_name``/``identifier`` headers (in process)."""

from __future__ import annotations

from tests.gateway.api.conftest import Server, assert_error


async def test_token_at_scalekits_path(server: Server) -> None:
    answer = await server.anonymous.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": server.client_id,
            "client_secret": server.client_secret,
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_token"] and answer.json()["token_type"].lower() == "bearer"
    wrong = await server.anonymous.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": server.client_id,
            "client_secret": "wrong",
        },
    )
    assert_error(wrong, 401, "unauthenticated")
    assert "/oauth/token" not in server.app.openapi()["paths"]


async def test_proxy_with_scalekits_headers(connected: Server) -> None:
    who = {"connection_name": "attio", "identifier": "alice"}
    me = await connected.client.get("/proxy/v2/self", headers=who)
    assert me.status_code == 200, me.text
    assert me.json()["active"] is True and me.headers["content-type"].startswith("application/")
    made = await connected.client.post(
        "/proxy/v2/objects/companies/records",
        headers=who,
        json={"data": {"values": {"name": [{"value": "Acme"}]}}},
    )
    assert made.status_code == 200, made.text
    record_id = made.json()["data"]["id"]["record_id"]
    found = await connected.client.get(
        f"/proxy/v2/objects/companies/records/{record_id}", headers=who
    )
    assert found.json()["data"]["id"]["record_id"] == record_id
    # Attio's refusals come back as Attio's answers, with Attio's status.
    bad = await connected.client.post(
        "/proxy/v2/objects/companies/records", headers=who, json={"data": {"values": 1}}
    )
    assert bad.status_code == 400 and "code" in bad.json()
    listed = await connected.client.get(
        "/proxy/v2/objects/companies/records/query", headers=who, params={"limit": "1"}
    )
    assert listed.status_code in (404, 405)  # GET on a POST-only path: Attio says so


async def test_proxy_refusals(connected: Server) -> None:
    who = {"connection_name": "attio", "identifier": "alice"}
    assert_error(await connected.client.get("/proxy/v2/self"), 400, "invalid_input")
    outside = await connected.client.get("/proxy/v1/../../admin", headers=who)
    assert outside.status_code in (400, 404)
    escaped = await connected.client.get("/proxy/v2/%2e%2e/%2e%2e/admin", headers=who)
    assert_error(escaped, 400, "tool_input_error")
    nobody = await connected.client.get(
        "/proxy/v2/self", headers={"connection_name": "attio", "identifier": "nobody"}
    )
    assert_error(nobody, 404, "not_found")
    no_token = await connected.anonymous.get("/proxy/v2/self", headers=who)
    assert_error(no_token, 401, "unauthenticated")
    forged = await connected.anonymous.get(
        "/proxy/v2/self", headers={**who, "Authorization": "Bearer nope"}
    )
    assert_error(forged, 401, "unauthenticated")
    not_json = await connected.client.post(
        "/proxy/v2/notes",
        headers={**who, "content-type": "application/json"},
        content=b"{not json",
    )
    assert_error(not_json, 400, "invalid_input")
    cookie = await connected.client.get("/proxy/v2/self", headers={**who, "cookie": "a=b"})
    assert_error(cookie, 400, "tool_input_error")
