"""Faults through /_emulator/faults: latency, 5xx share, accept-then-fail, next-N, path filter."""

from __future__ import annotations

import httpx
import pytest

from attio_emulator.core.state import EmulatorState
from attio_emulator.server import run_in_thread


async def test_error_rate_answers_chosen_statuses(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/_emulator/faults", json={"error_rate": 1.0, "error_statuses": [503], "seed": 1}
    )
    assert answer.status_code == 200
    response = await client.get("/v2/workspace_members")
    assert response.status_code == 503
    assert response.json()["status_code"] == 503
    await client.post("/_emulator/faults", json={})
    assert (await client.get("/v2/workspace_members")).status_code == 200


async def test_seeded_share_is_reproducible(client: httpx.AsyncClient) -> None:
    async def run() -> list[int]:
        await client.post("/_emulator/faults", json={"error_rate": 0.5, "seed": 7})
        return [(await client.get("/v2/workspace_members")).status_code for _ in range(20)]

    first, second = await run(), await run()
    assert first == second
    assert {200} < set(first) <= {200, 500, 502, 503}


async def test_accept_then_fail_applies_the_write(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    await client.post("/_emulator/faults", json={"accept_then_fail": True, "remaining": 1})
    response = await client.post(
        "/v2/objects/companies/records",
        json={"data": {"values": {"name": "Acme"}}},
    )
    assert response.status_code == 502
    # The write happened anyway; the next request is no longer faulted.
    listed = await client.post("/v2/objects/companies/records/query", json={})
    assert listed.status_code == 200
    assert [r["values"]["name"][0]["value"] for r in listed.json()["data"]] == ["Acme"]


async def test_remaining_and_path_prefix(client: httpx.AsyncClient) -> None:
    await client.post(
        "/_emulator/faults",
        json={"error_rate": 1.0, "remaining": 2, "path_prefix": "/v2/workspace_members"},
    )
    assert (await client.post("/v2/objects/people/records/query", json={})).status_code == 200
    codes = [(await client.get("/v2/workspace_members")).status_code for _ in range(3)]
    assert codes[2] == 200
    assert all(code >= 500 for code in codes[:2])


async def test_latency_is_reported(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_emulator/faults", json={"latency_ms": 1})
    assert answer.json()["latency_ms"] == 1
    assert (await client.get("/v2/workspace_members")).status_code == 200
    state = (await client.get("/_emulator/state")).json()
    assert state["faults"]["latency_ms"] == 1


async def test_connection_reset_in_process(client: httpx.AsyncClient) -> None:
    await client.post("/_emulator/faults", json={"reset_rate": 1.0, "remaining": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/v2/workspace_members")
    assert (await client.get("/v2/workspace_members")).status_code == 200


def test_connection_reset_over_http() -> None:
    with run_in_thread() as running:
        token = running.state.issue_token()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=running.base_url, headers=headers, timeout=60) as http:
            http.post("/_emulator/faults", json={"reset_rate": 1.0, "remaining": 1})
            with pytest.raises(httpx.TransportError):
                http.get("/v2/workspace_members")
            assert http.get("/v2/workspace_members").status_code == 200


async def test_reset_clears_faults_and_state(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    await client.post("/v2/objects/companies/records", json={"data": {"values": {"name": "A"}}})
    await client.post("/_emulator/faults", json={"error_rate": 1.0, "path_prefix": "/v2/x"})
    assert (await client.post("/_emulator/reset")).status_code == 200
    described = (await client.get("/_emulator/state")).json()
    assert described["faults"]["error_rate"] == 0.0
    assert described["counts"]["records"] == 0
    assert described["counts"]["tokens"] == 0
