"""Properties of the pure retry decision: what may be sent again, when, and for how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from attio_gateway.proxy.ratelimit import is_read
from attio_gateway.proxy.retry import (
    Failure,
    RetryPolicy,
    decide,
    failure_of_status,
    parse_retry_after,
)

METHODS = st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST", "PATCH", "get", "post"])
POLICIES = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 10),
    max_total_wait=st.floats(0, 120),
    base_backoff=st.floats(0.001, 2),
    max_backoff=st.floats(0.001, 10),
)


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(status=st.integers(100, 599))
def test_only_429_and_5xx_answers_are_failures(status: int) -> None:
    failure = failure_of_status(status)
    if status == 429:
        assert failure is Failure.RATE_LIMITED
    elif status >= 500:
        assert failure is Failure.SERVER_ERROR
    else:
        assert failure is None  # 2xx, and every other 4xx (a 400 above all), is final


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=st.sampled_from(["POST", "PATCH", "post", "patch"]),
    failure=st.sampled_from([Failure.SERVER_ERROR, Failure.UNKNOWN_OUTCOME]),
    attempt=st.integers(1, 10),
    waited=st.floats(0, 60),
    retry_after=st.none() | st.floats(0, 5),
    policy=POLICIES,
)
def test_a_write_that_may_have_been_applied_is_never_sent_again(
    method: str,
    failure: Failure,
    attempt: int,
    waited: float,
    retry_after: float | None,
    policy: RetryPolicy,
) -> None:
    decision = decide(
        method=method,
        failure=failure,
        attempt=attempt,
        waited=waited,
        retry_after=retry_after,
        policy=policy,
    )
    assert not decision.retry


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=METHODS,
    retry_after=st.floats(0, 3),
    attempt=st.integers(1, 4),
)
def test_a_429_is_retried_for_any_method_no_sooner_than_retry_after(
    method: str, retry_after: float, attempt: int
) -> None:
    decision = decide(
        method=method,
        failure=Failure.RATE_LIMITED,
        attempt=attempt,
        waited=0,
        retry_after=retry_after,
        policy=RetryPolicy(max_attempts=5, max_total_wait=30),
    )
    assert decision.retry
    assert retry_after <= decision.wait <= retry_after + 1


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE"]),
    failure=st.sampled_from([Failure.SERVER_ERROR, Failure.UNKNOWN_OUTCOME, Failure.NOT_SENT]),
    attempt=st.integers(1, 8),
    jitter=st.floats(0, 1),
)
def test_reads_and_idempotent_writes_back_off_exponentially_with_jitter(
    method: str, failure: Failure, attempt: int, jitter: float
) -> None:
    policy = RetryPolicy(max_attempts=10, max_total_wait=1000, base_backoff=0.25, max_backoff=4)
    decision = decide(
        method=method,
        failure=failure,
        attempt=attempt,
        waited=0,
        retry_after=None,
        policy=policy,
        jitter=jitter,
    )
    backoff = min(policy.max_backoff, policy.base_backoff * 2 ** (attempt - 1))
    assert decision.retry
    assert backoff / 2 <= decision.wait <= backoff * 1.5


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=METHODS,
    failures=st.lists(st.sampled_from(list(Failure)), min_size=1, max_size=30),
    retry_afters=st.lists(st.none() | st.floats(0, 5), min_size=30, max_size=30),
    jitters=st.lists(st.floats(0, 1), min_size=30, max_size=30),
    policy=POLICIES,
)
def test_retrying_never_exceeds_the_attempt_and_wait_budget(
    method: str,
    failures: list[Failure],
    retry_afters: list[float | None],
    jitters: list[float],
    policy: RetryPolicy,
) -> None:
    """Whatever sequence of failures comes back, the loop stops within the budget."""
    waited, attempt = 0.0, 0
    for failure, retry_after, jitter in zip(failures, retry_afters, jitters, strict=False):
        attempt += 1
        decision = decide(
            method=method,
            failure=failure,
            attempt=attempt,
            waited=waited,
            retry_after=retry_after,
            policy=policy,
            jitter=jitter,
        )
        if not decision.retry:
            break
        assert decision.wait >= 0
        waited += decision.wait
    assert attempt <= max(1, policy.max_attempts)
    assert waited <= policy.max_total_wait


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    seconds=st.integers(0, 3600),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_retry_after_reads_attios_http_date_and_plain_seconds(seconds: int, now: datetime) -> None:
    now = now.replace(microsecond=0)
    date = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(date, now=now) == seconds
    assert parse_retry_after(str(seconds), now=now) == seconds
    # A date already past means "now", never a negative wait.
    past = format_datetime(now - timedelta(seconds=seconds + 1), usegmt=True)
    assert parse_retry_after(past, now=now) == 0


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(text=st.text(max_size=40))
@example(text="²")  # str.isdigit() says yes, float() says no
@example(text="٣")  # non-ASCII digits are not HTTP delta-seconds
def test_retry_after_never_crashes_on_garbage(text: str) -> None:
    value = parse_retry_after(text, now=datetime(2026, 3, 4, tzinfo=UTC))
    assert value is None or value >= 0
    if text in ("²", "٣"):
        assert value is None


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    failure=st.sampled_from(list(Failure)),
    attempt=st.integers(1, 3),
    jitter=st.floats(0, 1),
)
def test_a_read_only_post_is_retried_like_a_read(
    failure: Failure, attempt: int, jitter: float
) -> None:
    def decision(read_only: bool) -> bool:
        return decide(
            method="POST",
            failure=failure,
            attempt=attempt,
            waited=0,
            retry_after=1,
            policy=RetryPolicy(),
            jitter=jitter,
            read_only=read_only,
        ).retry

    assert decision(read_only=True)
    assert decision(read_only=False) == (failure in (Failure.RATE_LIMITED, Failure.NOT_SENT))


@settings(deadline=None)  # pure code; a loaded machine must not fail it
@given(
    method=METHODS,
    path=st.sampled_from(
        [
            "/v2/objects/people/records/query",
            "/v2/lists/sales/entries/query/",
            "/v2/objects/records/search",
            "/v2/objects/people/records",
            "/v2/notes",
        ]
    ),
)
def test_only_queries_and_search_are_read_only_posts(method: str, path: str) -> None:
    expected = method.upper() in ("GET", "HEAD") or (
        method.upper() == "POST" and ("query" in path or path.endswith("search"))
    )
    assert is_read(method, path) == expected
