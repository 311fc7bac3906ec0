"""Call logs: every tool call and proxied request carries its duration, error tier and code
and the caller's agent_run_id; the logs are queried by each filter with a cursor, and summed
up over a window. Against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attio_gateway.config import Settings
from attio_gateway.errors import (
    AccountNotActiveError,
    InvalidInputError,
    MissingScopesError,
    NotFoundError,
    ToolInputError,
)
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.logs import CallRecord
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.conftest import Emulator, FakeClock

ATTIO = "http://attio.test"
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
async def gateway(
    tmp_path: Path, emulator: Emulator, database_url: str, clock: FakeClock
) -> AsyncIterator[AsyncGateway]:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    async with (
        httpx.AsyncClient(transport=emulator.transport) as http,
        AsyncGateway(settings, http=http, clock=clock) as gw,
    ):
        await create_emulator_connection(gw, ATTIO)
        await connect_user(gw, "alice")
        yield gw


async def test_each_call_is_logged_with_run_id_duration_tier_and_code(
    gateway: AsyncGateway,
) -> None:
    seen: list[CallRecord] = []
    gateway.call_observers.append(seen.append)
    ok = await gateway.actions.execute_tool(
        {}, "attio_list_objects", identifier="alice", agent_run_id="run-1"
    )
    await gateway.actions.request(identifier="alice", path="/v2/objects", agent_run_id="run-1")
    missing = await gateway.actions.request(identifier="alice", path="/v2/objects/nope")
    assert missing.status_code == 404
    with pytest.raises(ToolInputError):
        await gateway.actions.execute_tool(
            {"values": "not an object"},
            "attio_create_company",
            identifier="alice",
            agent_run_id="run-2",
        )
    with pytest.raises(NotFoundError):
        await gateway.actions.execute_tool({}, "attio_no_such_tool", identifier="alice")
    await gateway.actions.get_authorization_link(identifier="carol")  # pending, not active
    with pytest.raises(AccountNotActiveError):
        await gateway.actions.execute_tool({}, "attio_list_objects", identifier="carol")

    page = await gateway.logs.query()
    got = [
        (e.kind, e.tool_name, e.outcome, e.error_tier, e.error_code, e.agent_run_id)
        for e in reversed(page.logs)
    ]
    assert got == [
        ("tool", "attio_list_objects", "success", None, None, "run-1"),
        ("proxy", None, "success", None, None, "run-1"),
        ("proxy", None, "error", "attio", "not_found", None),
        ("tool", "attio_create_company", "error", "gateway", "tool_input_error", "run-2"),
        ("tool", "attio_no_such_tool", "error", "gateway", "not_found", None),
        ("tool", "attio_list_objects", "error", "policy", "account_not_active", None),
    ]
    assert page.logs[-1].event_id == ok.execution_id
    assert all(e.duration_ms is not None and e.duration_ms >= 0 for e in page.logs)
    assert [e.identifier for e in reversed(page.logs)][-1] == "carol"
    # The observers heard of the same calls, once each.
    assert [(r.kind, r.outcome, r.error_tier, r.agent_run_id) for r in seen] == [
        (e.kind, e.outcome, e.error_tier, e.agent_run_id) for e in reversed(page.logs)
    ]


async def test_a_missing_scope_is_a_policy_error(
    gateway: AsyncGateway,
) -> None:
    await create_emulator_connection(
        gateway, ATTIO, name="narrow", scopes=["object_configuration:read"]
    )
    await connect_user(gateway, "dora", connection_name="narrow")
    with pytest.raises(MissingScopesError):
        await gateway.actions.execute_tool(
            {"values": {"name": "Acme"}},
            "attio_create_company",
            identifier="dora",
            connection_name="narrow",
        )
    (entry,) = (await gateway.logs.query(connection_name="narrow")).logs
    assert (entry.error_tier, entry.error_code) == ("policy", "missing_scopes")


@pytest.mark.parametrize("run_id", ["", "has space", "x" * 256, "ünïcode"])
async def test_a_bad_agent_run_id_is_refused_naming_it(gateway: AsyncGateway, run_id: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        await gateway.actions.execute_tool(
            {}, "attio_list_objects", identifier="alice", agent_run_id=run_id
        )
    assert caught.value.field == "agent_run_id"
    with pytest.raises(ToolInputError):
        await gateway.actions.request(identifier="alice", path="/v2/self", agent_run_id=run_id)
    assert (await gateway.logs.query()).logs == []


async def test_every_filter_and_the_cursor(gateway: AsyncGateway, clock: FakeClock) -> None:
    await connect_user(gateway, "bob")
    for minute, (who, tool, run) in enumerate(
        [
            ("alice", "attio_list_objects", "r1"),
            ("bob", "attio_list_objects", "r1"),
            ("alice", "attio_list_workspace_members", "r2"),
            ("bob", "attio_list_workspace_members", None),
            ("alice", "attio_list_objects", None),
        ]
    ):
        clock.set(T0 + timedelta(minutes=minute))
        await gateway.actions.execute_tool({}, tool, identifier=who, agent_run_id=run)
    clock.set(T0 + timedelta(minutes=5))
    await gateway.actions.request(identifier="bob", path="/v2/objects/nope")

    async def ids(**filters: object) -> list[tuple[str | None, str | None]]:
        page = await gateway.logs.query(**filters)  # type: ignore[arg-type]
        return [(e.identifier, e.tool_name) for e in page.logs]

    assert len(await ids()) == 6
    assert await ids(identifier="bob", kind="tool") == [
        ("bob", "attio_list_workspace_members"),
        ("bob", "attio_list_objects"),
    ]
    assert await ids(agent_run_id="r1") == [
        ("bob", "attio_list_objects"),
        ("alice", "attio_list_objects"),
    ]
    assert await ids(tool_name="attio_list_workspace_members", identifier="alice") == [
        ("alice", "attio_list_workspace_members")
    ]
    assert await ids(outcome="error") == [("bob", None)]
    assert await ids(error_tier="attio", kind="proxy", connection_name="attio") == [("bob", None)]
    assert await ids(error_code="not_found") == [("bob", None)]
    assert await ids(connection_name="other") == []
    window = await ids(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert window == [("alice", "attio_list_workspace_members"), ("bob", "attio_list_objects")]
    assert len(await ids(since="150s")) == 3  # minutes 3, 4 and 5 of the clock's now
    assert len(await ids(since="2026-12-07T12:04:00Z")) == 2

    pages, cursor = [], None
    while True:
        page = await gateway.logs.query(limit=4, cursor=cursor)
        pages.append([e.event_id for e in page.logs])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(p) for p in pages] == [4, 2]
    everything = [e.event_id for e in (await gateway.logs.query()).logs]
    assert pages[0] + pages[1] == everything


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"kind": "connection"}, "kind"),
        ({"outcome": "meh"}, "outcome"),
        ({"error_tier": "upstream"}, "error_tier"),
        ({"since": "yesterday"}, "since"),
        ({"until": "12 o'clock"}, "until"),
        ({"cursor": "42"}, "cursor"),
        ({"cursor": "c99999999999"}, "cursor"),
        ({"since": "999999d"}, "since"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"until": "2026-12-07T16:00:00+25:00"}, "until"),
        ({"limit": 0}, "limit"),
    ],
)
async def test_bad_filters_are_refused_naming_them(
    gateway: AsyncGateway, filters: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await gateway.logs.query(**filters)  # type: ignore[arg-type]
    assert caught.value.field == field


async def test_the_overview_sums_a_window(gateway: AsyncGateway, clock: FakeClock) -> None:
    clock.set(T0)
    # Known durations, written as the call path writes them: p50 and p95 are exact.
    for ms in range(1, 21):  # 1..20 ms
        await gateway.audit(
            kind="tool",
            tool_name="attio_list_objects",
            outcome="success",
            connection_name="attio",
            identifier="alice",
            duration_ms=ms,
        )
    for code, tier in [
        ("not_found", "attio"),
        ("not_found", "attio"),
        ("missing_scopes", "policy"),
    ]:
        await gateway.audit(
            kind="tool",
            tool_name="attio_create_company",
            outcome="error",
            connection_name="attio",
            identifier="alice",
            duration_ms=100,
            error_code=code,
            error_tier=tier,
        )
    await gateway.audit(
        kind="proxy",
        method="GET",
        path="/v2/objects",
        outcome="error",
        connection_name="attio",
        identifier="bob",
        duration_ms=100,
        error_code="rate_limited",
        error_tier="attio",
    )
    # Outside the window, and not a call.
    clock.set(T0 - timedelta(days=2))
    await gateway.audit(
        kind="tool", tool_name="attio_list_objects", outcome="success", duration_ms=5000
    )
    await gateway.audit(kind="connection_created", outcome="success", connection_name="attio")
    clock.set(T0 + timedelta(minutes=1))

    overview = await gateway.logs.overview(since="1h")
    assert (overview.calls, overview.errors) == (24, 4)
    assert overview.error_rate == round(4 / 24, 4)
    assert overview.errors_by_tier == {"gateway": 0, "attio": 3, "policy": 1}
    assert [(c.error_tier, c.error_code, c.count) for c in overview.errors_by_code] == [
        ("attio", "not_found", 2),
        ("attio", "rate_limited", 1),
        ("policy", "missing_scopes", 1),
    ]
    assert [(t.kind, t.tool_name, t.calls, t.errors) for t in overview.tools] == [
        ("tool", "attio_list_objects", 20, 0),
        ("tool", "attio_create_company", 3, 3),
        ("proxy", None, 1, 1),
    ]
    assert overview.tools[0].mean_duration_ms == 10.5
    # 24 durations: 1..20 and four of 100. Nearest rank: p50 is the 12th, p95 the 23rd.
    assert (overview.latency_p50_ms, overview.latency_p95_ms) == (12, 100)
    assert (await gateway.logs.overview(since="1h", identifier="bob")).calls == 1

    empty = await gateway.logs.overview(since=T0 + timedelta(seconds=30))
    assert (empty.calls, empty.latency_p50_ms, empty.errors_by_code) == (0, None, [])
    with pytest.raises(InvalidInputError) as caught:
        await gateway.logs.overview(since=T0, until=T0)
    assert caught.value.field == "since"


async def test_a_token_attio_refused_is_an_attio_error(gateway: AsyncGateway) -> None:
    account = await gateway.actions.get_connected_account(identifier="alice")
    token = account.connected_account.authorization_details["oauth_token"]["access_token"]
    revoked = await gateway.http.post(f"{ATTIO}/oauth/revoke", data={"token": token})
    assert revoked.status_code == 204
    with pytest.raises(AccountNotActiveError):
        await gateway.actions.execute_tool({}, "attio_list_objects", identifier="alice")
    with pytest.raises(AccountNotActiveError):  # fails fast now: the account is EXPIRED
        await gateway.actions.request(identifier="alice", path="/v2/objects")
    tool, later = reversed((await gateway.logs.query()).logs)
    assert (tool.kind, tool.error_tier, tool.error_code) == (
        "tool",
        "attio",
        "upstream_unauthorized",
    )
    assert (later.kind, later.error_tier, later.error_code) == (
        "proxy",
        "policy",
        "account_not_active",
    )
