"""``AttioClient``: one workspace's authenticated client for Attio's REST API.

``request`` returns the raw response (the pass-through proxy); ``call`` returns the parsed
JSON and raises an ``UpstreamError`` subclass for any non-2xx answer (tools use it).
"""

from __future__ import annotations

from typing import Any

import httpx

from attio_gateway.errors import RateLimitedError, UpstreamError, UpstreamUnavailableError

ATTIO_API_URL = "https://api.attio.com"


class AttioClient:
    def __init__(
        self,
        *,
        token: str,
        base_url: str = ATTIO_API_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def __aenter__(self) -> AttioClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        try:
            return await self._http.request(
                method, path, params=params, json=json, headers=headers, content=content
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(f"Attio could not be reached: {exc}") from exc

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
    if response.status_code == 429:
        kind = RateLimitedError
    elif response.status_code >= 500:
        kind = UpstreamUnavailableError
    return kind(
        message,
        status_code=response.status_code,
        type=body.get("type"),
        upstream_code=body.get("code"),
        request_id=response.headers.get("x-request-id"),
    )
