"""The code under test: keeps companies in Attio in step with a list from elsewhere.

It knows nothing of the emulator: give it Attio's base URL and a token, or the emulator's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class CompanySync:
    def __init__(self, base_url: str, token: str, *, attempts: int = 5) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.attempts = attempts
        self.rate_limited = 0  # how many 429s were waited out

    def upsert(self, name: str, domain: str) -> dict[str, Any]:
        """Create the company, or update the one with this domain (Attio's assert)."""
        body = {"data": {"values": {"name": name, "domains": [domain]}}}
        for _ in range(self.attempts):
            response = self.http.put(
                "/v2/objects/companies/records", params={"matching_attribute": "domains"}, json=body
            )
            if response.status_code != 429:
                response.raise_for_status()
                record: dict[str, Any] = response.json()["data"]
                return record
            self.rate_limited += 1
            time.sleep(_seconds_until(response.headers.get("Retry-After")))
        raise RuntimeError(f"still rate limited after {self.attempts} attempts")

    def close(self) -> None:
        self.http.close()

    def sync(self, companies: list[tuple[str, str]]) -> list[str]:
        return [self.upsert(name, domain)["id"]["record_id"] for name, domain in companies]


def _seconds_until(retry_after: str | None) -> float:
    """Attio's Retry-After is an HTTP date; wait until then (at most 10 s)."""
    if not retry_after:
        return 1.0
    moment = parsedate_to_datetime(retry_after)
    return min(max((moment - datetime.now(UTC)).total_seconds(), 0.0), 10.0)
