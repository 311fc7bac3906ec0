"""Idempotency keys through the one call path, against the emulator over HTTP with its
injected faults, on SQLite and PostgreSQL: retried creates leave exactly one record each,
concurrent duplicates write once, a replay is the stored result, a reused key is a 409,
an unknown outcome that cannot be looked up is refused without ``force``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import (
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    IdempotencyOutcomeUnknownError,
    ToolInputError,
    UpstreamUnavailableError,
    WriteOutcomeUnknownError,
)
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.idempotency import fingerprint
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.storage import queries as q

CREATE = "/v2/objects/companies/records"
#: Each logical create's first attempt meets one of these (remaining: 1 → that request only).
FAULTS: list[dict[str, Any]] = [
    {"accept_then_fail": True},  # applied, answer lost
    {"error_rate": 1.0, "error_statuses": [500, 502, 503]},  # refused with a 5xx
    {"reset_rate": 1.0},  # connection dropped before any answer
    {},  # no fault
]


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
async def gateway(
    tmp_path: Path, emulator: RunningEmulator, database_url: str
) -> AsyncIterator[AsyncGateway]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, idempotency_wait=60)
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        yield gw


async def fault(emulator: RunningEmulator, **spec: Any) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        answer = await control.post(
            "/_emulator/faults", json={"path_prefix": CREATE, "remaining": 1, **spec}
        )
        answer.raise_for_status()


def companies(emulator: RunningEmulator) -> list[str]:
    names = []
    for record in emulator.state.store.table("records"):
        values = record.get("values", {})
        for value in values.values() if isinstance(values, dict) else []:
            if isinstance(value, list) and value and isinstance(value[0], dict):
                text = value[0].get("value")
                if isinstance(text, str) and text.startswith("Co "):
                    names.append(text)
    return names


async def create(gw: AsyncGateway, name: str, key: str, **kwargs: Any) -> Any:
    return await gw.actions.request(
        identifier="u",
        path=CREATE,
        method="POST",
        json={"data": {"values": {"name": name}}},
        idempotency_key=key,
        **kwargs,
    )


async def test_creates_retried_with_keys_under_faults_leave_one_record_each(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    n = 24
    unknown = 0
    for i in range(n):
        await fault(emulator, **FAULTS[i % len(FAULTS)])
        for _ in range(10):
            try:
                response = await create(gateway, f"Co {i}", f"key-{i}")
            except UpstreamUnavailableError as exc:  # includes WriteOutcomeUnknownError
                unknown += isinstance(exc, WriteOutcomeUnknownError)
                continue
            assert response.status_code == 200
            assert response["data"]["values"]["name"][0]["value"] == f"Co {i}"
            break
        else:
            pytest.fail(f"create {i} never succeeded")
    assert unknown >= n // 2  # the faults did bite: accept-then-fail, 5xx and resets
    assert sorted(companies(emulator)) == sorted(f"Co {i}" for i in range(n))


async def test_tool_creates_retried_with_keys_after_accept_then_fail_write_once(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    for i in range(3):
        await fault(emulator, accept_then_fail=True)
        with pytest.raises(WriteOutcomeUnknownError):
            await gateway.actions.execute_tool(
                {"values": {"name": f"Co {i}"}},
                "attio_create_company",
                identifier="u",
                idempotency_key=f"tool-{i}",
            )
        again = await gateway.actions.execute_tool(
            {"values": {"name": f"Co {i}"}},
            "attio_create_company",
            identifier="u",
            idempotency_key=f"tool-{i}",
        )
        assert again.data["data"]["values"]["name"][0]["value"] == f"Co {i}"
    assert sorted(companies(emulator)) == ["Co 0", "Co 1", "Co 2"]


async def test_sixteen_concurrent_duplicates_across_two_gateways_write_once(
    gateway: AsyncGateway, emulator: RunningEmulator, tmp_path: Path, database_url: str
) -> None:
    # Every create answers slowly, so the sixteen overlap while the first is in flight.
    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        await control.post("/_emulator/faults", json={"path_prefix": CREATE, "latency_ms": 300})
    # A second gateway on the same database (and vault key): the key is shared through it.
    settings = Settings(data_dir=tmp_path, database_url=database_url, idempotency_wait=60)
    async with AsyncGateway(settings) as other:
        answers = await asyncio.gather(
            *(create(gw, "Co once", "one-key") for gw in [gateway, other] * 8)
        )
    ids = {answer["data"]["id"]["record_id"] for answer in answers}
    assert len(ids) == 1
    assert companies(emulator) == ["Co once"]
    replayed = [a.headers.get("idempotent-replayed") == "true" for a in answers]
    assert replayed.count(False) == 1  # the one that was sent; fifteen got its answer


async def test_a_replay_is_the_stored_result_and_sends_nothing(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    first = await create(gateway, "Co replay", "replay-key")
    # Attio would now refuse any create: the replay does not reach it.
    await fault(emulator, error_rate=1.0, error_statuses=[500], remaining=None)
    second = await create(gateway, "Co replay", "replay-key")
    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert companies(emulator) == ["Co replay"]
    # A tool call replays its result and its execution id.
    tool = {"values": {"name": "Co tool"}}
    await fault(emulator, remaining=0)
    one = await gateway.actions.execute_tool(
        tool, "attio_create_company", identifier="u", idempotency_key="t"
    )
    two = await gateway.actions.execute_tool(
        tool, "attio_create_company", identifier="u", idempotency_key="t"
    )
    assert (two.data, two.execution_id) == (one.data, one.execution_id)
    assert sorted(companies(emulator)) == ["Co replay", "Co tool"]


async def test_one_key_for_another_request_is_a_409_naming_both_fingerprints(
    gateway: AsyncGateway,
) -> None:
    await create(gateway, "Co a", "same-key")
    with pytest.raises(IdempotencyKeyReusedError) as caught:
        await create(gateway, "Co b", "same-key")
    assert caught.value.http_status == 409
    request = {
        "kind": "proxy",
        "method": "POST",
        "path": CREATE,
        "query": None,
        "json": {"data": {"values": {"name": "Co a"}}},
        "form": None,
        "raw": None,
        "headers": None,
    }
    assert fingerprint(request) in str(caught.value)
    other = {**request, "json": {"data": {"values": {"name": "Co b"}}}}
    assert fingerprint(other) in str(caught.value)


async def test_an_error_answer_is_stored_too_and_a_refused_call_frees_the_key(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    async def bad() -> Any:
        return await gateway.actions.request(
            identifier="u",
            path=CREATE,
            method="POST",
            json={"data": {"values": {"no_such_attribute": "x"}}},
            idempotency_key="bad-create",
        )

    first = await bad()
    assert 400 <= first.status_code < 500
    again = await bad()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # A call the gateway refused before Attio answered (its input) leaves the key unused.
    with pytest.raises(ToolInputError):
        await gateway.actions.execute_tool(
            {"values": "not an object"},
            "attio_create_company",
            identifier="u",
            idempotency_key="refused",
        )
    _, account = await gateway.services.accounts.find(identifier="u")
    assert await q.get_idempotency_key(gateway.db, account_id=account.id, key="refused") is None


async def test_a_webhook_secret_is_not_stored_with_the_answer(gateway: AsyncGateway) -> None:
    async def subscribe() -> Any:
        return await gateway.actions.request(
            identifier="u",
            path="/v2/webhooks",
            method="POST",
            json={"data": {"target_url": "https://hooks.test/a", "subscriptions": []}},
            idempotency_key="hook",
        )

    first = await subscribe()
    assert first.status_code == 200 and first["data"]["secret"]
    replay = await subscribe()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay["data"]["secret"] is None
    assert replay["data"]["id"] == first["data"]["id"]
    _, account = await gateway.services.accounts.find(identifier="u")
    row = await q.get_idempotency_key(gateway.db, account_id=account.id, key="hook")
    assert row is not None and first["data"]["secret"] not in str(row.result)


async def test_a_bad_key_is_refused_naming_the_field(gateway: AsyncGateway) -> None:
    with pytest.raises(ToolInputError) as caught:
        await create(gateway, "Co x", "has space")
    assert caught.value.field == "idempotency_key"


async def test_an_unknown_outcome_without_a_safe_lookup_is_refused_unless_forced(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    async def note(**kwargs: Any) -> Any:
        return await gateway.actions.request(
            identifier="u",
            path="/v2/notes",
            method="POST",
            json={"data": {"parent_object": "companies", "title": "t", "content": "c"}},
            idempotency_key="note-key",
            **kwargs,
        )

    async with httpx.AsyncClient(base_url=emulator.base_url) as control:
        await control.post(
            "/_emulator/faults",
            json={"path_prefix": "/v2/notes", "accept_then_fail": True, "remaining": 1},
        )
    with pytest.raises(WriteOutcomeUnknownError):
        await note()
    with pytest.raises(IdempotencyOutcomeUnknownError, match="force=True"):
        await note()
    forced = await note(force=True)
    assert forced.headers.get("idempotent-replayed") is None
    # Resent once on request; the key now holds that answer.
    replay = await note()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == forced.json()


async def test_a_claim_left_by_a_crashed_gateway_is_reconciled(
    gateway: AsyncGateway, emulator: RunningEmulator
) -> None:
    """The gateway died after recording the key and sending the create: the row stays in
    flight past the lease, and the next attempt finds the record instead of writing again."""
    _, account = await gateway.services.accounts.find(identifier="u")
    request = {
        "kind": "proxy",
        "method": "POST",
        "path": CREATE,
        "query": None,
        "json": {"data": {"values": {"name": "Co crash"}}},
        "form": None,
        "raw": None,
        "headers": None,
    }
    long_ago = gateway.clock.now() - timedelta(minutes=10)
    await q.claim_idempotency_key(
        gateway.db,
        account_id=account.id,
        key="crash-key",
        fingerprint=fingerprint(request),
        request=request,
        owner="the-dead-gateway",
        now=long_ago,
        expires_at=long_ago + timedelta(hours=24),
    )
    written = await gateway.actions.request(
        identifier="u", path=CREATE, method="POST", json=request["json"]
    )
    retried = await create(gateway, "Co crash", "crash-key")
    assert retried["data"]["id"] == written["data"]["id"]
    assert companies(emulator) == ["Co crash"]


async def test_a_slow_live_write_renews_its_claim_and_is_not_taken_for_a_dead_one(
    tmp_path: Path, emulator: RunningEmulator, database_url: str
) -> None:
    """The create takes longer than the lease; its claim is renewed while it runs, so the
    duplicate waits for it instead of taking the key over and writing again."""
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, idempotency_wait=60, idempotency_lease=1.5
    )
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        _, account = await gw.services.accounts.find(identifier="u")
        async with httpx.AsyncClient(base_url=emulator.base_url) as control:
            await control.post(  # only the first create is slow, not what follows
                "/_emulator/faults",
                json={"path_prefix": CREATE, "latency_ms": 4000, "remaining": 1},
            )
        first = asyncio.create_task(create(gw, "Co long", "long-key"))
        for _ in range(2000):  # until the first has claimed its key
            if await q.get_idempotency_key(gw.db, account_id=account.id, key="long-key"):
                break
            await asyncio.sleep(0.01)
        second = await create(gw, "Co long", "long-key")
        assert second.headers["idempotent-replayed"] == "true"
        assert (await first).json() == second.json()
    assert companies(emulator) == ["Co long"]


async def test_a_duplicate_waits_then_says_in_progress(
    tmp_path: Path, emulator: RunningEmulator, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, idempotency_wait=0)
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")
        _, account = await gw.services.accounts.find(identifier="u")
        async with httpx.AsyncClient(base_url=emulator.base_url) as control:
            await control.post(
                "/_emulator/faults", json={"path_prefix": CREATE, "latency_ms": 3000}
            )
        first = asyncio.create_task(create(gw, "Co slow", "slow-key"))
        for _ in range(2000):  # until the first has claimed its key (it is then in flight)
            if await q.get_idempotency_key(gw.db, account_id=account.id, key="slow-key"):
                break
            await asyncio.sleep(0.01)
        with pytest.raises(IdempotencyInProgressError, match="still in progress"):
            await create(gw, "Co slow", "slow-key")
        assert (await first).status_code == 200
    assert companies(emulator) == ["Co slow"]
