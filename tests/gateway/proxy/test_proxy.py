"""The proxy against the real emulator: limits smoothed, 429s honoured, writes never doubled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from hypothesis import given, settings
from hypothesis import strategies as st

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import (
    RateLimitedError,
    StorageError,
    UpstreamError,
    UpstreamUnauthorizedError,
    UpstreamUnavailableError,
    WriteOutcomeUnknownError,
)
from attio_gateway.proxy import AttioClient
from attio_gateway.proxy.client import new_http_client
from attio_gateway.proxy.ratelimit import (
    InProcessRateLimiter,
    Limits,
    RedisRateLimiter,
    rate_limiter_from_settings,
    redis_client,
)
from attio_gateway.proxy.retry import (
    Failure,
    RetryPolicy,
    decide,
    parse_retry_after,
    retry_policy_from_settings,
)
from tests.emulator.test_call_recordings import VIDEO
from tests.emulator.test_meetings import meeting
from tests.gateway.conftest import Emulator

FAST = RetryPolicy(base_backoff=0.01, max_backoff=0.05, max_total_wait=5)


@pytest.fixture
def running() -> Iterator[RunningEmulator]:
    with run_in_thread() as emulator:
        yield emulator


def test_retry_after_is_an_http_date_or_seconds() -> None:
    now = datetime(2026, 3, 4, 10, 15, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=1), usegmt=True), now=now) == 1
    assert parse_retry_after("2", now=now) == 2
    assert parse_retry_after("garbage", now=now) is None
    assert parse_retry_after(None) is None


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST", "PATCH"]),
    failure=st.sampled_from(list(Failure)),
    attempt=st.integers(1, 10),
    waited=st.floats(0, 60),
    retry_after=st.none() | st.floats(0, 5),
)
def test_retry_decision_never_repeats_an_unsafe_write(
    method: str, failure: Failure, attempt: int, waited: float, retry_after: float | None
) -> None:
    decision = decide(
        method=method,
        failure=failure,
        attempt=attempt,
        waited=waited,
        retry_after=retry_after,
        policy=RetryPolicy(),
        jitter=0.5,
    )
    if decision.retry:
        assert failure in (Failure.RATE_LIMITED, Failure.NOT_SENT) or method not in (
            "POST",
            "PATCH",
        )
        assert attempt < RetryPolicy().max_attempts
        assert waited + decision.wait <= RetryPolicy().max_total_wait
        if failure is Failure.RATE_LIMITED and retry_after is not None:
            assert decision.wait >= retry_after


async def test_burst_of_500_reads_reaches_the_caller_without_a_429(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        responses = await asyncio.gather(*(attio.request("GET", "/v2/objects") for _ in range(500)))
    assert {r.status_code for r in responses} == {200}
    # The client-side limiter smoothed the burst: unthrottled, the emulator would refuse ~400
    # of these; with spacing, at most a few arrive bunched by scheduling jitter (and are
    # retried after Retry-After, invisibly to the caller).
    assert running.state.limits.rejected <= 60


async def test_429_is_retried_after_retry_after_without_duplicating_the_write(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    # A limiter that lets everything through, so the emulator's own limit answers 429.
    loose = InProcessRateLimiter(Limits(reads_per_second=10_000, writes_per_second=10_000))
    async with AttioClient(
        token=token, base_url=running.base_url, rate_limiter=loose, retry_policy=FAST
    ) as attio:
        running.state.limits.writes_per_second = 2
        started = time.monotonic()
        results = await asyncio.gather(
            *(
                attio.call(
                    "POST",
                    "/v2/objects/companies/records",
                    json={"data": {"values": {"name": f"Co {i}"}}},
                )
                for i in range(5)
            )
        )
        assert time.monotonic() - started >= 1  # waited for Retry-After at least once
    assert running.state.limits.rejected > 0
    names = sorted(r["data"]["values"]["name"][0]["value"] for r in results)
    assert names == [f"Co {i}" for i in range(5)]
    stored = [r for r in running.state.store.table("records")]
    assert len(stored) == 5  # each create applied exactly once


async def test_accept_then_fail_never_duplicates_a_create(running: RunningEmulator) -> None:
    token = running.state.issue_token()["token"]
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
            await control.post("/_emulator/faults", json={"accept_then_fail": True, "remaining": 1})
        with pytest.raises(WriteOutcomeUnknownError, match="may or may not have been applied"):
            await attio.request(
                "POST", "/v2/objects/companies/records", json={"data": {"values": {"name": "X"}}}
            )
    # Sent once, applied once: the 502 was not retried.
    assert len(running.state.store.table("records")) == 1


async def test_a_write_answered_5xx_is_reported_with_attios_fields(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
        await control.post(
            "/_emulator/faults", json={"error_rate": 1.0, "remaining": 1, "error_statuses": [500]}
        )
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        with pytest.raises(WriteOutcomeUnknownError) as caught:
            await attio.call(
                "PATCH", "/v2/objects/companies/records/x", json={"data": {"values": {}}}
            )
    assert (caught.value.status_code, caught.value.type) == (500, "api_error")
    assert caught.value.upstream_code == "internal_error"


async def test_an_idempotent_assert_is_retried_through_accept_then_fail(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
        await control.post("/_emulator/faults", json={"accept_then_fail": True, "remaining": 2})
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        record = await attio.call(
            "PUT",
            "/v2/objects/companies/records",
            params={"matching_attribute": "domains"},
            json={"data": {"values": {"name": "Acme", "domains": ["acme.com"]}}},
        )
    assert record["data"]["values"]["name"][0]["value"] == "Acme"
    # Applied three times (twice with the answer lost), yet one company: PUT assert is idempotent.
    assert len(running.state.store.table("records")) == 1


async def test_reads_failing_past_the_budget_raise_upstream_unavailable(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
        await control.post("/_emulator/faults", json={"error_rate": 1.0, "error_statuses": [503]})
    policy = RetryPolicy(max_attempts=3, base_backoff=0.01, max_backoff=0.02)
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=policy) as attio:
        with pytest.raises(UpstreamUnavailableError) as caught:
            await attio.request("GET", "/v2/objects")
    assert not isinstance(caught.value, WriteOutcomeUnknownError)
    assert caught.value.status_code == 503


async def test_a_write_that_never_reached_attio_is_retried_then_reported_unavailable() -> None:
    port = free_port()  # a loopback port nobody listens on: connection refused
    policy = RetryPolicy(max_attempts=3, base_backoff=0.01, max_backoff=0.02)
    async with AttioClient(
        token="t", base_url=f"http://127.0.0.1:{port}", retry_policy=policy
    ) as attio:
        with pytest.raises(UpstreamUnavailableError, match="after 3 attempt") as caught:
            await attio.request("POST", "/v2/notes", json={})
    # Provably unsent, so not "outcome unknown".
    assert not isinstance(caught.value, WriteOutcomeUnknownError)


async def test_a_401_is_answered_by_request_and_raised_by_call(emulator: Emulator) -> None:
    """Not retried, either way; what a 401 means for the account is decided above the
    client, in the one revocation path (oauth.lifecycle)."""
    async with AttioClient(token="revoked", transport=emulator.transport) as attio:
        assert (await attio.request("GET", "/v2/objects")).status_code == 401
        with pytest.raises(UpstreamUnauthorizedError):
            await attio.call("GET", "/v2/objects")


async def test_the_token_provider_is_asked_on_every_attempt(emulator: Emulator) -> None:
    asked = 0

    async def current_token() -> str:
        nonlocal asked
        asked += 1
        return emulator.token

    async with AttioClient(token_provider=current_token, transport=emulator.transport) as attio:
        await attio.call("GET", "/v2/objects")
        await attio.call("GET", "/v2/objects")
    assert asked == 2


async def test_rate_limiter_from_settings_picks_redis_only_when_configured(redis_url: str) -> None:
    in_process = rate_limiter_from_settings(Settings(attio_writes_per_second=5))
    assert isinstance(in_process, InProcessRateLimiter)
    assert in_process.limits.writes_per_second == 5
    assert retry_policy_from_settings(Settings(proxy_max_total_wait=3)).max_total_wait == 3
    limiter = rate_limiter_from_settings(Settings(redis_url=redis_url))
    assert isinstance(limiter, RedisRateLimiter)
    try:
        await limiter.acquire("workspace-settings-test", "GET")
    finally:
        await limiter.client.aclose()


async def test_reads_are_retried_through_5xx(running: RunningEmulator) -> None:
    token = running.state.issue_token()["token"]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
        await control.post(
            "/_emulator/faults", json={"error_rate": 1.0, "remaining": 2, "error_statuses": [503]}
        )
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        assert (await attio.request("GET", "/v2/objects")).status_code == 200


async def test_a_write_with_unknown_outcome_is_reported_not_retried() -> None:
    attempts = 0

    def hang_up(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ReadTimeout("no answer", request=request)

    # A transport standing in for a network that drops the answer (not our code).
    transport = httpx.MockTransport(hang_up)
    async with AttioClient(token="t", transport=transport, retry_policy=FAST) as attio:
        with pytest.raises(WriteOutcomeUnknownError, match="may or may not have been applied"):
            await attio.request("POST", "/v2/notes", json={})
    assert attempts == 1


async def test_errors_carry_attios_fields(emulator: Emulator) -> None:
    async with AttioClient(token="revoked", transport=emulator.transport) as attio:
        with pytest.raises(UpstreamUnauthorizedError) as unauthorized:
            await attio.call("GET", "/v2/objects")
    assert unauthorized.value.status_code == 401
    async with AttioClient(token=emulator.token, transport=emulator.transport) as attio:
        with pytest.raises(UpstreamError) as missing:
            await attio.call("GET", "/v2/objects/nope")
    assert (missing.value.status_code, missing.value.upstream_code) == (404, "not_found")
    assert missing.value.type == "invalid_request_error"


async def test_429_outlasting_the_budget_is_answered_as_attio_sent_it(
    running: RunningEmulator,
) -> None:
    token = running.state.issue_token()["token"]
    running.state.limits.reads_per_second = 1
    loose = InProcessRateLimiter(Limits(reads_per_second=1000))
    policy = RetryPolicy(max_attempts=1)
    async with AttioClient(
        token=token, base_url=running.base_url, rate_limiter=loose, retry_policy=policy
    ) as attio:
        await attio.call("GET", "/v2/objects")
        with pytest.raises(RateLimitedError) as caught:
            await attio.call("GET", "/v2/objects")
    assert caught.value.retry_after is not None and caught.value.retry_after <= 2


@pytest.mark.redis
async def test_redis_limiter_is_shared_by_two_processes(redis_url: str) -> None:
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    limiters = [
        RedisRateLimiter(c, Limits(writes_per_second=10, headroom=1.0), prefix="attio-gateway-test")
        for c in clients
    ]
    stamps: list[float] = []

    async def send(limiter: RedisRateLimiter) -> None:
        await limiter.acquire("workspace-1", "POST")
        stamps.append(time.monotonic())

    try:
        await asyncio.gather(*(send(limiters[i % 2]) for i in range(30)))
    finally:
        for c in clients:
            await c.aclose()
    stamps.sort()
    # 30 writes at 10/s from two "processes" together: no 1-second window holds more than 10
    # (a small allowance for clock skew between Redis and this process).
    worst = max(sum(1 for t in stamps if s <= t < s + 0.95) for s in stamps)
    assert worst <= 10
    assert stamps[-1] - stamps[0] >= 1.5


@pytest.mark.redis
async def test_burst_of_reads_through_the_redis_limiter_reaches_the_caller_without_a_429(
    running: RunningEmulator, redis_url: str
) -> None:
    token = running.state.issue_token()["token"]
    shared = redis_client(redis_url, max_connections=10)  # far fewer than the burst
    # Two clients with their own limiter instance on one Redis: two gateway processes.
    limiters = [RedisRateLimiter(shared, prefix=f"attio-gw-burst-{token[:8]}") for _ in range(2)]
    try:
        async with (
            AttioClient(
                token=token, base_url=running.base_url, rate_limiter=limiters[0], retry_policy=FAST
            ) as first,
            AttioClient(
                token=token, base_url=running.base_url, rate_limiter=limiters[1], retry_policy=FAST
            ) as second,
        ):
            responses = await asyncio.gather(
                *((first if i % 2 else second).request("GET", "/v2/objects") for i in range(300))
            )
    finally:
        await shared.aclose()
    assert {r.status_code for r in responses} == {200}
    # Unthrottled, ~200 of these 300 would be refused; a loaded machine bunches a few.
    assert running.state.limits.rejected <= 60


async def test_an_unreachable_redis_is_a_clear_storage_error() -> None:
    limiter = RedisRateLimiter(redis_client(f"redis://127.0.0.1:{free_port()}/0"))
    try:
        with pytest.raises(StorageError, match="rate limiter's Redis could not be used"):
            await limiter.acquire("workspace-1", "GET")
    finally:
        await limiter.client.aclose()


async def test_a_records_query_is_a_read_retried_through_5xx(running: RunningEmulator) -> None:
    token = running.state.issue_token()["token"]
    async with httpx.AsyncClient(base_url=running.base_url, timeout=60) as control:
        await control.post(
            "/_emulator/faults", json={"error_rate": 1.0, "remaining": 2, "error_statuses": [502]}
        )
    async with AttioClient(token=token, base_url=running.base_url, retry_policy=FAST) as attio:
        page = await attio.call("POST", "/v2/objects/companies/records/query", json={})
    assert page == {"data": []}


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
async def test_requests_whose_slot_passed_during_a_stall_do_not_leave_together(
    shared: bool, request: pytest.FixtureRequest
) -> None:
    """Slots that pass while the process is blocked are given up for new ones: after a
    150 ms stall the requests still leave spaced out instead of in one bunch that would
    overfill Attio's one-second window."""
    limits = Limits(reads_per_second=100, headroom=1.0)
    redis = None
    limiter: RedisRateLimiter | InProcessRateLimiter = InProcessRateLimiter(limits)
    if shared:
        redis = aioredis.Redis.from_url(request.getfixturevalue("redis_url"))
        limiter = RedisRateLimiter(redis, limits, prefix=f"attio-gw-test-{time.time_ns()}")
    sent: list[float] = []

    async def send() -> None:
        await limiter.acquire("workspace-1", "GET")
        sent.append(time.monotonic())

    async def stall() -> None:
        await asyncio.sleep(0.05)
        # The whole event loop is blocked, as by a slow synchronous call.
        time.sleep(0.15)  # noqa: ASYNC251

    try:
        await asyncio.gather(stall(), *(send() for _ in range(40)))
    finally:
        if redis is not None:
            await redis.aclose()
    # On time, 50 ms hold 5 or 6 requests; a wake-up up to 15 ms late still goes, so a few
    # more. Without giving up passed slots the ~15 due during the stall leave at once.
    busiest = max(sum(1 for t in sent if s <= t < s + 0.05) for s in sent)
    assert busiest <= 9, sorted(round(t - sent[0], 3) for t in sent)


