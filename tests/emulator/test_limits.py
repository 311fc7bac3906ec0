"""Rate limits: bursts past 25 writes/s or 100 reads/s per token get 429 and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from attio_emulator.core.limits import Limits
from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import error

NEW_PERSON = {"data": {"values": {}}}


async def test_write_burst_is_limited_with_http_date(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    statuses = []
    for i in range(30):
        response = await client.post(
            "/v2/objects/companies/records", json={"data": {"values": {"name": f"Co {i}"}}}
        )
        statuses.append(response.status_code)
    assert statuses[:25] == [200] * 25
    assert 429 in statuses[25:]
    limited = response  # the 30th request is past the limit
    error(limited, 429, "rate_limit_exceeded")
    assert limited.json()["type"] == "rate_limit_error"
    # A query is a POST that only reads: it counts against the read limit, not the write one.
    assert (await client.post("/v2/objects/people/records/query", json={})).status_code == 200
    retry_at = parsedate_to_datetime(limited.headers["Retry-After"])
    now = datetime.now(UTC)
    # An HTTP date, in the future, within the one-second window (plus rounding up).
    assert retry_at.tzinfo is not None
    assert 0 <= (retry_at - now).total_seconds() <= 2
    assert emulator_state.limits.rejected >= 1


async def test_read_limit_is_separate_and_per_token(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    emulator_state.limits = Limits(reads_per_second=3, writes_per_second=1)
    codes = [(await client.get("/v2/workspace_members")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Writes have their own budget.
    assert (await client.post("/v2/objects/people/records", json=NEW_PERSON)).status_code == 200
    # Another token has its own budget.
    other = emulator_state.issue_token()["token"]
    response = await client.get(
        "/v2/workspace_members", headers={"Authorization": f"Bearer {other}"}
    )
    assert response.status_code == 200


async def test_limits_configurable_and_off_switch(client: httpx.AsyncClient) -> None:
    set_to = await client.post("/_emulator/limits", json={"enabled": False})
    assert set_to.status_code == 200
    codes = {(await client.get("/v2/workspace_members")).status_code for _ in range(150)}
    assert codes == {200}
    await client.post("/_emulator/limits", json={"reads_per_second": 1})
    assert (await client.get("/v2/workspace_members")).status_code == 200
    assert (await client.get("/v2/workspace_members")).status_code == 429
