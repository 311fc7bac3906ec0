"""The demo seed (deterministic, linked, valid against the API) and ``attio-emulator serve``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import apply_seed
from attio_emulator.seed.demo import COMPANIES, DEALS, PEOPLE
from attio_emulator.server import free_port
from tests.emulator.helpers import ids, query


def _demo() -> EmulatorState:
    state = EmulatorState(store=Store())
    apply_seed(state, "demo")
    return state


def _content(state: EmulatorState) -> list[Any]:
    """Every stored value in creation order, without the random ids."""
    random_ids = {"target_record_id", "referenced_actor_id", "created_by_actor"}
    out = []
    for record in state.store.table("records"):
        for history in record["values"].values():
            for value in history:
                if value.get("value") == record["id"]["record_id"]:
                    continue  # the record_id attribute
                out.append({k: v for k, v in value.items() if k not in random_ids and k[0] != "_"})
    return out


def person_id(record: dict[str, Any]) -> str:
    value: str = record["id"]["record_id"]
    return value


def test_demo_seed_is_deterministic() -> None:
    assert _content(_demo()) == _content(_demo())


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed"):
        apply_seed(EmulatorState(store=Store()), "huge")


@pytest.fixture
def emulator_state() -> EmulatorState:
    return _demo()


async def test_demo_workspace_is_linked_and_servable(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    for obj, count in (("companies", COMPANIES), ("people", PEOPLE), ("deals", DEALS)):
        response = await query(client, obj, {"limit": 1000})
        assert len(ids(response)) == count
    members = (await client.get("/v2/workspace_members")).json()["data"]
    assert {m["email_address"] for m in members} >= {"ada@demo.example", "ben@demo.example"}

    people = (await query(client, "people", {"limit": 5})).json()["data"]
    for person in people:
        assert person["values"]["email_addresses"], person
        company = person["values"]["company"][0]["target_record_id"]
        team = await query(
            client,
            "companies",
            {"filter": {"record_id": company, "team": {"target_record_id": person_id(person)}}},
        )
        assert ids(team) == {company}

    won = await query(client, "deals", {"filter": {"stage": "Won 🎉"}, "limit": 1000})
    assert 0 < len(ids(won)) < DEALS
    for deal in won.json()["data"]:
        assert deal["values"]["associated_company"], deal
        assert deal["values"]["owner"][0]["referenced_actor_type"] == "workspace-member"


async def test_demo_has_a_recorded_meeting_with_a_transcript(client: httpx.AsyncClient) -> None:
    meetings = (await client.get("/v2/meetings")).json()["data"]
    assert [m["title"].startswith("Discovery call with") for m in meetings] == [True]
    meeting_id = meetings[0]["id"]["meeting_id"]
    recordings = (await client.get(f"/v2/meetings/{meeting_id}/call_recordings")).json()["data"]
    assert [r["status"] for r in recordings] == ["completed"]
    recording_id = recordings[0]["id"]["call_recording_id"]
    transcript = await client.get(
        f"/v2/meetings/{meeting_id}/call_recordings/{recording_id}/transcript"
    )
    raw = transcript.json()["data"]["raw_transcript"]
    assert raw.startswith("[00:01] Ada Morgan: Thanks for making the time.")
    assert len(raw.splitlines()) == 3


def test_serve_with_demo_seed_answers_and_keeps_its_workspace(tmp_path: Path) -> None:
    """How fast it is ready is measured in benchmarks/, not here: this waits generously."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("attio-emulator")),
        "serve",
        "--port",
        str(port),
        "--seed",
        "demo",
        "--api-token",
        "demo-token",
        "--db",
        str(tmp_path / "workspace.sqlite"),
    ]
    deadline = time.monotonic() + 120
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        response = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(
                    f"{base}/v2/objects", headers={"Authorization": "Bearer demo-token"}
                )
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            break
        assert response is not None, process.stderr.read() if process.poll() else "no answer"
        assert response.status_code == 200
        slugs = {o["api_slug"] for o in response.json()["data"]}
        assert {"people", "companies", "deals", "users", "workspaces"} <= slugs
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out
    assert "demo-token" in out

    # The workspace survives a restart with --db.
    state = EmulatorState(store=Store(str(tmp_path / "workspace.sqlite")))
    assert len(state.store.table("records")) == COMPANIES + PEOPLE + DEALS
