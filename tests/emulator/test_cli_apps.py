"""``attio-emulator apps create`` registers an app in the --db file that ``serve`` reads."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from attio_emulator.cli import app
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store


def test_apps_create_persists_the_app(tmp_path: Path) -> None:
    db = tmp_path / "emulator.db"
    result = CliRunner().invoke(
        app,
        [
            "apps",
            "create",
            "--db",
            str(db),
            "--name",
            "Gateway",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--scopes",
            "note:read, record_permission:read",
        ],
    )
    assert result.exit_code == 0, result.output
    fields = dict(line.split("=", 1) for line in result.output.split())
    stored = EmulatorState(store=Store(str(db))).store.table("oauth_apps").get(fields["client_id"])
    assert stored is not None
    assert stored["client_secret"] == fields["client_secret"]
    assert stored["scopes"] == ["note:read", "record_permission:read"]
    assert stored["redirect_uris"] == ["http://127.0.0.1:9/cb"]


def test_apps_create_rejects_unknown_scope(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            *("apps", "create", "--name", "X", "--redirect-uri", "https://x.test/cb"),
            *("--scopes", "bogus:read", "--db", str(tmp_path / "e.db")),
        ],
    )
    assert result.exit_code != 0
    assert "bogus:read" in result.output
