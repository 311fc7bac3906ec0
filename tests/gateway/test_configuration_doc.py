"""docs/configuration.md lists every setting: its variable, its default and a meaning."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from attio_gateway.config import Settings

CONFIGURATION_MD = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ROW = re.compile(r"^\| `(ATTIO_GATEWAY_[A-Z0-9_]+)` \| ([^|]+) \| ([^|]+) \|$", re.MULTILINE)


def documented_default(field: Any) -> str:
    default = field.default
    if default is PydanticUndefined:
        default = field.default_factory()
    if default is None:
        return "(none)"
    if default == []:
        return "(empty)"
    return f"`{default}`"


def test_every_setting_is_documented_with_its_default() -> None:
    rows = {
        name: (default.strip(), meaning.strip())
        for name, default, meaning in ROW.findall(CONFIGURATION_MD.read_text())
    }
    prefix = Settings.model_config.get("env_prefix", "")
    fields = {f"{prefix}{name.upper()}": field for name, field in Settings.model_fields.items()}
    assert sorted(rows) == sorted(fields), (
        "docs/configuration.md and Settings disagree: add (or remove) a row for "
        f"{sorted(set(fields) ^ set(rows))}"
    )
    for variable, field in fields.items():
        default, meaning = rows[variable]
        assert default == documented_default(field), f"{variable}: the default is {default}"
        assert len(meaning) > 20, f"{variable}: say what it means"


def test_readme_links_the_configuration_page() -> None:
    readme = (CONFIGURATION_MD.parents[1] / "README.md").read_text()
    assert "docs/configuration.md" in readme
