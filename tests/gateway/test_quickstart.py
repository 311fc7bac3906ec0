"""``attio-gateway quickstart`` end to end: no configuration, an in-process emulator, exit 0."""

from __future__ import annotations

import re
import threading
import webbrowser
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from attio_gateway.cli import app

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
STEPS = (
    "Attio emulator running",
    "Connection attio is ACTIVE",
    "Authorization link for user_123",
    "user_123 approved: account ACTIVE",
    "Query people by email",
    "Create a company",
    "Create a person linked to the company",
    "Add a note to the person",
    "Create a task linked to the person",
    "Verify the token and workspace",
    "Done. 6 calls in the audit log",
)


def test_quickstart_walks_every_step_with_no_configuration() -> None:
    result = CliRunner().invoke(app, ["quickstart"])
    assert result.exit_code == 0, result.output
    for step in STEPS:
        assert step in result.output
    assert "Emulated Workspace" in result.output


def test_quickstart_keeps_state_in_the_given_dir_and_can_run_again(tmp_path: Path) -> None:
    for _ in range(2):  # the second run replaces the first run's sandbox connection
        result = CliRunner().invoke(app, ["quickstart", "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert f"state kept in {tmp_path}" in " ".join(result.output.split())
    assert (tmp_path / "gateway.db").exists()


def test_quickstart_with_browser_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--browser``: the link opens in a browser and the callback arrives over HTTP."""
    opened: list[str] = []

    def user_approves_in_browser(link: str) -> bool:
        opened.append(link)

        def press_approve() -> None:
            with httpx.Client() as http:
                page = http.get(link)
                fields = dict(HIDDEN.findall(page.text))
                answer = http.post(link.split("?")[0], data={**fields, "decision": "approve"})
                http.get(answer.headers["location"])  # the browser follows the redirect

        threading.Thread(target=press_approve, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", user_approves_in_browser)
    result = CliRunner().invoke(app, ["quickstart", "--browser"])
    assert result.exit_code == 0, result.output
    assert len(opened) == 1 and "/authorize?" in opened[0]
    assert "Verify the token and workspace" in result.output
