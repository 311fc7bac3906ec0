"""The emulator's shared machinery: auth, scopes, error shape, persistence, the real server."""

from __future__ import annotations

from pathlib import Path

import httpx

from attio_emulator.core.clock import format_timestamp, parse_timestamp
from attio_emulator.core.state import EmulatorState, scope_satisfied
from attio_emulator.core.store import Store
from attio_emulator.server import run_in_thread


async def test_unknown_route_answers_in_attios_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/no-such-thing")
    assert response.status_code == 404
    assert response.json()["type"] == "invalid_request_error"
    assert response.json()["code"] == "not_found"


def test_read_write_implies_read() -> None:
    assert scope_satisfied("note:read", {"note:read-write"})
    assert not scope_satisfied("note:read-write", {"note:read"})
    assert not scope_satisfied("task:read", {"note:read-write"})


def test_timestamps_have_nine_fractional_digits() -> None:
    moment = parse_timestamp("2026-03-02T09:15:41.208123456Z")
    assert format_timestamp(moment) == "2026-03-02T09:15:41.208123000Z"
    assert format_timestamp(parse_timestamp("2026-03-02T10:15:41+01:00")).startswith(
        "2026-03-02T09:15:41.000000000"
    )


def test_store_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "emulator.db")
    state = EmulatorState(store=Store(path))
    token = state.issue_token(scopes=["note:read"])["token"]
    workspace_id = state.workspace.workspace_id
    state.store.close()

    reopened = EmulatorState(store=Store(path))
    assert reopened.token(token) is not None
    assert reopened.workspace.workspace_id == workspace_id


def test_a_batch_writes_each_document_once_in_its_latest_state(tmp_path: Path) -> None:
    path = str(tmp_path / "emulator.db")
    store = Store(path)
    table = store.table("things")
    table.put("first", {"n": 0})
    with store.batch():
        doc = table.put("kept", {"n": 1})
        doc["n"] = 2  # changed after the put, then put again: the latest state is written
        table.put("kept", doc)
        table.put("gone", {"n": 3})
        table.delete("gone")
        table.put("first", {"n": 4})
    store.close()
    reopened = Store(path).table("things")
    assert [(d, reopened.get(d)) for d in ("first", "kept", "gone")] == [
        ("first", {"n": 4}),
        ("kept", {"n": 2}),
        ("gone", None),
    ]
    assert [doc["n"] for doc in reopened] == [4, 2]  # first-written order survives


def test_a_memory_store_keeps_documents_without_sqlite() -> None:
    store = Store()
    store.table("things").put("a", {"n": 1})
    with store.batch():
        store.table("things").put("b", {"n": 2})
    assert [d["n"] for d in store.table("things")] == [1, 2]
    store.clear()
    assert store.is_empty()


def test_revoked_token_is_no_longer_accepted(emulator_state: EmulatorState) -> None:
    token = emulator_state.issue_token()["token"]
    assert emulator_state.revoke_token(token)
    assert emulator_state.token(token) is None


def test_threaded_server_answers_over_http() -> None:
    with run_in_thread() as running:
        response = httpx.get(f"{running.base_url}/_emulator/state", timeout=60)
        assert response.status_code == 200
        assert response.json()["workspace_id"] == running.state.workspace.workspace_id
