"""``AttioClient``: one workspace's authenticated client for Attio's REST API.

Every request goes auth → rate limit → retry → network. ``request`` returns the raw
response (the pass-through proxy); ``call`` returns parsed JSON and raises an
``UpstreamError`` subclass for any non-2xx answer (tools use it).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Protocol

import httpx

from attio_gateway.errors import (
    RateLimitedError,
    UpstreamError,
    UpstreamUnauthorizedError,
    UpstreamUnavailableError,
    WriteOutcomeUnknownError,
)
from attio_gateway.proxy.httpx_errors import failure_of
from attio_gateway.proxy.outgoing import check_json
from attio_gateway.proxy.ratelimit import InProcessRateLimiter, RateLimiter, is_read, slots_for
from attio_gateway.proxy.retry import (
    IDEMPOTENT,
    Failure,
    RetryPolicy,
    decide,
    failure_of_status,
    parse_retry_after,
)

__all__ = [
    "ATTIO_API_URL",
    "AttioCalls",
    "AttioClient",
    "TokenProvider",
    "new_http_client",
    "upstream_error",
]

ATTIO_API_URL = "https://api.attio.com"

TokenProvider = Callable[[], Awaitable[str]]
#: Called with Attio's 401 answer (the token was revoked or is invalid) before it is
#: returned or raised, so the auth layer can mark the account EXPIRED.


#: The outbound pool: up to 100 connections (Attio's 100 reads/s plus writes, one call in
#: flight per connection), every one kept alive between calls (httpx keeps 20 idle by
#: default: at 64 calls in flight the other 44 closed after the answer and reopened for the
#: next call), split into ``POOL_SHARDS`` httpx pools taken in turn. One httpx pool checks
#: every connection it holds, and for each idle one counts them all again, whenever a call
#: starts or ends: with 64 connections kept that cost 4 ms of CPU per call, more than the
#: call itself; ten pools of ten cost 1 ms (docs/benchmarks.md).
POOL_SHARDS = 10
POOL_LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=30.0)


class PooledTransport(httpx.AsyncBaseTransport):
    """``POOL_SHARDS`` ordinary httpx transports, each request sent by the next one: the
    same connections, errors and TLS as one httpx transport, a tenth of the bookkeeping."""

    def __init__(self) -> None:
        self._shards = [httpx.AsyncHTTPTransport(limits=POOL_LIMITS) for _ in range(POOL_SHARDS)]
        self._turn = itertools.cycle(self._shards)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await next(self._turn).handle_async_request(request)

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


def new_http_client(
    *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0
) -> httpx.AsyncClient:
    """The outbound client the gateway shares between all its users' calls. It keeps no
    cookies: one user's answer must never change what another user's request sends."""
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        transport=transport or PooledTransport(), timeout=timeout, cookies=no_cookies
    )


class AttioCalls(Protocol):
    """What a tool needs of its Attio client: one call, answered with Attio's JSON body.
    ``AttioClient`` is one; the reconciler's client (``sdk/reconcile.py``) is another."""

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any: ...


