"""docs/tools.md is generated from the catalog and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from attio_gateway.tools import catalog
from attio_gateway.tools.docs import render

DOCS = Path(__file__).parents[3] / "docs" / "tools.md"


def test_tools_reference_is_up_to_date() -> None:
    assert DOCS.read_text() == render(), (
        "docs/tools.md is stale: python -m attio_gateway.tools.docs > docs/tools.md"
    )


def test_every_tool_is_documented() -> None:
    text = render()
    for name in catalog().names():
        assert f"### `{name}`" in text
