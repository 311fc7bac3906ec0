"""``ProxyResponse``: an httpx response that can also be read like the JSON dict it carries.

The product document's own sample indexes the result of ``request()`` like a dict
(``company["data"]["id"]``); the hosted SDK's response type doesn't allow that. Ours does,
and keeps everything an ``httpx.Response`` offers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

__all__ = ["ProxyResponse"]


class ProxyResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def ok(self) -> bool:
        return self.response.is_success

    def json(self) -> Any:
        return self.response.json()

    def _body(self) -> Any:
        try:
            return self.response.json()
        except ValueError:
            raise TypeError(
                f"the response (HTTP {self.status_code}) has no JSON body to index"
            ) from None

    def __getitem__(self, key: Any) -> Any:
        body = self._body()
        try:
            return body[key]
        except (KeyError, IndexError, TypeError):
            if self.response.is_success:
                raise
            # Indexing an error answer: say what Attio answered instead of a bare KeyError.
            raise KeyError(
                f"{key!r}: the request was answered HTTP {self.status_code}: {self.response.text}"
            ) from None

    def get(self, key: Any, default: Any = None) -> Any:
        body = self._body()
        return body.get(key, default) if isinstance(body, dict) else default

    def __contains__(self, key: object) -> bool:
        body = self._body()
        return isinstance(body, dict) and key in body

    def __iter__(self) -> Iterator[Any]:
        return iter(self._body())

    def keys(self) -> Any:
        return self._body().keys()

    def __repr__(self) -> str:
        return f"<ProxyResponse [{self.status_code}] {self.response.text[:200]}>"