class AttioClient:
    def __init__(
        self,
        *,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        base_url: str = ATTIO_API_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        rate_limiter: RateLimiter | None = None,
        workspace_key: str = "default",
        retry_policy: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if (token is None) == (token_provider is None):
            raise ValueError("give exactly one of token or token_provider")
        self._token_provider = token_provider
        self._token = token
        self._owns_http = http is None
        self._http = http or new_http_client(transport=transport, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.rate_limiter = rate_limiter or InProcessRateLimiter()
        self.workspace_key = workspace_key
        self.retry_policy = retry_policy or RetryPolicy()

    async def __aenter__(self) -> AttioClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _current_token(self) -> str:
        if self._token_provider is not None:
            return await self._token_provider()
        assert self._token is not None
        return self._token

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        data: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one request (retried where that is safe) and return Attio's raw answer.

        Any answer below 500 other than 429 is returned as Attio sent it (4xx included).
        Raises when retrying gave up: ``RateLimitedError`` when 429s outlast the retry
        budget; ``WriteOutcomeUnknownError`` when a POST/PATCH was sent and answered 5xx or
        not at all; ``UpstreamUnavailableError`` for other 5xx and network failures.
        """
        method = method.upper()
        check_json(json, root="json")  # NaN/Infinity: a ToolInputError, not httpx's ValueError
        url = f"{self.base_url}/{path.lstrip('/')}"
        read_only = is_read(method, path)
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            for slot in slots_for(method, path):
                await self.rate_limiter.acquire(self.workspace_key, slot)
            token = await self._current_token()
            # httpx.Headers is case-insensitive: the vaulted token replaces any caller's
            # "authorization", whatever its case (the proxy refuses one before this).
            outgoing = httpx.Headers(headers)
            outgoing["Authorization"] = f"Bearer {token}"
            outgoing.setdefault("Accept", "application/json")
            retry_after: float | None = None
            error: httpx.HTTPError | None = None
            response: httpx.Response | None = None
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=outgoing,
                    content=content,
                    data=data,
                )
            except httpx.HTTPError as exc:
                # NOT_SENT (no connection was made: it provably never reached Attio) or
                # UNKNOWN_OUTCOME, by the one table; anything else is no transport failure.
                sent = failure_of(exc)
                if sent is None:
                    raise
                failure, error = sent, exc
            else:
                answered = failure_of_status(response.status_code)
                if answered is None:
                    # A 401 is the caller's to judge: the one revocation path is
                    # oauth.lifecycle (Lifecycle.revoked), called by sdk.calls.
                    return response
                failure = answered
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            decision = decide(
                method=method,
                failure=failure,
                attempt=attempt,
                waited=waited,
                retry_after=retry_after,
                policy=self.retry_policy,
                read_only=read_only,
            )
            if not decision.retry:
                raise self._give_up(
                    method, path, read_only, failure, response, error, attempt, waited
                ) from error
            waited += decision.wait
            await asyncio.sleep(decision.wait)

    @staticmethod
    def _give_up(
        method: str,
        path: str,
        read_only: bool,
        failure: Failure,
        response: httpx.Response | None,
        error: httpx.HTTPError | None,
        attempt: int,
        waited: float,
    ) -> UpstreamError:
        """The typed error for a request that will not be retried any more."""
        tried = f"after {attempt} attempt(s) and {waited:.1f}s of waiting"
        if failure is Failure.NOT_SENT:
            return UpstreamUnavailableError(
                f"Attio could not be reached for {method} {path} {tried}: {error!r}"
            )
        if response is not None and failure is Failure.RATE_LIMITED:
            return upstream_error(response)
        if method not in IDEMPOTENT and not read_only:
            # Sent, then a 5xx or no answer at all: Attio may or may not have applied it.
            answer = f"Attio answered {response.status_code}" if response else repr(error)
            mapped = upstream_error(response) if response is not None else None
            return WriteOutcomeUnknownError(
                f"{method} {path} was sent to Attio but did not succeed ({answer}); it may or "
                "may not have been applied, so it was not retried. Check before writing again.",
                status_code=mapped.status_code if mapped else None,
                type=mapped.type if mapped else None,
                upstream_code=mapped.upstream_code if mapped else None,
                request_id=mapped.request_id if mapped else None,
            )
        if response is not None:
            return upstream_error(response)
        return UpstreamUnavailableError(f"Attio did not answer {method} {path} {tried}: {error!r}")

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        response = await self.request(method, path, params=params, json=json)
        if response.is_success:
            return response.json() if response.content else {}
        raise upstream_error(response)


def upstream_error(response: httpx.Response) -> UpstreamError:
    """Attio's ``{status_code, type, code, message}`` as the matching ``UpstreamError``."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or response.reason_phrase or "Attio returned an error")
    kind: type[UpstreamError] = UpstreamError
    if response.status_code == 401:
        kind = UpstreamUnauthorizedError
    elif response.status_code == 429:
        kind = RateLimitedError
    elif response.status_code >= 500:
        kind = UpstreamUnavailableError
    return kind(
        message,
        status_code=response.status_code,
        type=body.get("type"),
        upstream_code=body.get("code"),
        request_id=response.headers.get("x-request-id"),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )
