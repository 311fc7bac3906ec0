"""What the tool definitions cost an agent's context: no generated titles, no docstrings,
per-object copies described once, and the MCP listing within its size."""

from __future__ import annotations

from typing import Any

from benchmarks.tools_context import definitions_numbers

from attio_gateway.tools import catalog


def _keywords(node: Any, key: str) -> list[Any]:
    """Every value of the JSON Schema keyword ``key`` (not a property so named)."""
    found: list[Any] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                found.append(v)
            if k in ("properties", "$defs"):
                for sub in v.values():
                    found.extend(_keywords(sub, key))
            else:
                found.extend(_keywords(v, key))
    elif isinstance(node, list):
        for v in node:
            found.extend(_keywords(v, key))
    return found


def test_no_schema_carries_generated_titles() -> None:
    for spec in catalog().search():
        assert not [t for t in _keywords(spec.input_schema(), "title") if isinstance(t, str)]


def test_model_docstrings_are_not_sent() -> None:
    update = catalog().get("attio_update_attribute").input_schema()
    assert "description" not in update  # "Only the fields given are sent…" is for developers
    meeting = catalog().get("attio_find_or_create_meeting").input_schema()
    assert all("description" not in d for d in meeting["$defs"].values())


def test_optional_parameters_are_plain_and_meaningful_nulls_stay() -> None:
    task = catalog().get("attio_create_task").input_schema()["properties"]["deadline_at"]
    assert task["type"] == "string" and "anyOf" not in task and "default" not in task
    access = catalog().get("attio_update_list").input_schema()["properties"]["workspace_access"]
    assert {"type": "null"} in access["anyOf"]  # null makes the list private


def test_per_object_copies_point_at_the_generic_tool() -> None:
    copies = [s for s in catalog().search() if s.copy_of]
    assert len(copies) == 21
    for spec in copies:
        generic = catalog().get(spec.copy_of or "")
        assert spec.copy_of in spec.description
        assert not _keywords(spec.input_schema(), "description")
        assert set(spec.input_schema()["properties"]) == set(
            generic.input_schema()["properties"]
        ) - {"object"}


def test_mcp_listing_size() -> None:
    numbers = definitions_numbers()
    assert numbers["tools"] == 82
    assert numbers["mcp_list_bytes"] <= 40_000
    assert numbers["mcp_read_only_bytes"] <= 18_000


def test_sub_schemas_are_shared_only_when_used_twice() -> None:
    meeting = catalog().get("attio_find_or_create_meeting").input_schema()
    assert set(meeting["$defs"]) == {"MeetingTime"}  # start and end
    participant = meeting["properties"]["participants"]["items"]
    assert participant["required"] == ["email_address"] and "$ref" not in participant
    for spec in catalog().search():
        schema = spec.input_schema()
        text = str(schema)
        for name in schema.get("$defs", {}):
            assert text.count(f"#/$defs/{name}") >= 2, (spec.name, name)
        assert not [a for a in _keywords(schema.get("$defs", {}), "additionalProperties")]
