"""``attio-gateway quickstart`` end to end: no configuration, an in-process emulator, exit 0."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from attio_gateway.cli import app

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
