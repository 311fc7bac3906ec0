"""API clients can do only what their scopes and connections allow; a client with
``clients:admin`` manages only the clients below it, never giving more than it has, and
revoking a client revokes what it minted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack

import httpx
import pytest

from attio_gateway.sdk.admin import ALL_SCOPES, DEFAULT_SCOPES, create_api_client
from tests.gateway.api.conftest import BASE, Server, assert_error, token_request

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:jinja2")

Caller = Callable[..., Awaitable[httpx.AsyncClient]]


async def bearer(server: Server, client_id: str, client_secret: str) -> httpx.AsyncClient:
    answer = await token_request(server.anonymous, client_id, client_secret)
    assert answer.status_code == 200, answer.text
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server.app),
        base_url=BASE,
        headers={"Authorization": f"Bearer {answer.json()['access_token']}"},
    )


@pytest.fixture
async def caller(server: Server) -> AsyncIterator[Caller]:
    """``await caller(scopes, connections)``: an HTTP client authenticated as a new API
    client the operator made with those scopes."""
    async with AsyncExitStack() as stack:

        async def make(
            scopes: Sequence[str], connections: Sequence[str] | None = None
        ) -> httpx.AsyncClient:
            made = await create_api_client(
                server.gateway, name="scoped", scopes=scopes, connections=connections
            )
            http = await bearer(server, made.client_id, made.client_secret)
            return await stack.enter_async_context(http)

        yield make


def assert_needs(response: httpx.Response, scope: str) -> None:
    error = assert_error(response, 403, "insufficient_scope")
    assert error["required_scope"] == scope
    assert repr(scope) in str(error["message"])


#: (scope, method, path, JSON body or query) for one route of each scope.
ROUTES = [
    ("proxy", "POST", "/api/v1/proxy", {"path": "/v2/objects", "identifier": "alice"}),
    (
        "tools:execute",
        "POST",
        "/api/v1/tools/execute",
        {"tool_name": "attio_list_objects", "identifier": "alice"},
    ),
    ("tools:execute", "GET", "/api/v1/tools", None),
    ("tools:execute", "GET", "/api/v1/tools/search?query=notes&identifier=alice", None),
    ("accounts:read", "GET", "/api/v1/connected-accounts", None),
    ("accounts:read", "GET", "/api/v1/audit-events", None),
    (
        "accounts:write",
        "POST",
        "/api/v1/connected-accounts/authorization-link",
        {"identifier": "bob"},
    ),
    ("connections:admin", "DELETE", "/api/v1/connections/attio", None),
    ("clients:admin", "GET", "/api/v1/api-clients", None),
    ("clients:admin", "POST", "/api/v1/api-clients", {"name": "minted", "scopes": []}),
]


@pytest.mark.parametrize(("scope", "method", "path", "body"), ROUTES)
async def test_each_route_needs_its_scope(
    connected: Server, caller: Caller, scope: str, method: str, path: str, body: object
) -> None:
    without = await caller([s for s in ALL_SCOPES if s != scope])
    json = body if method in ("POST", "PATCH") else None
    assert_needs(await without.request(method, path, json=json), scope)
    with_it = await caller([scope])
    answer = await with_it.request(method, path, json=json)
    assert answer.status_code < 300, answer.text


async def test_plaintext_tokens_need_accounts_tokens(connected: Server, caller: Caller) -> None:
    default = await caller(DEFAULT_SCOPES)
    alice = (await default.get("/api/v1/connected-accounts")).json()["connected_accounts"][0]
    details = await default.get(f"/api/v1/connected-accounts/{alice['id']}")
    assert details.status_code == 200
    assert "access_token" not in str(details.json())
    with_tokens = f"/api/v1/connected-accounts/{alice['id']}?include_tokens=true"
    assert_needs(await default.get(with_tokens), "accounts:tokens")
    allowed = await caller(["accounts:read", "accounts:tokens"])
    token = (await allowed.get(with_tokens)).json()["connected_account"]
    assert token["authorization_details"]["oauth_token"]["access_token"]


async def test_reading_connections_needs_accounts_read_or_connections_admin(
    connected: Server, caller: Caller
) -> None:
    neither = await caller(["proxy", "tools:execute"])
    assert_needs(await neither.get("/api/v1/connections"), "accounts:read")
    assert_needs(await neither.get("/api/v1/connections/attio"), "accounts:read")
    for scopes in (["accounts:read"], ["connections:admin"]):
        reader = await caller(scopes)
        listed = (await reader.get("/api/v1/connections")).json()["connections"]
        assert [c["name"] for c in listed] == ["attio"]


async def test_a_client_gives_no_more_than_it_has(server: Server, caller: Caller) -> None:
    manager = await caller(["clients:admin", "proxy"], connections=["attio"])
    wider = await manager.post(
        "/api/v1/api-clients", json={"name": "x", "scopes": ["proxy", "accounts:tokens"]}
    )
    assert_needs(wider, "accounts:tokens")
    other = await manager.post(
        "/api/v1/api-clients", json={"name": "x", "scopes": ["proxy"], "connections": ["crm"]}
    )
    assert_error(other, 403, "forbidden")
    assert "'crm'" in other.json()["error"]["message"]
    # Not given: the minter's connections, and the default scopes it has not are refused.
    assert_needs(await manager.post("/api/v1/api-clients", json={"name": "x"}), "tools:execute")
    made = await manager.post("/api/v1/api-clients", json={"name": "x", "scopes": ["proxy"]})
    assert made.status_code == 201, made.text
    assert made.json()["scopes"] == ["proxy"] and made.json()["connections"] == ["attio"]
    # A client never raises what a client below it has beyond its own.
    child = made.json()["client_id"]
    raised = await manager.patch(f"/api/v1/api-clients/{child}", json={"all_connections": True})
    assert_error(raised, 403, "forbidden")
    bad = await manager.post("/api/v1/api-clients", json={"name": "x", "scopes": ["root"]})
    assert_error(bad, 422, "invalid_request")


async def test_revoking_a_client_revokes_what_it_minted(server: Server) -> None:
    # The bootstrap client (made by the operator with every scope) mints a manager ...
    made = await server.client.post(
        "/api/v1/api-clients", json={"name": "manager", "scopes": ["clients:admin", "proxy"]}
    )
    manager_id = made.json()["client_id"]
    async with await bearer(server, manager_id, made.json()["client_secret"]) as manager:
        # ... which mints a worker, which cannot mint (no clients:admin).
        minted = await manager.post(
            "/api/v1/api-clients", json={"name": "worker", "scopes": ["proxy"]}
        )
        worker = minted.json()
        async with await bearer(server, worker["client_id"], worker["client_secret"]) as w:
            assert_needs(await w.post("/api/v1/api-clients", json={"name": "y"}), "clients:admin")
            assert_needs(await w.delete(f"/api/v1/api-clients/{manager_id}"), "clients:admin")
            # The manager sees itself and what it minted, and cannot revoke its maker.
            seen = (await manager.get("/api/v1/api-clients")).json()["api_clients"]
            assert {c["name"] for c in seen} == {"manager", "worker"}
            assert {c["parent_client_id"] for c in seen} == {server.client_id, manager_id}
            refused = await manager.delete(f"/api/v1/api-clients/{server.client_id}")
            assert_error(refused, 404, "not_found")

            gone = await server.client.delete(f"/api/v1/api-clients/{manager_id}")
            assert gone.status_code == 204
            for revoked in (manager, w):
                assert_error(await revoked.get("/api/v1/tools"), 401, "unauthenticated")
            again = await token_request(
                server.anonymous, worker["client_id"], worker["client_secret"]
            )
            assert again.status_code == 401
    listed = (await server.client.get("/api/v1/api-clients")).json()["api_clients"]
    assert {c["name"]: c["revoked_at"] is not None for c in listed} == {
        "tests": False,
        "manager": True,
        "worker": True,
    }


async def test_narrowing_a_client_narrows_the_clients_below_it(server: Server) -> None:
    made = await server.client.post(
        "/api/v1/api-clients",
        json={"name": "manager", "scopes": ["clients:admin", "proxy", "accounts:read"]},
    )
    manager_id = made.json()["client_id"]
    async with await bearer(server, manager_id, made.json()["client_secret"]) as manager:
        minted = await manager.post(
            "/api/v1/api-clients", json={"name": "worker", "scopes": ["proxy", "accounts:read"]}
        )
        worker = minted.json()
        # A client may not change its own grant.
        own = await manager.patch(f"/api/v1/api-clients/{manager_id}", json={"scopes": []})
        assert_error(own, 404, "not_found")
    narrowed = await server.client.patch(
        f"/api/v1/api-clients/{manager_id}",
        json={"scopes": ["clients:admin", "proxy"], "connections": ["attio"]},
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scopes"] == ["proxy", "clients:admin"]
    listed = {
        c["name"]: c for c in (await server.client.get("/api/v1/api-clients")).json()["api_clients"]
    }
    assert listed["worker"]["scopes"] == ["proxy"]
    assert listed["worker"]["connections"] == ["attio"]
    async with await bearer(server, worker["client_id"], worker["client_secret"]) as w:
        assert_needs(await w.get("/api/v1/connected-accounts"), "accounts:read")


async def test_a_client_restricted_to_connections_acts_only_there(
    connected: Server, caller: Caller
) -> None:
    alice = (await connected.client.get("/api/v1/connected-accounts")).json()["connected_accounts"][
        0
    ]
    elsewhere = await caller(ALL_SCOPES, connections=["crm"])
    refused = [
        await elsewhere.post(
            "/api/v1/proxy",
            json={"path": "/v2/objects", "identifier": "alice", "connection_name": "attio"},
        ),
        await elsewhere.post(
            "/api/v1/proxy", json={"path": "/v2/objects", "connected_account_id": alice["id"]}
        ),
        await elsewhere.post(
            "/api/v1/tools/execute",
            json={
                "tool_name": "attio_list_objects",
                "connected_account_id": alice["id"],
                "connection_name": "crm",
            },
        ),
        await elsewhere.get(f"/api/v1/connected-accounts/{alice['id']}"),
        await elsewhere.delete(f"/api/v1/connected-accounts/{alice['id']}"),
        await elsewhere.get("/api/v1/connected-accounts", params={"connection_name": "attio"}),
        await elsewhere.delete("/api/v1/connections/attio"),
        await elsewhere.get("/api/v1/connections/attio"),
    ]
    for answer in refused:
        error = assert_error(answer, 403, "forbidden")
        assert "'attio'" in str(error["message"]), error
    assert (await elsewhere.get("/api/v1/connections")).json()["connections"] == []
    # Its one connection is meant; it does not exist (yet).
    assert_error(await elsewhere.get("/api/v1/connected-accounts"), 404, "not_found")
    assert (await elsewhere.get("/api/v1/audit-events")).json()["audit_events"] == []

    # Restricted to the one connection there is: calls need not name it.
    here = await caller(ALL_SCOPES, connections=["attio"])
    answer = await here.post("/api/v1/proxy", json={"path": "/v2/objects", "identifier": "alice"})
    assert answer.status_code == 200 and answer.json()["status_code"] == 200
    assert (await here.get(f"/api/v1/connected-accounts/{alice['id']}")).status_code == 200
    events = (await here.get("/api/v1/audit-events")).json()["audit_events"]
    assert {e["connection_name"] for e in events} == {"attio"}

    several = await caller(ALL_SCOPES, connections=["attio", "crm"])
    unnamed = await several.post(
        "/api/v1/proxy", json={"path": "/v2/objects", "identifier": "alice"}
    )
    error = assert_error(unnamed, 400, "invalid_input")
    assert error["field"] == "connection_name"


async def test_a_client_without_scopes_can_call_nothing(server: Server, caller: Caller) -> None:
    from tests.gateway.api.test_api import AUTHENTICATED

    nothing = await caller([])
    for method, path in AUTHENTICATED:
        answer = await nothing.request(method, path, json={} if method != "GET" else None)
        error = assert_error(answer, 403, "insufficient_scope")
        assert error["required_scope"], (method, path)
