"""``Idempotency-Key`` on ``POST /api/v1/proxy`` and ``/api/v1/tools/execute``: a retry gets
the stored answer, a reused key is a 409, a bad key a 400 naming it, and an accept-then-fail
create retried with its key leaves one record."""

from __future__ import annotations

from typing import Any

import httpx

from tests.gateway.api.conftest import ATTIO, Server, assert_error
from tests.gateway.conftest import Emulator

CREATE = "/v2/objects/companies/records"


def proxy_body(name: str) -> dict[str, Any]:
    return {
        "identifier": "alice",
        "path": CREATE,
        "method": "POST",
        "body": {"data": {"values": {"name": name}}},
    }


def records(emulator: Emulator) -> int:
    return len(emulator.state.store.table("records"))


async def test_a_proxied_create_is_replayed_under_its_key(
    connected: Server, emulator: Emulator
) -> None:
    before = records(emulator)
    key = {"Idempotency-Key": "create-acme"}
    first = await connected.client.post("/api/v1/proxy", json=proxy_body("Acme"), headers=key)
    second = await connected.client.post("/api/v1/proxy", json=proxy_body("Acme"), headers=key)
    assert first.status_code == second.status_code == 200
    assert second.json()["body"] == first.json()["body"]
    assert second.json()["headers"]["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.json()["headers"]
    assert records(emulator) == before + 1
    other = await connected.client.post("/api/v1/proxy", json=proxy_body("Other"), headers=key)
    error = assert_error(other, 409, "idempotency_key_reused")
    assert "fingerprint" in str(error["message"])


async def test_an_accept_then_fail_create_retried_with_its_key_writes_once(
    connected: Server, emulator: Emulator
) -> None:
    before = records(emulator)
    async with httpx.AsyncClient(transport=emulator.transport, base_url=ATTIO) as control:
        await control.post(
            "/_emulator/faults",
            json={"path_prefix": CREATE, "accept_then_fail": True, "remaining": 1},
        )
    key = {"Idempotency-Key": "create-lost"}
    lost = await connected.client.post("/api/v1/proxy", json=proxy_body("Lost"), headers=key)
    assert_error(lost, 503, "write_outcome_unknown")
    found = await connected.client.post("/api/v1/proxy", json=proxy_body("Lost"), headers=key)
    assert found.status_code == 200, found.text
    assert found.json()["body"]["data"]["values"]["name"][0]["value"] == "Lost"
    assert records(emulator) == before + 1


async def test_a_tool_call_is_replayed_with_its_execution_id(
    connected: Server, emulator: Emulator
) -> None:
    before = records(emulator)
    call = {
        "tool_name": "attio_create_company",
        "tool_input": {"values": {"name": "Tooled"}},
        "identifier": "alice",
    }
    key = {"Idempotency-Key": "tool-1"}
    first = await connected.client.post("/api/v1/tools/execute", json=call, headers=key)
    second = await connected.client.post("/api/v1/tools/execute", json=call, headers=key)
    assert first.status_code == second.status_code == 200, first.text
    assert second.json() == first.json()
    assert records(emulator) == before + 1


async def test_a_bad_key_is_a_400_naming_it(connected: Server) -> None:
    bad = await connected.client.post(
        "/api/v1/proxy", json=proxy_body("X"), headers={"Idempotency-Key": "k" * 300}
    )
    error = assert_error(bad, 400, "tool_input_error")
    assert error["field"] == "idempotency_key"


async def test_a_run_id_derives_the_key_from_the_run_and_the_call(
    connected: Server, emulator: Emulator
) -> None:
    """``Idempotency-Run``: the same call twice in one run writes once; other arguments or
    another run are other keys; with a key too it is a 400 naming ``run_id``."""
    before = records(emulator)
    run = {"Idempotency-Run": "agent-run-7"}
    call = {
        "tool_name": "attio_create_company",
        "tool_input": {"values": {"name": "Run Co"}},
        "identifier": "alice",
    }
    first = await connected.client.post("/api/v1/tools/execute", json=call, headers=run)
    again = await connected.client.post("/api/v1/tools/execute", json=call, headers=run)
    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json()
    proxied = await connected.client.post("/api/v1/proxy", json=proxy_body("Run Co"), headers=run)
    replayed = await connected.client.post("/api/v1/proxy", json=proxy_body("Run Co"), headers=run)
    assert replayed.json()["headers"]["idempotent-replayed"] == "true"
    assert replayed.json()["body"] == proxied.json()["body"]
    assert records(emulator) == before + 2  # the tool's and the proxy's: two requests
    other_run = await connected.client.post(
        "/api/v1/tools/execute", json=call, headers={"Idempotency-Run": "agent-run-8"}
    )
    assert other_run.status_code == 200
    assert other_run.json()["execution_id"] != first.json()["execution_id"]
    assert records(emulator) == before + 3
    both = await connected.client.post(
        "/api/v1/tools/execute", json=call, headers=run | {"Idempotency-Key": "k-1"}
    )
    assert assert_error(both, 400, "tool_input_error")["field"] == "run_id"
    bad = await connected.client.post(
        "/api/v1/tools/execute", json=call, headers={"Idempotency-Run": "has space"}
    )
    assert assert_error(bad, 400, "tool_input_error")["field"] == "run_id"
