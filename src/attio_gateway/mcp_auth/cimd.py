"""Client ID Metadata Documents: an MCP client whose ``client_id`` is an https URL
publishes its registration there; the gateway fetches it instead of a DCR record.

The fetch is an outbound request to a URL anyone may choose, so it is guarded against
server-side request forgery: https only, no credentials or fragment in the URL, a path
that is not ``/``; the host is resolved first and every address must be public (not
loopback, private, link-local, multicast or reserved — unless the operator allows private
networks); the request then goes to the checked address itself (the name kept for TLS
and ``Host``), so a second DNS answer cannot point it elsewhere; no redirects; at most
``MAX_BYTES`` within ``TIMEOUT`` seconds. Documents are cached (``Cache-Control:
max-age`` between ``MIN_CACHE`` and ``MAX_CACHE``, else ``DEFAULT_CACHE``), failures
briefly too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from attio_gateway.errors import UpstreamError
from attio_gateway.proxy.httpx_errors import parse_url, sending

__all__ = ["ClientMetadataDocuments", "is_metadata_url"]

logger = logging.getLogger("attio_gateway.mcp_auth")

MAX_BYTES = 5 * 1024
TIMEOUT = 5.0
DEFAULT_CACHE = 300.0
MIN_CACHE = 60.0
MAX_CACHE = 24 * 3600.0
FAILURE_CACHE = 30.0
MAX_ENTRIES = 1000
_MAX_AGE = re.compile(r"max-age=(\d+)")

#: Checks a redirect URI a document lists (the one rule for every client).
RedirectCheck = Callable[[str], bool]


def is_metadata_url(client_id: str) -> bool:
    """Whether ``client_id`` is meant as a Client ID Metadata Document URL."""
    return client_id.startswith("https://")


class MetadataRefused(Exception):
    """Why a document was not used (logged; the client is then unknown)."""


@dataclass
class _Entry:
    expires: float
    client: OAuthClientInformationFull | None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class ClientMetadataDocuments:
    """Fetches, checks and caches Client ID Metadata Documents."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        redirect_allowed: RedirectCheck,
        allow_private_networks: bool = False,
        monotonic: Callable[[], float],
    ) -> None:
        self._http = http
        self._redirect_allowed = redirect_allowed
        self._allow_private = allow_private_networks
        self._monotonic = monotonic
        self._cache: dict[str, _Entry] = {}

    async def client(self, url: str) -> OAuthClientInformationFull | None:
        """The client the document at ``url`` describes; ``None`` when it cannot be used
        (the reason is logged)."""
        now = self._monotonic()
        cached = self._cache.get(url)
        if cached is not None and cached.expires > now:
            return cached.client
        try:
            client, max_age = await self._fetch(url)
        except MetadataRefused as exc:
            logger.warning("Client ID Metadata Document %s refused: %s", url, exc)
            self._remember(url, None, FAILURE_CACHE)
            return None
        self._remember(url, client, max_age)
        return client

    def _remember(
        self, url: str, client: OAuthClientInformationFull | None, seconds: float
    ) -> None:
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[url] = _Entry(expires=self._monotonic() + seconds, client=client)

    async def _address(self, host: str, port: int) -> str:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise MetadataRefused(f"the host {host!r} does not resolve: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise MetadataRefused(f"the host {host!r} has no address")
        if not self._allow_private:
            refused = [address for address in addresses if not _public(address)]
            if refused:
                raise MetadataRefused(
                    f"the host {host!r} resolves to non-public addresses {refused}"
                )
        return addresses[0]

    async def _fetch(self, url: str) -> tuple[OAuthClientInformationFull, float]:
        parsed = parse_url(url)
        if parsed is None or parsed.scheme != "https" or not parsed.host:
            raise MetadataRefused("not an https URL")
        if parsed.userinfo or parsed.fragment or parsed.path in ("", "/") or len(url) > 2000:
            raise MetadataRefused("credentials, a fragment, a root path or too long")
        port = parsed.port or 443
        address = await self._address(parsed.host, port)
        host_header = parsed.host if parsed.port is None else f"{parsed.host}:{parsed.port}"
        pinned = parsed.copy_with(host=address)
        request = self._http.build_request(
            "GET",
            pinned,
            headers={"Host": host_header, "Accept": "application/json"},
            timeout=TIMEOUT,
            extensions={"sni_hostname": parsed.host},
        )
        try:
            with sending(f"The client metadata document {url}"):
                async with asyncio.timeout(TIMEOUT):
                    response = await self._http.send(request, stream=True, follow_redirects=False)
                    try:
                        body = b""
                        async for chunk in response.aiter_bytes():
                            body += chunk
                            if len(body) > MAX_BYTES:
                                raise MetadataRefused(f"larger than {MAX_BYTES} bytes")
                    finally:
                        await response.aclose()
        except (UpstreamError, TimeoutError) as exc:
            raise MetadataRefused(f"could not be fetched: {exc}") from exc
        if response.status_code != 200:
            raise MetadataRefused(f"answered HTTP {response.status_code}")
        return self._checked(url, body), self._max_age(response)

    def _checked(self, url: str, body: bytes) -> OAuthClientInformationFull:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MetadataRefused("not JSON") from exc
        if not isinstance(document, dict):
            raise MetadataRefused("not a JSON object")
        if document.get("client_id") != url:
            raise MetadataRefused("its client_id is not its own URL")
        if "client_secret" in document or "client_secret_expires_at" in document:
            raise MetadataRefused("a document may not carry a client secret")
        method = document.get("token_endpoint_auth_method", "none")
        if method != "none":
            raise MetadataRefused(f"token_endpoint_auth_method {method!r}: only 'none' is taken")
        try:
            client = OAuthClientInformationFull.model_validate(
                {**document, "token_endpoint_auth_method": "none"}
            )
        except ValidationError as exc:
            raise MetadataRefused(f"not valid client metadata: {exc.error_count()} errors") from exc
        uris = [str(uri) for uri in client.redirect_uris or []]
        if not uris or not all(self._redirect_allowed(uri) for uri in uris):
            raise MetadataRefused("redirect_uris missing, or not https/loopback")
        if "authorization_code" not in client.grant_types:
            raise MetadataRefused("grant_types lacks authorization_code")
        return client

    @staticmethod
    def _max_age(response: httpx.Response) -> float:
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        if match is None:
            return DEFAULT_CACHE
        return min(MAX_CACHE, max(MIN_CACHE, float(match.group(1))))
