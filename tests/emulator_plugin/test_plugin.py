"""The pytest plugin's fixtures, used here as any suite would use them (the plugin is
registered by the package's ``pytest11`` entry point)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest

from attio_emulator.latency import Latency
from attio_emulator.testing import Emulator, EmulatorSession, WebhookReceiver, Workspace


def company(name: str) -> dict[str, Any]:
    return {"data": {"values": {"name": name}}}


def count(emulator: Emulator, obj: str = "companies") -> int:
    response = emulator.client.post(f"/v2/objects/{obj}/records/query", json={})
    assert response.status_code == 200, response.text
    return len(response.json()["data"])


def test_a_running_server_with_a_token(attio_emulator: Emulator) -> None:
    assert attio_emulator.base_url.startswith("http://127.0.0.1:")
    response = attio_emulator.client.get("/v2/self")
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert attio_emulator.client.headers["Authorization"] == f"Bearer {attio_emulator.token}"


def test_each_test_starts_from_the_snapshot(attio_emulator_session: EmulatorSession) -> None:
    first = attio_emulator_session.start_test()
    assert first.client.post("/v2/objects/companies/records", json=company("A")).status_code == 200
    first.faults(error_rate=1.0, error_statuses=[503])
    first.revoke_token()
    second = attio_emulator_session.start_test()
    assert second.token == first.token  # revoked in the first test, active again
    assert count(second) == 0  # and nothing the first test wrote is left, nor its faults
    first.client.close()
    second.client.close()


@pytest.mark.attio_seed("demo")
def test_the_seed_marker(attio_emulator: Emulator) -> None:
    assert count(attio_emulator, "people") == 300


@pytest.mark.attio_seed("seeds/workspace.yaml")
def test_a_seed_file_by_marker(attio_emulator: Emulator, attio_workspace: Workspace) -> None:
    assert [r["values"]["name"][0]["value"] for r in attio_workspace.records("companies")] == [
        "Acme",
        "Globex",
    ]


def test_workspace_helpers_and_webhooks(
    attio_emulator: Emulator, attio_workspace: Workspace, attio_webhooks: WebhookReceiver
) -> None:
    attio_webhooks.subscribe("record.created", "list-entry.created", "workspace-member.created")
    record = attio_workspace.create_record("companies", {"name": "Helper Ltd"})
    record_id = record["id"]["record_id"]
    attio_workspace.create_list("targets", "companies", name="Targets")
    entry = attio_workspace.add_entry("targets", record_id)
    member = attio_workspace.add_member("eve@acme.test", "Eve", "Moss")
    created = attio_webhooks.wait_for(
        "record.created", where=lambda e: e["id"]["record_id"] == record_id
    )
    assert created[0]["id"]["object_id"] == record["id"]["object_id"]
    entries = attio_webhooks.wait_for("list-entry.created")
    assert entries[0]["id"]["entry_id"] == entry["id"]["entry_id"]
    joined = attio_webhooks.wait_for("workspace-member.created")
    assert joined[0]["id"]["workspace_member_id"] == member["id"]["workspace_member_id"]
    via_api = attio_emulator.client.get(f"/v2/objects/companies/records/{record_id}")
    assert via_api.json()["data"]["values"]["name"][0]["value"] == "Helper Ltd"
    webhook = attio_emulator.client.get("/v2/webhooks").json()["data"][0]
    assert webhook["target_url"] == attio_webhooks.url


def test_webhook_signatures_and_retries(
    attio_emulator: Emulator, attio_webhooks: WebhookReceiver
) -> None:
    hook = attio_webhooks.subscribe("record.created")
    attio_webhooks.fail_next = 1  # the first attempt is answered 500: the emulator retries
    attio_emulator.client.post("/v2/objects/companies/records", json=company("Signed"))
    attio_webhooks.wait_for("record.created")
    assert attio_webhooks.deliveries[0].signature_valid(hook["secret"])
    assert not attio_webhooks.deliveries[0].signature_valid("another secret")


def test_timeouts_say_what_arrived(attio_webhooks: WebhookReceiver) -> None:
    with pytest.raises(AssertionError, match=r"1 task.created event\(s\) not received"):
        attio_webhooks.wait_for("task.created", timeout=0.05)


def test_faults_limits_and_revoked_tokens(attio_emulator: Emulator) -> None:
    client = attio_emulator.client
    attio_emulator.faults(error_rate=1.0, error_statuses=[500], remaining=1)
    assert client.get("/v2/objects").status_code == 500
    assert client.get("/v2/objects").status_code == 200  # only the next request
    attio_emulator.limits(writes_per_second=0)  # a 429 storm on writes
    refused = client.post("/v2/objects/companies/records", json=company("Later"))
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limit_exceeded"
    assert "Retry-After" in refused.headers
    assert client.get("/v2/objects").status_code == 200  # reads still go through
    attio_emulator.limits()
    assert client.post("/v2/objects/companies/records", json=company("Now")).status_code == 200
    other = attio_emulator.issue_token(scopes=["record_permission:read"])
    attio_emulator.revoke_token()
    assert client.get("/v2/objects").status_code == 401
    attio_emulator.revoke_token(other)
    with pytest.raises(ValueError, match="No such token"):
        attio_emulator.revoke_token("no-such-token")


def test_bad_control_settings_are_400s_naming_them(attio_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="error_rate"):
        attio_emulator.faults(error_rate="often")
    with pytest.raises(ValueError, match="needs both median_ms and p95_ms"):
        attio_emulator.latency(median_ms=100)
    response = attio_emulator.client.post("/_emulator/latency", json={"fixed_ms": 1, "jitter": 2})
    assert response.status_code == 400
    assert "jitter" in response.json()["message"]


def test_latency_settings(attio_emulator: Emulator) -> None:
    described = attio_emulator.latency(median_ms=120, p95_ms=400)
    assert described == {"fixed_ms": 0, "median_ms": 120, "p95_ms": 400, "max_ms": 10000}
    assert attio_emulator.client.get("/_emulator/latency").json()["median_ms"] == 120
    attio_emulator.latency(150)
    started = time.monotonic()
    assert attio_emulator.client.get("/v2/objects").status_code == 200
    assert time.monotonic() - started >= 0.15  # a lower bound: a slow machine only adds
    attio_emulator.latency()
    assert attio_emulator.client.get("/_emulator/latency").json()["fixed_ms"] == 0


def test_latency_distribution_has_the_median_and_p95_asked_for() -> None:
    latency = Latency(median_ms=100, p95_ms=400, seed=7)
    samples = sorted(latency.sample_ms() for _ in range(20_000))
    assert statistics.median(samples) == pytest.approx(100, rel=0.05)
    assert samples[int(0.95 * len(samples))] == pytest.approx(400, rel=0.08)
    assert Latency.parse("80").sample_ms() == 80
    assert Latency(fixed_ms=50_000, max_ms=2000).sample_ms() == 2000
    with pytest.raises(ValueError, match="median_ms must be above 0 and at most p95_ms"):
        Latency.parse("400/100")


def test_snapshot_and_restore_inside_a_test(attio_emulator: Emulator) -> None:
    client = attio_emulator.client
    client.post("/v2/objects/companies/records", json=company("Kept"))
    kept = attio_emulator.snapshot()
    client.post("/v2/objects/companies/records", json=company("Dropped"))
    assert count(attio_emulator) == 2
    attio_emulator.restore(kept)
    assert count(attio_emulator) == 1
    attio_emulator.restore()  # as the test started
    assert count(attio_emulator) == 0


def test_export_of_the_workspace(attio_emulator: Emulator, attio_workspace: Workspace) -> None:
    attio_workspace.create_record("companies", {"name": "Exported", "domains": ["exp.test"]})
    exported = attio_workspace.export()
    assert exported["records"]["companies"] == [
        {"ref": "companies-1", "values": {"name": "Exported", "domains": ["exp.test"]}}
    ]
    assert attio_emulator.client.get("/_emulator/export").json() == exported


def test_an_injected_429_is_answered_as_attios_own(attio_emulator: Emulator) -> None:
    attio_emulator.faults(error_rate=1.0, error_statuses=[429], remaining=1)
    refused = attio_emulator.client.get("/v2/objects")
    assert refused.status_code == 429
    assert refused.json()["type"] == "rate_limit_error"
    assert refused.json()["code"] == "rate_limit_exceeded"
    assert refused.headers["Retry-After"].endswith(" GMT")  # an HTTP date, as Attio sends
    assert attio_emulator.client.get("/v2/objects").status_code == 200
