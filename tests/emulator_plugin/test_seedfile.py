"""Seed files: a YAML/JSON workspace is built through the API's models, exported in the same
format (round trip), refused with the place named when wrong, and served by the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from attio_emulator import seedfile
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import apply_seed
from attio_emulator.server import free_port

SEEDS = Path(__file__).parent / "seeds"
EMULATOR = str(Path(sys.executable).parent / "attio-emulator")
WORKSPACE = SEEDS / "workspace.yaml"


def loaded(data: dict[str, Any] | Path) -> EmulatorState:
    state = EmulatorState(store=Store())
    if isinstance(data, Path):
        seedfile.load_file(state, data)
    else:
        seedfile.load(state, data)
    return state


def test_a_file_builds_the_workspace_it_describes(attio_emulator: Any) -> None:
    attio_emulator.workspace.load(WORKSPACE)
    client = attio_emulator.client
    assert client.get("/v2/self").status_code == 200
    found = client.post(
        "/v2/objects/people/records/query",
        json={"filter": {"email_addresses": "ada@customer.test"}},
    ).json()["data"]
    assert len(found) == 1
    company_id = found[0]["values"]["company"][0]["target_record_id"]
    company = client.get(f"/v2/objects/companies/records/{company_id}").json()["data"]
    assert company["values"]["name"][0]["value"] == "Acme"
    assert company["values"]["tier"][0]["option"]["title"] == "Gold"
    assert company["values"]["arr"][0]["currency_code"] == "EUR"
    assert company["values"]["team"][0]["target_record_id"] == found[0]["id"]["record_id"]
    projects = company["values"]["projects"]  # the relationship's other side
    assert len(projects) == 1
    entries = client.post("/v2/lists/pipeline/entries/query", json={}).json()["data"]
    assert [e["entry_values"]["stage"][0]["status"]["title"] for e in entries] == [
        "Prospect",
        "Won",
    ]
    notes = client.get("/v2/notes").json()["data"]
    assert [n["title"] for n in notes] == ["Intro call"]
    tasks = client.get("/v2/tasks").json()["data"]
    assert tasks[0]["content_plaintext"] == "Send the contract"
    members = {m["email_address"] for m in client.get("/v2/workspace_members").json()["data"]}
    assert members == {"ada@acme.test", "ben@acme.test"}
    assert client.get("/v2/self").json()["workspace_name"] == "Acme Test"


@pytest.mark.parametrize("source", ["file", "demo"])
def test_export_then_load_round_trips(source: str, tmp_path: Path) -> None:
    if source == "file":
        first = loaded(WORKSPACE)
    else:
        first = EmulatorState(store=Store())
        apply_seed(first, "demo")
    exported = seedfile.export(first)
    for fmt in ("yaml", "json"):
        path = tmp_path / f"ws.{fmt}"
        seedfile.dump(exported, path)
        again = seedfile.export(loaded(path))
        assert again == exported
    if source == "file":
        assert set(exported) == set(seedfile.SECTIONS)
        assert exported["records"]["projects"][0]["values"]["client"] == {"ref": "companies-1"}
        assert "projects" not in exported["records"]["companies"][0]["values"]  # one side only


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"recordz": {}}, "unknown section 'recordz'"),
        ({"version": 2}, "version 2 is not supported"),
        (
            {"records": {"people": [{"values": {"company": {"ref": "nope"}}}]}},
            "records.people[0]: values.company: no record has ref 'nope'",
        ),
        (
            {"records": {"people": [{"values": {"email_addresses": ["not-an-email"]}}]}},
            "records.people[0]: ",
        ),
        (
            {"records": {"planets": [{"values": {}}]}},
            'records.planets[0]: Object with slug/ID "planets"',
        ),
        (
            {"attributes": {"companies": [{"api_slug": "x", "title": "X", "type": "colour"}]}},
            "attributes.companies[0]: data.type 'colour' cannot be created",
        ),
        ({"members": [{"email_address": "a@b.test"}]}, "members[0]: first_name is required"),
        ({"notes": [{"record": "ghost", "title": "t", "content": "c"}]}, "notes[0]: record"),
        ({"records": []}, "records: expected a mapping, got list"),
    ],
)
def test_bad_files_name_the_place(data: dict[str, Any], message: str) -> None:
    with pytest.raises(seedfile.SeedFileError) as caught:
        loaded(data)
    assert message in str(caught.value)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(seedfile.SeedFileError, match="cannot be read"):
        seedfile.read(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    with pytest.raises(seedfile.SeedFileError, match="not valid json"):
        seedfile.read(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(seedfile.SeedFileError, match="top level must be a mapping"):
        seedfile.read(listed)


def cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EMULATOR, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
        **kwargs,
    )


def test_cli_serves_a_seed_file_and_exports_it(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "ws.sqlite"
    args = ["serve", "--port", str(port), "--seed", str(WORKSPACE), "--api-token", "t"]
    process = subprocess.Popen(
        [EMULATOR, *args, "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.get(f"{base}/v2/objects", headers={"Authorization": "Bearer t"})
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert "projects" in {o["api_slug"] for o in response.json()["data"]}
        from_url = cli("export", "--url", base, "--format", "json")
        assert from_url.returncode == 0, from_url.stderr
    finally:
        process.terminate()
        process.communicate(timeout=60)
    expected = seedfile.export(loaded(WORKSPACE))
    assert json.loads(from_url.stdout) == expected
    out = tmp_path / "out.yaml"
    from_db = cli("export", "--db", str(db), "-o", str(out))
    assert from_db.returncode == 0, from_db.stderr
    assert seedfile.read(out) == expected


def test_cli_refuses_bad_seeds_and_options(tmp_path: Path) -> None:
    missing = cli("serve", "--seed", str(tmp_path / "nope.yaml"))
    assert missing.returncode != 0
    assert "not one of empty, demo and not a file" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("records: {people: [{values: {company: {ref: ghost}}}]}\n")
    refused = cli("serve", "--seed", str(bad))
    assert refused.returncode != 0
    assert "no record has ref 'ghost'" in refused.stderr
    latency = cli("serve", "--latency", "fast")
    assert latency.returncode != 0
    assert "expected MS (fixed) or MEDIAN_MS/P95_MS" in latency.stderr
    neither = cli("export")
    assert neither.returncode != 0
    assert "give --db PATH or --url URL" in neither.stderr
