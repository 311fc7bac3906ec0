"""When to retry a request to Attio: a pure decision, so it can be tested exhaustively.

- 429: Attio did not process the request; retry any method after ``Retry-After``
  (an HTTP date, or seconds).
- The request never reached Attio (connect error): retry any method.
- 5xx, timeouts, broken connections: retry only reads and idempotent writes (PUT,
  DELETE); a POST or PATCH may have been applied, so it is never sent twice.
- Anything else (4xx, success): never.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

from attio_gateway.config import Settings

__all__ = [
    "IDEMPOTENT",
    "Decision",
    "Failure",
    "RetryPolicy",
    "decide",
    "failure_of_status",
    "parse_retry_after",
    "retry_policy_from_settings",
]

#: Delta seconds, ASCII digits only (str.isdigit also accepts "²", which float() rejects).
_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class Failure(Enum):
    RATE_LIMITED = "rate_limited"  # 429
    NOT_SENT = "not_sent"  # connect error: the request never left
    SERVER_ERROR = "server_error"  # 5xx
    UNKNOWN_OUTCOME = "unknown_outcome"  # timeout / reset after sending


def failure_of_status(status_code: int) -> Failure | None:
    """How an answer from Attio failed, or None when it is final (success or 4xx other
    than 429: a 400 is never retried, sending it again would give the same answer)."""
    if status_code == 429:
        return Failure.RATE_LIMITED
    if status_code >= 500:
        return Failure.SERVER_ERROR
    return None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_total_wait: float = 30.0
    base_backoff: float = 0.25
    max_backoff: float = 4.0


def retry_policy_from_settings(settings: Settings) -> RetryPolicy:
    return RetryPolicy(max_total_wait=settings.proxy_max_total_wait)


@dataclass(frozen=True)
class Decision:
    retry: bool
    wait: float = 0.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: HTTP date (Attio) or delta seconds."""
    if not value:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def decide(
    *,
    method: str,
    failure: Failure,
    attempt: int,
    waited: float,
    retry_after: float | None,
    policy: RetryPolicy,
    jitter: float | None = None,
    read_only: bool = False,
) -> Decision:
    """Retry attempt ``attempt`` (1-based, the one that just failed) after ``wait`` seconds?

    ``read_only`` marks a POST that only reads (records query, search): safe to repeat."""
    if attempt >= policy.max_attempts:
        return Decision(False)
    safe = (
        failure in (Failure.RATE_LIMITED, Failure.NOT_SENT)
        or method.upper() in IDEMPOTENT
        or read_only
    )
    if not safe:
        return Decision(False)
    if failure is Failure.RATE_LIMITED and retry_after is not None:
        # Attio's Retry-After names a whole second; a little past it avoids landing early.
        wait = retry_after + 0.05
    else:
        backoff = min(policy.max_backoff, policy.base_backoff * 2 ** (attempt - 1))
        wait = backoff * (random.random() if jitter is None else jitter) + backoff / 2
    if waited + wait > policy.max_total_wait:
        return Decision(False)
    return Decision(True, wait)
