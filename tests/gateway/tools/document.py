"""Parse the product document's tool tables (name, type, required flag per parameter).

The document gives each tool's description and then a table whose rows read
``<name><type><Yes|No><description>`` with no separators; tools without parameters say
"This tool takes no input parameters." The tables carry no tool names: those come from
the project's own transcription, ``document_tools.json``, which lists the tools in the
document's order and is what the catalog tests check. The document itself lives outside
the repository (``tests/external.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.external import PRODUCT_DOCUMENT

#: The project's own transcription of the document's tables: what the catalog tests check.
TRANSCRIPTION = Path(__file__).with_name("document_tools.json")

_ROW = re.compile(r"^([a-z_]+?)(string|object|array|integer|boolean|number)(Yes|No)(.*)$")


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


def parse_document() -> dict[str, dict[str, dict[str, Any]]]:
    """The document's tools and parameters; skips without the document (fails under CI)."""
    names = list(json.loads(TRANSCRIPTION.read_text()))
    tables = parse_tables(PRODUCT_DOCUMENT.require().read_text())
    if len(names) != len(tables):
        raise AssertionError(f"{len(names)} tool names but {len(tables)} tables")
    return dict(zip(names, tables, strict=True))
