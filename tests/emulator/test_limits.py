"""Rate limits: bursts past 25 writes/s or 100 reads/s per token get 429 and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from attio_emulator.core.limits import Limits
from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import error

NEW_PERSON = {"data": {"values": {}}}


def _stop_the_clock(state: EmulatorState) -> None:
    """Every request falls in one instant: the counts are exact however slowly they come."""
    state.limits.clock = lambda: 1000.0


async def test_write_burst_is_limited_with_http_date(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    _stop_the_clock(emulator_state)
    statuses = []
    for i in range(30):
        sent_at = datetime.now(UTC)
        response = await client.post(
            "/v2/objects/companies/records", json={"data": {"values": {"name": f"Co {i}"}}}
        )
        answered_at = datetime.now(UTC)
        statuses.append(response.status_code)
    assert statuses == [200] * 25 + [429] * 5
    limited = response  # the 30th request is past the limit
    error(limited, 429, "rate_limit_exceeded")
    assert limited.json()["type"] == "rate_limit_error"
    # A query is a POST that only reads: it counts against the read limit, not the write one.
    assert (await client.post("/v2/objects/people/records/query", json={})).status_code == 200
    retry_at = parsedate_to_datetime(limited.headers["Retry-After"])
    # An HTTP date: the end of the one-second window, rounded up to a whole second — after
    # the request was sent, at most two seconds after it was answered (however long it took).
    assert retry_at.tzinfo is not None
    assert sent_at < retry_at <= answered_at + timedelta(seconds=2)
    assert emulator_state.limits.rejected >= 1


async def test_read_limit_is_separate_and_per_token(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    emulator_state.limits = Limits(reads_per_second=3, writes_per_second=1)
    _stop_the_clock(emulator_state)
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


async def test_limits_configurable_and_off_switch(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    _stop_the_clock(emulator_state)  # kept when /_emulator/limits replaces the limits
    set_to = await client.post("/_emulator/limits", json={"enabled": False})
    assert set_to.status_code == 200
    codes = {(await client.get("/v2/workspace_members")).status_code for _ in range(150)}
    assert codes == {200}
    await client.post("/_emulator/limits", json={"reads_per_second": 1})
    assert (await client.get("/v2/workspace_members")).status_code == 200
    assert (await client.get("/v2/workspace_members")).status_code == 429
