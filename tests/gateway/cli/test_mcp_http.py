"""``attio-gateway mcp --http`` says where it listens, and not on serve's port 8000."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from attio_gateway.cli import app
from attio_gateway.cli.mcp import MCP_HTTP_PORT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_default_port_is_not_serves() -> None:
    assert MCP_HTTP_PORT != 8000
    help_text = CliRunner().invoke(app, ["mcp", "--help"], env={"COLUMNS": "200"}).output
    assert str(MCP_HTTP_PORT) in help_text


def test_mcp_http_prints_its_url_and_answers_there(tmp_path: Path) -> None:
    port = free_port()
    executable = shutil.which("attio-gateway", path=str(Path(sys.executable).parent))
    assert executable is not None
    env = {**os.environ, "ATTIO_GATEWAY_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [executable, "--init", "mcp", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the first line (or exit)
        url = f"http://127.0.0.1:{port}/mcp"
        assert url in line, line
        # Poll until it answers (generously: the machine may be loaded).
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = httpx.post(url, json={}, headers={"Accept": "application/json"})
                break
            except httpx.TransportError:
                assert process.poll() is None, "mcp --http exited"
                assert time.monotonic() < deadline, "mcp --http did not answer"
                time.sleep(0.2)
        assert answer.status_code in (400, 401, 406), answer.text  # no session token: refused
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
