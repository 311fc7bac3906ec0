"""``attio-gateway sandbox``: one command, then the product document's sample (corrected copy
in docs/quickstart.md) runs with the environment it printed and nothing else; a second
user's authorization link, approved on the emulator's consent page, comes back through
the sandbox's own server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.cli.test_mcp_http import free_port

DOCS = Path(__file__).parents[3] / "docs" / "quickstart.md"


class Sandbox:
    def __init__(self, process: subprocess.Popen[str], output: list[str], port: int) -> None:
        self.process = process
        self.output = output
        self.base_url = f"http://127.0.0.1:{port}"

    def environment(self) -> dict[str, str]:
        found = dict(re.findall(r"^  export (\w+)=(\S+)$", "".join(self.output), re.MULTILINE))
        return {name: value.strip("'") for name, value in found.items()}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    port = free_port()
    executable = shutil.which("attio-gateway", path=str(Path(sys.executable).parent))
    assert executable is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_GATEWAY_")}
    process = subprocess.Popen(
        [executable, "sandbox", "--port", str(port), "--data-dir", str(tmp_path / "store")],
        env=env | {"PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        while not output or "change its first line" not in output[-1]:
            line = process.stdout.readline()  # blocks until a line (or exit)
            assert line, "sandbox exited early:\n" + "".join(output)
            output.append(line)
        running = Sandbox(process, output, port)
        deadline = time.monotonic() + 120  # generous: the machine may be loaded
        while True:
            try:
                if httpx.get(f"{running.base_url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "sandbox exited"
            assert time.monotonic() < deadline, "sandbox's server did not answer"
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_the_document_sample_runs_with_what_the_sandbox_printed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    environment = sandbox.environment()
    assert set(environment) == {
        "ATTIO_GATEWAY_DATA_DIR",
        "SCALEKIT_ENV_URL",
        "SCALEKIT_CLIENT_ID",
        "SCALEKIT_CLIENT_SECRET",
    }
    assert environment["SCALEKIT_ENV_URL"] == sandbox.base_url
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    script = tmp_path / "sample.py"
    script.write_text(next(block for block in blocks if "ScalekitClient(" in block))
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATTIO_GATEWAY_", "SCALEKIT_"))
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=clean | environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in ("Authorize Attio: ", "Created company:", "Created person:", "Created task:"):
        assert line in result.stdout
    assert "Connected to workspace: " in result.stdout


def run(script: str, sandbox: Sandbox) -> str:
    """``script`` in its own process with only the environment the sandbox printed."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATTIO_GATEWAY_", "SCALEKIT_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=clean | sandbox.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.strip()


def test_a_new_user_approves_through_the_sandbox_server(sandbox: Sandbox) -> None:
    script = (
        "import attio_gateway.compat.scalekit as scalekit, os\n"
        "c = scalekit.client.ScalekitClient(env_url=os.environ['SCALEKIT_ENV_URL'])\n"
        "print(c.actions.get_authorization_link(connection_name='attio', identifier='u2').link)\n"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATTIO_GATEWAY_", "SCALEKIT_"))
    }
    link = subprocess.run(
        [sys.executable, "-c", script],
        env=clean | sandbox.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.strip()
    with httpx.Client() as browser:
        page = browser.get(link)
        fields = dict(
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text)
        )
        answer = browser.post(link.split("?")[0], data={**fields, "decision": "approve"})
        assert answer.status_code == 302
        callback = answer.headers["location"]
        assert callback.startswith(sandbox.base_url + "/sso/v1/oauth/")
        landed = browser.get(callback)
    assert landed.status_code == 200, landed.text
    status = (
        "import attio_gateway.compat.scalekit as scalekit, os\n"
        "c = scalekit.client.ScalekitClient(env_url=os.environ['SCALEKIT_ENV_URL'])\n"
        "a = c.actions.get_connected_account(connection_name='attio', identifier='u2')\n"
        "print(a.connected_account.status)\n"
    )
    assert run(status, sandbox).endswith("ACTIVE")
