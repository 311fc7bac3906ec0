"""The record indexes are derived from the documents: right after a restart, a reset, and
through updates and deletes (the index only narrows; answers must not change)."""

from __future__ import annotations

from pathlib import Path

import httpx

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from tests.emulator.helpers import create, ids, query


def _client(state: EmulatorState) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport(create_app(state)),
        base_url="https://api.attio.com",
        headers={"Authorization": f"Bearer {state.issue_token(token='t')['token']}"},
    )


async def test_eq_lookup_after_restart_update_and_delete(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.sqlite")
    async with _client(EmulatorState(store=Store(path))) as client:
        ada = await create(client, "people", {"email_addresses": ["ada@acme.com"]})
        await create(client, "people", {"email_addresses": ["alan@beta.io"]})

    state = EmulatorState(store=Store(path))  # a restart: indexes rebuilt from the documents
    async with _client(state) as client:
        found = await query(client, "people", {"filter": {"email_addresses": "ada@acme.com"}})
        assert ids(found) == {ada["id"]["record_id"]}

        url = f"/v2/objects/people/records/{ada['id']['record_id']}"
        moved = await client.put(url, json={"data": {"values": {"email_addresses": ["a@x.io"]}}})
        assert moved.status_code == 200, moved.text
        old = await query(client, "people", {"filter": {"email_addresses": "ada@acme.com"}})
        assert ids(old) == set()
        new = await query(client, "people", {"filter": {"email_addresses": "a@x.io"}})
        assert ids(new) == {ada["id"]["record_id"]}
        # The freed address can be used again (uniqueness follows the index too).
        await create(client, "people", {"email_addresses": ["ada@acme.com"]})

        assert (await client.delete(url)).status_code == 200
        gone = await query(client, "people", {"filter": {"email_addresses": "a@x.io"}})
        assert ids(gone) == set()

        state.store.clear()  # what the control plane's reset does (tokens included)
        state.issue_token(token="t")
        again = await create(client, "people", {"email_addresses": ["ada@acme.com"]})
        found = await query(client, "people", {"filter": {"email_addresses": "ada@acme.com"}})
        assert ids(found) == {again["id"]["record_id"]}


async def test_a_value_most_records_hold_pages_the_same_with_or_without_the_index() -> None:
    """A dense value (an unsorted query scans in creation order instead of ordering every
    holder) and a sparse one (narrowed through the index) give the same pages as sorting by
    creation would."""
    state = EmulatorState(store=Store())
    state.limits.enabled = False  # 60 writes in a row
    async with _client(state) as client:
        made = [
            await create(client, "people", {"job_title": "Designer" if i % 30 == 0 else "Engineer"})
            for i in range(60)
        ]
        for title in ("Engineer", "Designer"):
            holders = [
                p["id"]["record_id"] for p in made if p["values"]["job_title"][0]["value"] == title
            ]
            pages = []
            for offset in (0, 7, 40):
                body = {"filter": {"job_title": title}, "limit": 7, "offset": offset}
                page = (await query(client, "people", body)).json()["data"]
                pages.append([r["id"]["record_id"] for r in page])
            assert pages == [holders[0:7], holders[7:14], holders[40:47]]
