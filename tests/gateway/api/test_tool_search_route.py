"""GET /api/v1/tools/search: the catalog ranked for a task, with the named user's readiness."""

from __future__ import annotations

from tests.gateway.api.conftest import Server, assert_error

SEARCH = "/api/v1/tools/search"


async def test_ranked_with_readiness_for_a_connected_user(connected: Server) -> None:
    answer = await connected.client.get(
        SEARCH, params={"query": "move a deal to another stage", "identifier": "alice", "limit": 3}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["query"] == "move a deal to another stage"
    assert len(body["tools"]) == 3
    assert "attio_update_list_entry" in [t["name"] for t in body["tools"]]
    assert {t["status"] for t in body["tools"]} == {"ready"}
    assert all(t["description"] and t["missing_scopes"] == [] for t in body["tools"])


async def test_a_user_not_connected_yet_needs_a_connection(connected: Server) -> None:
    answer = await connected.client.get(
        SEARCH, params={"query": "create a company", "identifier": "bob"}
    )
    assert answer.status_code == 200, answer.text
    top = answer.json()["tools"][0]
    assert top["name"] == "attio_create_company"
    assert top["status"] == "needs_connection"


async def test_without_a_user_there_is_no_readiness(connected: Server) -> None:
    answer = await connected.client.get(SEARCH, params={"query": "write a note about a company"})
    assert answer.status_code == 200, answer.text
    tools = answer.json()["tools"]
    assert tools and {t["status"] for t in tools} == {None}
    assert "attio_create_note" in [t["name"] for t in tools[:3]]


async def test_bad_input_is_a_4xx_naming_it(connected: Server) -> None:
    for params, field in (
        ({}, "query"),
        ({"query": ""}, "query"),
        ({"query": "notes", "limit": 0}, "limit"),
        ({"query": "notes", "limit": 21}, "limit"),
    ):
        answer = await connected.client.get(SEARCH, params=params)
        assert 400 <= answer.status_code < 500, (params, answer.text)
        assert field in answer.text, (params, answer.text)
    unknown = await connected.client.get(
        SEARCH, params={"query": "notes", "identifier": "alice", "connection_name": "nope"}
    )
    assert_error(unknown, 404, "not_found")
    no_id = await connected.client.get(
        SEARCH, params={"query": "notes", "connected_account_id": "ca_nope"}
    )
    assert_error(no_id, 404, "not_found")
