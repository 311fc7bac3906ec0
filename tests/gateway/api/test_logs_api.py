"""``GET /api/v1/logs`` and ``GET /api/v1/logs/overview``: calls made through the API with an
agent_run_id are found by it, with their tier and code; filters, the cursor, bad input,
scopes and connection restrictions. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.sdk.admin import create_api_client
from tests.gateway.api.conftest import BASE, Server, assert_error, token_request

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:jinja2")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, base_url=BASE, database_url=database_url)


async def as_client(server: Server, scopes: list[str], connections: list[str] | None) -> str:
    made = await create_api_client(
        server.gateway, name="reader", scopes=scopes, connections=connections
    )
    answer = await token_request(server.anonymous, made.client_id, made.client_secret)
    return f"Bearer {answer.json()['access_token']}"


async def test_calls_are_found_by_their_agent_run_id(connected: Server) -> None:
    http = connected.client
    run = {"agent_run_id": "run-42"}
    done = await http.post(
        "/api/v1/tools/execute",
        json={"tool_name": "attio_list_objects", "identifier": "alice", **run},
    )
    assert done.status_code == 200, done.text
    missing = await http.post(
        "/api/v1/proxy", json={"path": "/v2/objects/nope", "identifier": "alice", **run}
    )
    assert missing.json()["status_code"] == 404
    await http.post(
        "/api/v1/tools/execute", json={"tool_name": "attio_list_objects", "identifier": "alice"}
    )

    page = (await http.get("/api/v1/logs", params={"agent_run_id": "run-42"})).json()
    assert [(e["kind"], e["outcome"], e["error_tier"], e["error_code"]) for e in page["logs"]] == [
        ("proxy", "error", "attio", "not_found"),
        ("tool", "success", None, None),
    ]
    assert page["logs"][1]["event_id"] == done.json()["execution_id"]
    assert all(e["agent_run_id"] == "run-42" and e["duration_ms"] >= 0 for e in page["logs"])
    assert page["next_cursor"] is None

    first = (await http.get("/api/v1/logs", params={"limit": 2})).json()
    assert len(first["logs"]) == 2 and first["next_cursor"]
    rest = (await http.get("/api/v1/logs", params={"cursor": first["next_cursor"]})).json()
    assert len(rest["logs"]) == 1 and rest["next_cursor"] is None
    assert (await http.get("/api/v1/logs", params={"error_tier": "attio"})).json()["logs"][0][
        "path"
    ] == "/v2/objects/nope"

    overview = (await http.get("/api/v1/logs/overview", params={"since": "1h"})).json()
    assert (overview["calls"], overview["errors"]) == (3, 1)
    assert overview["errors_by_tier"] == {"gateway": 0, "attio": 1, "policy": 0}
    assert overview["tools"][0] == {
        "tool_name": "attio_list_objects",
        "kind": "tool",
        "calls": 2,
        "errors": 0,
        "mean_duration_ms": overview["tools"][0]["mean_duration_ms"],
    }
    assert overview["latency_p50_ms"] is not None


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/logs", {"error_tier": "upstream"}, "error_tier"),
        ("/api/v1/logs", {"since": "last tuesday"}, "since"),
        ("/api/v1/logs", {"cursor": "nope"}, "cursor"),
        ("/api/v1/logs", {"kind": "webhook"}, "kind"),
        ("/api/v1/logs/overview", {"since": "1h", "until": "2h"}, "since"),
    ],
)
async def test_bad_filters_are_a_400_naming_them(
    connected: Server, path: str, params: dict[str, str], field: str
) -> None:
    response = await connected.client.get(path, params=params)
    assert assert_error(response, 400, "invalid_input")["field"] == field


async def test_a_bad_agent_run_id_is_a_400(connected: Server) -> None:
    response = await connected.client.post(
        "/api/v1/tools/execute",
        json={"tool_name": "attio_list_objects", "identifier": "alice", "agent_run_id": "a b"},
    )
    assert assert_error(response, 400, "tool_input_error")["field"] == "agent_run_id"


async def test_logs_need_accounts_read_and_keep_to_the_clients_connections(
    connected: Server,
) -> None:
    await connected.client.post(
        "/api/v1/tools/execute", json={"tool_name": "attio_list_objects", "identifier": "alice"}
    )
    tools_only = await as_client(connected, ["tools:execute"], None)
    for path in ("/api/v1/logs", "/api/v1/logs/overview"):
        response = await connected.anonymous.get(path, headers={"Authorization": tools_only})
        assert assert_error(response, 403, "insufficient_scope")["required_scope"] == (
            "accounts:read"
        )

    other = await as_client(connected, ["accounts:read"], ["other"])
    headers = {"Authorization": other}
    mine = await connected.anonymous.get("/api/v1/logs", headers=headers)
    assert mine.json() == {"logs": [], "next_cursor": None}
    theirs = await connected.anonymous.get(
        "/api/v1/logs", params={"connection_name": "attio"}, headers=headers
    )
    assert_error(theirs, 403, "forbidden")
    overview = await connected.anonymous.get("/api/v1/logs/overview", headers=headers)
    assert overview.json()["calls"] == 0

    everyone = await as_client(connected, ["accounts:read"], None)
    seen = await connected.anonymous.get("/api/v1/logs", headers={"Authorization": everyone})
    assert len(seen.json()["logs"]) == 1


async def test_the_openapi_schema_documents_the_routes(server: Server) -> None:
    paths = server.app.openapi()["paths"]
    assert "/api/v1/logs" in paths and "/api/v1/logs/overview" in paths
