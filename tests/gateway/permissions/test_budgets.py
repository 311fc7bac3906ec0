"""Budgets: calls a minute and writes a day per identifier (and toolset), counted in the
windows of the gateway's clock; shared by two gateways on PostgreSQL through Redis, and
kept in process without Redis. A used-up budget says when it resets."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from attio_emulator.server import RunningEmulator
from attio_gateway.config import Settings
from attio_gateway.errors import BudgetExceededError, InvalidInputError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.conftest import FakeClock
from tests.gateway.permissions.conftest import tool

NOON = datetime(2026, 12, 7, 12, 0, 10, tzinfo=UTC)


@pytest.fixture
def fixed() -> FakeClock:
    clock = FakeClock()
    clock.set(NOON)
    return clock


@pytest.mark.postgres
async def test_budgets_hold_across_two_gateways_through_redis(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    emulator_http: RunningEmulator,
    fixed: FakeClock,
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, redis_url=redis_url)
    calls, writes = f"calls-{uuid.uuid4().hex[:8]}", f"writes-{uuid.uuid4().hex[:8]}"
    async with AsyncGateway(settings, clock=fixed) as first:
        await create_emulator_connection(first, emulator_http.base_url)
        await connect_user(first, "u")
        await connect_user(first, "w")
        await first.budgets.create(id=calls, identifier="u", calls_per_minute=3)
        await first.budgets.create(id=writes, writes_per_day=1)
        async with AsyncGateway(settings, clock=fixed) as second:
            await tool(first, "attio_list_workspace_members", {})
            await tool(second, "attio_list_workspace_members", {})
            await tool(first, "attio_list_workspace_members", {})
            with pytest.raises(BudgetExceededError) as over:
                await tool(second, "attio_list_workspace_members", {})
            assert over.value.budget_id == calls and over.value.period == "minute"
            assert over.value.reset_at == "2026-12-07T12:01:00+00:00"
            assert over.value.retry_after == 50.0
            assert over.value.http_status == 429
            # Another identifier has budgets of its own; the other gateway agrees.
            await tool(second, "attio_list_workspace_members", {}, identifier="w")
            await tool(second, "attio_create_company", {"values": {"name": "A"}}, identifier="w")
            with pytest.raises(BudgetExceededError) as day:
                await tool(first, "attio_create_company", {"values": {"name": "B"}}, identifier="w")
            assert day.value.budget_id == writes
            assert day.value.reset_at == "2026-12-08T00:00:00+00:00"
            # The next minute, u may call again (its writes budget of the day is untouched).
            fixed.set(NOON + timedelta(minutes=1))
            await tool(second, "attio_list_workspace_members", {})
            events = await first.audit_events(identifier="u", outcome="error")
            assert [e.error_code for e in events] == ["budget_exceeded"]


@pytest.fixture
async def local(
    tmp_path: Path, emulator_http: RunningEmulator, fixed: FakeClock
) -> AsyncIterator[AsyncGateway]:
    async with AsyncGateway(Settings(data_dir=tmp_path), clock=fixed) as gw:
        await create_emulator_connection(gw, emulator_http.base_url)
        await connect_user(gw, "u")
        yield gw


async def test_in_process_budget_per_toolset_and_proxy(local: AsyncGateway) -> None:
    await local.toolsets.create("members", tools=["attio_list_workspace_members"])
    await local.budgets.create(id="b", toolset="members", calls_per_minute=1)
    await tool(local, "attio_list_workspace_members", {}, toolset="members")
    with pytest.raises(BudgetExceededError):
        await tool(local, "attio_list_workspace_members", {}, toolset="members")
    # Not bound to the toolset: not counted.
    await tool(local, "attio_list_workspace_members", {})
    await local.budgets.create(id="proxy", identifier="u", calls_per_minute=1)
    assert (await local.actions.request(identifier="u", path="/v2/self")).status_code == 200
    with pytest.raises(BudgetExceededError) as over:
        await local.actions.request(identifier="u", path="/v2/self")
    assert over.value.budget_id == "proxy"
    assert [b.id for b in await local.budgets.list()] == ["b", "proxy"]


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"identifier": "u"}, "calls_per_minute"),
        ({"calls_per_minute": 0}, "calls_per_minute"),
        ({"writes_per_day": "lots"}, "writes_per_day"),
        ({"calls_per_minute": 1, "toolset": "no spaces"}, "toolset"),
        ({"calls_per_minute": 1, "colour": "red"}, "colour"),
    ],
)
async def test_bad_budgets_name_the_field(
    local: AsyncGateway, budget: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await local.budgets.create(**budget)
    assert refused.value.field == field
