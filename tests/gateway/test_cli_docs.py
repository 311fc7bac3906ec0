"""docs/cli.md says what the CLI does: regenerate it when a command or option changes."""

from __future__ import annotations

from pathlib import Path

from attio_gateway.cli.docs import render

CLI_MD = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert CLI_MD.read_text() == render(), (
        "docs/cli.md is out of date: run `python -m attio_gateway.cli.docs > docs/cli.md`"
    )
