"""The sync against a local Attio: records, webhooks, a 429 — no Attio account needed."""

from __future__ import annotations

import pytest
from crm_sync import CompanySync


@pytest.fixture
def sync(attio_emulator):
    client = CompanySync(attio_emulator.base_url, attio_emulator.token)
    yield client
    client.close()


def company_names(attio_workspace):
    return sorted(r["values"]["name"][0]["value"] for r in attio_workspace.records("companies"))


def test_creates_new_companies_and_updates_known_ones(sync, attio_workspace):
    sync.sync([("Acme Inc", "acme.test"), ("Globex", "globex.test")])
    assert company_names(attio_workspace) == ["Acme Inc", "Globex"]  # Acme updated, not doubled


def test_each_test_starts_from_the_seed(attio_workspace):
    assert company_names(attio_workspace) == ["Acme"]


def test_a_webhook_is_sent_for_each_new_company(sync, attio_webhooks):
    attio_webhooks.subscribe("record.created")
    [record_id] = sync.sync([("Initech", "initech.test")])
    [event] = attio_webhooks.wait_for("record.created")
    assert event["id"]["record_id"] == record_id


def test_waits_out_a_429(sync, attio_emulator, attio_workspace):
    attio_emulator.faults(error_rate=1.0, error_statuses=[429], remaining=1)
    sync.upsert("Umbrella", "umbrella.test")
    assert sync.rate_limited == 1
    assert "Umbrella" in company_names(attio_workspace)


def test_a_revoked_token_is_an_error(sync, attio_emulator):
    attio_emulator.revoke_token()
    with pytest.raises(Exception, match="401"):
        sync.upsert("Hooli", "hooli.test")


@pytest.mark.attio_seed("empty")
def test_an_empty_workspace(sync, attio_workspace):
    sync.upsert("First", "first.test")
    assert company_names(attio_workspace) == ["First"]
