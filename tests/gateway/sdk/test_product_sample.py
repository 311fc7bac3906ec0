"""The product document's sample against the emulator over real HTTP.

``product_document_sample.txt`` is the document's code with only its import line changed. It
is run as written, in its own process; where its payloads break Attio's rules (TOOLS.md
§A.6) the caller sees exactly Attio's answer. The corrected copy in docs/quickstart.md runs
green.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.compat.scalekit import ScalekitClient
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

HERE = Path(__file__).parent
DOCS = HERE.parents[2] / "docs" / "quickstart.md"
GATEWAY_URL = "http://127.0.0.1:8000"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh workspace per test: the sample creates records with unique values."""
    with run_in_thread() as running:
        yield running


async def _connect(data_dir: Path, emulator_url: str) -> None:
    async with AsyncGateway(Settings(data_dir=data_dir, base_url=GATEWAY_URL)) as gateway:
        await create_emulator_connection(gateway, emulator_url)
        await connect_user(gateway, "user_123")


@pytest.fixture
def data_dir(tmp_path: Path, emulator: RunningEmulator) -> Path:
    """A gateway store whose ``attio`` connection points at the emulator, user_123 approved."""
    # A private loop: these tests drive sync code (ScalekitClient, a subprocess).
    asyncio.run(_connect(tmp_path, emulator.base_url))
    return tmp_path


def _run(code: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    script = data_dir / "sample.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTIO_GATEWAY_", "SCALEKIT_"))}
    env |= {
        "ATTIO_GATEWAY_DATA_DIR": str(data_dir),
        "SCALEKIT_ENV_URL": GATEWAY_URL,
        "SCALEKIT_CLIENT_ID": "skc_example",
        "SCALEKIT_CLIENT_SECRET": "example-secret",
    }
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _proxy_events(data_dir: Path) -> list[tuple[str | None, str | None, int | None]]:
    async with AsyncGateway(Settings(data_dir=data_dir, base_url=GATEWAY_URL)) as gateway:
        events = await gateway.audit_events(identifier="user_123")
    return sorted((e.method, e.path, e.http_status) for e in events if e.kind == "proxy")


def test_document_sample_as_written_sees_exactly_what_attio_answers(data_dir: Path) -> None:
    sample = (HERE / "product_document_sample.txt").read_text()
    assert sample.splitlines()[0] == "import attio_gateway.compat.scalekit as scalekit, os"
    result = _run(sample, data_dir)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"Authorize Attio: http://127\.0\.0\.1:\d+/authorize\?", result.stdout)
    assert f"redirect_uri={GATEWAY_URL.replace(':', '%3A').replace('/', '%2F')}" in result.stdout
    # The array-wrapped filter: Attio's 400, printed as the response.
    assert "People: <ProxyResponse [400]" in result.stdout and "filter_error" in result.stdout
    assert re.search(r"Created company: [0-9a-f-]{36}", result.stdout)
    # The person's company reference lacks target_object: Attio's 400, quoted by the KeyError.
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("KeyError:") and "HTTP 400" in last_line, result.stderr
    assert 'record references need \\\\"target_object\\\\"' in last_line, last_line
    # Every call reached Attio as written, and stopped where the script stopped.
    assert asyncio.run(_proxy_events(data_dir)) == [
        ("POST", "/v2/objects/companies/records", 200),
        ("POST", "/v2/objects/people/records", 400),
        ("POST", "/v2/objects/people/records/query", 400),
    ]


def test_each_document_call_as_written(data_dir: Path) -> None:
    """The calls after the person, too: the note is fine, the task and /v2/self are not."""
    settings = Settings(data_dir=data_dir)
    with ScalekitClient(env_url=GATEWAY_URL, settings=settings) as client:

        def request(path: str, method: str = "GET", json: object = None) -> object:
            return client.actions.request(
                connection_name="attio", identifier="user_123", path=path, method=method, json=json
            )

        company = request(
            "/v2/objects/companies/records",
            "POST",
            {"data": {"values": {"name": [{"value": "Acme"}], "domains": [{"domain": "a.co"}]}}},
        )
        person = request(
            "/v2/objects/people/records",
            "POST",
            {
                "data": {
                    "values": {
                        "name": [{"first_name": "Alice", "last_name": "Smith"}],
                        "email_addresses": [
                            {"email_address": "alice@acme.com", "attribute_type": "email"}
                        ],
                        "company": [
                            {
                                "target_object": "companies",
                                "target_record_id": company["data"]["id"]["record_id"],  # type: ignore[index]
                            }
                        ],
                    }
                }
            },
        )
        person_id = person["data"]["id"]["record_id"]  # type: ignore[index]
        note = request(
            "/v2/notes",
            "POST",
            {
                "data": {
                    "parent_object": "people",
                    "parent_record_id": person_id,
                    "title": "Initial outreach",
                    "content": "Spoke with Alice about Q2 pricing. Follow up next week.",
                    "format": "plaintext",
                }
            },
        )
        assert note["data"]["id"]["note_id"]  # type: ignore[index]
        task = request(
            "/v2/tasks",
            "POST",
            {
                "data": {
                    "content": "Send Q2 pricing proposal to Alice",
                    "deadline_at": "2026-03-20T17:00:00.000Z",
                    "is_completed": False,
                    "linked_records": [{"target_object": "people", "target_record_id": person_id}],
                }
            },
        )
        assert task.status_code == 400  # type: ignore[attr-defined]
        assert task.json() == {  # type: ignore[attr-defined]
            "status_code": 400,
            "type": "invalid_request_error",
            "code": "validation_type",
            "message": "format is required.",
        }
        token_info = request("/v2/self")
        assert token_info["active"] is True  # type: ignore[index]
        assert token_info["workspace_name"] == "Emulated Workspace"  # type: ignore[index]
        assert isinstance(token_info["scope"], str)  # type: ignore[index]
        with pytest.raises(KeyError, match="'data'"):
            token_info["data"]  # type: ignore[index]


def test_corrected_sample_in_the_docs_runs_green(data_dir: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    corrected = next(block for block in blocks if "ScalekitClient(" in block)
    result = _run(corrected, data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connected to workspace: Emulated Workspace" in result.stdout
    for line in ("Created company:", "Created person:", "Created note:", "Created task:"):
        assert line in result.stdout
    assert "People: []" in result.stdout
