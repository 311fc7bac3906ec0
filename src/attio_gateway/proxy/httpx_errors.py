"""httpx's exceptions, translated into the gateway's error tree: the one table.

Nothing outside this module's package catches an ``httpx`` exception. Code that sends
with httpx — the proxy's client, the OAuth flow's token and introspection calls, the
remote SDK — wraps the send in ``sending(...)`` (or, for the retrying client, asks
``failure_of``) and catches the gateway error that comes out, ``from`` the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from attio_gateway.errors import UpstreamUnavailableError
from attio_gateway.proxy.retry import Failure

__all__ = ["HTTPX_ERRORS", "failure_of", "parse_url", "sending"]

#: httpx exception → what it says of a request that was being sent; first match wins.
#: ``NOT_SENT``: no connection was made, so the request provably never reached the
#: server (any method may be retried). ``UNKNOWN_OUTCOME``: it may have been received.
#: Any other ``httpx.HTTPError`` (a malformed answer, too many redirects) is no transport
#: failure: ``sending`` still turns it into ``UpstreamUnavailableError``, and the retrying
#: client does not retry it.
HTTPX_ERRORS: tuple[tuple[type[httpx.HTTPError], Failure], ...] = (
    (httpx.ConnectError, Failure.NOT_SENT),
    (httpx.ConnectTimeout, Failure.NOT_SENT),
    (httpx.PoolTimeout, Failure.NOT_SENT),
    (httpx.TimeoutException, Failure.UNKNOWN_OUTCOME),
    (httpx.NetworkError, Failure.UNKNOWN_OUTCOME),
    (httpx.RemoteProtocolError, Failure.UNKNOWN_OUTCOME),
)


def failure_of(exc: httpx.HTTPError) -> Failure | None:
    """How a send failed, by ``HTTPX_ERRORS``; ``None`` when ``exc`` is no transport failure."""
    for kind, failure in HTTPX_ERRORS:
        if isinstance(exc, kind):
            return failure
    return None


@contextmanager
def sending(what: str) -> Iterator[None]:
    """Run one httpx send; any ``httpx.HTTPError`` comes out as ``UpstreamUnavailableError``
    naming ``what`` (``"The token endpoint https://..."``), ``from`` the original.

    Raises:
        UpstreamUnavailableError: the send failed.
    """
    try:
        yield
    except httpx.HTTPError as exc:
        raise UpstreamUnavailableError(f"{what} could not be reached: {exc!r}") from exc


def parse_url(text: str) -> httpx.URL | None:
    """``text`` as an ``httpx.URL``; ``None`` when httpx cannot parse it."""
    try:
        return httpx.URL(text)
    except httpx.InvalidURL:
        return None
