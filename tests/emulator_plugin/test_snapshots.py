"""Snapshots: a restore puts every stored document back exactly (content and order), undoes
only what changed, keeps the record index answering, and works through /_emulator too."""

from __future__ import annotations

import marshal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator import snapshots
from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import apply_seed


def everything(state: EmulatorState) -> dict[str, Any]:
    """A deep, ordered copy of every table (what a restore must give back)."""
    return {
        kind: marshal.loads(marshal.dumps(table.items()))
        for kind, table in sorted(state.store._tables.items())
        if len(table)
    }


@pytest.fixture
def state() -> EmulatorState:
    state = EmulatorState(store=Store())
    apply_seed(state, "demo")
    state.issue_token(token="tok")
    return state


@pytest.fixture
async def api(state: EmulatorState) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=transport(create_app(state)),
        base_url="https://api.attio.com",
        headers={"Authorization": "Bearer tok"},
    ) as client:
        yield client


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


async def workout(api: httpx.AsyncClient) -> None:
    """Writes of every kind: records (create, update, delete, two-way links, merge), an
    attribute and option, a list with entries, a note, a task, a webhook, a token revoked."""
    people = (await ok(await api.post("/v2/objects/people/records/query", json={"limit": 3})))[
        "data"
    ]
    companies = (
        await ok(await api.post("/v2/objects/companies/records/query", json={"limit": 3}))
    )["data"]
    company_id = companies[0]["id"]["record_id"]
    created = await ok(
        await api.post(
            "/v2/objects/people/records",
            json={
                "data": {
                    "values": {
                        "email_addresses": ["new.person@example.com"],
                        "company": [{"target_object": "companies", "target_record_id": company_id}],
                    }
                }
            },
        )
    )
    await ok(
        await api.patch(
            f"/v2/objects/people/records/{people[0]['id']['record_id']}",
            json={"data": {"values": {"job_title": "Changed"}}},
        )
    )
    await ok(await api.delete(f"/v2/objects/people/records/{people[1]['id']['record_id']}"))
    await ok(
        await api.post(
            f"/_emulator/objects/companies/records/{company_id}/merge",
            json={"duplicate_record_id": companies[1]["id"]["record_id"]},
        )
    )
    await ok(
        await api.post(
            "/v2/objects/companies/attributes",
            json={
                "data": {
                    "title": "Tier",
                    "api_slug": "tier",
                    "type": "select",
                    "description": None,
                    "is_required": False,
                    "is_unique": False,
                    "is_multiselect": False,
                    "config": {},
                }
            },
        )
    )
    await ok(
        await api.post(
            "/v2/objects/companies/attributes/tier/options", json={"data": {"title": "Gold"}}
        )
    )
    await ok(
        await api.post(
            "/v2/lists",
            json={
                "data": {
                    "name": "Pipeline",
                    "api_slug": "pipeline",
                    "parent_object": "companies",
                    "workspace_access": "full-access",
                    "workspace_member_access": [],
                }
            },
        )
    )
    await ok(
        await api.post(
            "/v2/lists/pipeline/entries",
            json={
                "data": {
                    "parent_record_id": company_id,
                    "parent_object": "companies",
                    "entry_values": {},
                }
            },
        )
    )
    await ok(
        await api.post(
            "/v2/notes",
            json={
                "data": {
                    "parent_object": "people",
                    "parent_record_id": created["data"]["id"]["record_id"],
                    "title": "Met",
                    "format": "plaintext",
                    "content": "Hello",
                }
            },
        )
    )
    await ok(
        await api.post(
            "/v2/tasks",
            json={
                "data": {
                    "content": "Call back",
                    "format": "plaintext",
                    "deadline_at": None,
                    "is_completed": False,
                    "linked_records": [],
                    "assignees": [],
                }
            },
        )
    )
    await ok(
        await api.post(
            "/v2/webhooks",
            json={
                "data": {
                    "target_url": "https://example.com/hook",
                    "subscriptions": [{"event_type": "record.created", "filter": None}],
                }
            },
        )
    )
    await ok(await api.post("/_emulator/tokens/tok/revoke"))


async def test_restore_gives_back_every_document_in_order(
    state: EmulatorState, api: httpx.AsyncClient
) -> None:
    before = everything(state)
    baseline = snapshots.take(state)
    for _ in range(2):  # the second round undoes a workspace that was restored once already
        await workout(api)
        assert everything(state) != before
        assert snapshots.restore(state, baseline) > 0
        assert everything(state) == before
    assert snapshots.restore(state, baseline) == 0  # nothing written since: nothing to do


async def test_record_queries_and_order_after_a_restore(
    state: EmulatorState, api: httpx.AsyncClient
) -> None:
    async def listing(body: dict[str, Any]) -> list[str]:
        page = await ok(await api.post("/v2/objects/people/records/query", json=body))
        return [r["id"]["record_id"] for r in page["data"]]

    order = await listing({"limit": 1000})
    first = (await api.get(f"/v2/objects/people/records/{order[0]}")).json()["data"]
    email = first["values"]["email_addresses"][0]["email_address"]
    by_email = {"filter": {"email_addresses": email}}
    assert await listing(by_email) == [order[0]]
    baseline = snapshots.take(state)
    await ok(await api.delete(f"/v2/objects/people/records/{order[0]}"))
    await ok(
        await api.patch(
            f"/v2/objects/people/records/{order[5]}",
            json={"data": {"values": {"email_addresses": [email]}}},
        )
    )
    assert await listing(by_email) == [order[5]]
    snapshots.restore(state, baseline)
    assert await listing({"limit": 1000}) == order  # the deleted record is back in its place
    assert await listing(by_email) == [order[0]]  # and the index forgot the test's email


async def test_a_file_store_is_rewritten(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.sqlite")
    state = EmulatorState(store=Store(path))
    apply_seed(state, "demo")
    before = everything(state)
    baseline = snapshots.take(state)
    state.store.table("records").delete(next(iter(state.store.table("records")))["id"]["record_id"])
    state.issue_token(token="later")
    snapshots.restore(state, baseline)
    state.store.close()
    reopened = EmulatorState(store=Store(path))
    assert {k: dict(v) for k, v in everything(reopened).items()} == {
        k: dict(v) for k, v in before.items()
    }


async def test_snapshot_routes(state: EmulatorState, api: httpx.AsyncClient) -> None:
    taken = await ok(await api.post("/_emulator/snapshots"))
    snapshot_id = taken["snapshot_id"]
    listed = await ok(await api.get("/_emulator/snapshots"))
    assert {"snapshot_id": snapshot_id} in listed["data"]
    before = everything(state)
    await ok(
        await api.post(
            "/v2/objects/companies/records", json={"data": {"values": {"name": "Later Ltd"}}}
        )
    )
    restored = await ok(await api.post(f"/_emulator/snapshots/{snapshot_id}/restore"))
    assert restored["documents_restored"] >= 1
    assert everything(state) == before
    await ok(await api.delete(f"/_emulator/snapshots/{snapshot_id}"))
    missing = await api.post(f"/_emulator/snapshots/{snapshot_id}/restore")
    assert missing.status_code == 404
    assert snapshot_id in missing.json()["message"]
    assert (await api.delete("/_emulator/snapshots/nope")).status_code == 404


def test_a_snapshot_belongs_to_its_store(state: EmulatorState) -> None:
    other = EmulatorState(store=Store())
    with pytest.raises(ValueError, match="only be restored into the store it was taken from"):
        snapshots.restore(other, snapshots.take(state))
