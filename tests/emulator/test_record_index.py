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
