"""Parse the product document's tool tables (name, type, required flag per parameter).

The document gives each tool's description and then a table whose rows read
``<name><type><Yes|No><description>`` with no separators; tools without parameters say
"This tool takes no input parameters." The tool names themselves come from the
document's tool list, in the same order as the tables (see TOOLS.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# shared/ sits beside the repository checkout (on developers' machines and in CI).
SHARED = Path(__file__).resolve().parents[4] / "shared"
DOCUMENT = SHARED / "seed" / "000_d55efa1f3eae915e.txt"
TOOLS_MD = SHARED / "attio" / "TOOLS.md"
TRANSCRIPTION = Path(__file__).with_name("document_tools.json")

_ROW = re.compile(r"^([a-z_]+?)(string|object|array|integer|boolean|number)(Yes|No)(.*)$")
_NAME = re.compile(r"^\| \d+ \| `(attio_[a-z_]+)` \|")


def parse_tables(text: str) -> list[dict[str, dict[str, Any]]]:
    """The parameter tables in document order: ``[{param: {type, required}}]``."""
    tables: list[dict[str, dict[str, Any]]] = []
    current: dict[str, dict[str, Any]] | None = None
    for line in text.splitlines():
        if line.startswith("NameTypeRequiredDescription"):
            current = {}
            tables.append(current)
            continue
        if line.startswith("This tool takes no input parameters"):
            tables.append({})
            current = None
            continue
        match = _ROW.match(line) if current is not None else None
        if match and current is not None:
            name, type_, required, _ = match.groups()
            current[name] = {"type": type_, "required": required == "Yes"}
        else:
            current = None
    return tables


def tool_names(tools_md: str) -> list[str]:
    return [m.group(1) for line in tools_md.splitlines() if (m := _NAME.match(line))]


def parse_document() -> dict[str, dict[str, dict[str, Any]]]:
    names = tool_names(TOOLS_MD.read_text())
    tables = parse_tables(DOCUMENT.read_text())
    if len(names) != len(tables):
        raise AssertionError(f"{len(names)} tool names but {len(tables)} tables")
    return dict(zip(names, tables, strict=True))