async def test_a_cookie_set_by_one_users_answer_is_never_sent_for_another() -> None:
    """The gateway shares one outbound client between all users: it keeps no cookies (an
    upstream or a CDN in front of it may set them)."""
    seen: list[str | None] = []

    async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        seen.append(headers.get(b"cookie", b"").decode() or None)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"set-cookie", b"session=user-a; Path=/; Domain=api.attio.com"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    transport = httpx.ASGITransport(app=upstream)
    for token in ("token-of-user-a", "token-of-user-b"):
        async with AttioClient(token=token, transport=transport) as attio:
            await attio.call("GET", "/v2/self")
    shared = new_http_client(transport=transport)
    async with shared:
        for token in ("token-of-user-a", "token-of-user-b"):
            attio = AttioClient(token=token, http=shared)
            await attio.call("GET", "/v2/self")
    assert seen == [None, None, None, None]


async def test_call_recordings_are_attached_at_attios_one_a_second(
    running: RunningEmulator,
) -> None:
    """Attaching a call recording has its own limit (1/s) on top of the write limit: the
    limiter spaces those creates, so none is answered 429."""
    token = running.state.issue_token()["token"]
    body = meeting("m", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")
    async with AttioClient(token=token, base_url=running.base_url) as attio:
        created = await attio.call("POST", "/v2/meetings", json=body)
        path = f"/v2/meetings/{created['data']['id']['meeting_id']}/call_recordings"
        running.state.limits.rejected = 0
        started = time.monotonic()
        for _ in range(3):
            await attio.call("POST", path, json={"data": {"video_url": VIDEO}})
        elapsed = time.monotonic() - started
    assert running.state.limits.rejected == 0
    assert elapsed >= 1.9  # three creates at most one a second (a 429 retry would take longer)
