"""The catalog against the product document, and the framework's checks (input, scopes,
read-only mode, unknown tools)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from attio_gateway.errors import MissingScopesError, NotFoundError, ToolInputError
from attio_gateway.tools import catalog
from tests.gateway.tools import document
from tests.gateway.tools.conftest import Run

TRANSCRIPTION: dict[str, dict[str, dict[str, Any]]] = json.loads(document.TRANSCRIPTION.read_text())


def _json_type(schema: dict[str, Any], prop: dict[str, Any]) -> str:
    """The one non-null JSON type of a property (``$ref``s are objects)."""
    options = prop.get("anyOf", [prop])
    types = {o.get("type", "object" if "$ref" in o else None) for o in options} - {"null"}
    assert len(types) == 1, prop
    return str(types.pop())


def test_transcription_matches_the_document_text() -> None:
    assert document.parse_document() == TRANSCRIPTION


def test_the_document_has_58_tools_and_145_parameters() -> None:
    assert len(TRANSCRIPTION) == 58
    assert sum(len(p) for p in TRANSCRIPTION.values()) == 145


@pytest.mark.parametrize("name", sorted(TRANSCRIPTION))
def test_tool_parameters_equal_the_document(name: str) -> None:
    spec = catalog().get(name)
    schema = spec.input_schema()
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    for param, expected in TRANSCRIPTION[name].items():
        assert param in properties, f"{name} lacks {param}"
        assert _json_type(schema, properties[param]) == expected["type"], (name, param)
        assert (param in required) == expected["required"], (name, param)
    extras = set(properties) - set(TRANSCRIPTION[name])
    assert not extras & required, f"{name} adds required parameters {extras & required}"


def test_catalog_has_the_document_tools_plus_the_write_tools() -> None:
    names = set(catalog().names())
    assert set(TRANSCRIPTION) <= names
    beyond = {
        "attio_update_record",
        "attio_assert_record",
        "attio_update_person",
        "attio_update_company",
        "attio_update_deal",
        "attio_update_task",
        "attio_update_list_entry",
        "attio_assert_list_entry",
        "attio_create_select_option",
        "attio_update_select_option",
        "attio_create_status",
        "attio_update_status",
        "attio_create_webhook",
        "attio_update_webhook",
        "attio_get_thread",
        "attio_get_meeting",
    }
    assert beyond <= names


def test_definitions_have_the_list_tools_shape() -> None:
    for spec in catalog().search():
        definition = spec.definition()
        assert set(definition) == {"name", "description", "input_schema", "annotations"}
        assert definition["input_schema"]["type"] == "object"
        assert definition["input_schema"]["additionalProperties"] is False
        annotations = definition["annotations"]
        assert not (annotations["readOnlyHint"] and annotations["destructiveHint"])
        if annotations["destructiveHint"]:
            assert "dry_run" in definition["input_schema"]["properties"], spec.name


def test_every_document_limit_is_in_the_schema() -> None:
    task = catalog().get("attio_create_task").input_schema()["properties"]["content"]
    assert task["maxLength"] == 2000
    notes = catalog().get("attio_list_notes").input_schema()["properties"]["limit"]
    assert (notes["maximum"], notes["default"]) == (50, 10)
    tasks = catalog().get("attio_list_tasks").input_schema()["properties"]["limit"]
    assert tasks["default"] == 20
    search = catalog().get("attio_search_records").input_schema()["properties"]["limit"]
    assert search["default"] == 20
    for name in ("attio_list_people", "attio_list_companies", "attio_list_deals"):
        props = catalog().get(name).input_schema()["properties"]
        assert (props["limit"]["default"], props["offset"]["default"]) == (500, 0)


def test_every_tool_is_exercised_by_a_test() -> None:
    here = document.TRANSCRIPTION.parent
    text = "".join(p.read_text() for p in here.glob("test_tools_*.py"))
    untested = [name for name in catalog().names() if f'"{name}"' not in text]
    assert not untested


async def test_unknown_tool_names_close_matches(run: Run) -> None:
    with pytest.raises(NotFoundError, match="attio_list_people"):
        await run("attio_list_persons")


async def test_unknown_parameter_lists_the_known_ones(run: Run) -> None:
    with pytest.raises(ToolInputError, match="no parameter 'emails'") as caught:
        await run("attio_create_person", emails=["a@b.co"])
    assert caught.value.field == "emails"
    assert "values" in caught.value.message


async def test_a_bad_value_names_the_field(run: Run) -> None:
    with pytest.raises(ToolInputError) as caught:
        await run("attio_create_task", content="x" * 2001)
    assert caught.value.field == "content"
    assert caught.value.to_dict()["code"] == "tool_input_error"


async def test_both_published_spellings_are_accepted(run: Run, member_id: str) -> None:
    person = (await run("attio_create_person", values={"email_addresses": "bob@acme.com"}))["data"][
        "id"
    ]["record_id"]
    note = await run(
        "attio_create_note", record_object="people", record_id=person, title="Call", content="ok"
    )
    assert note["data"]["parent_record_id"] == person
    comment = await run(
        "attio_create_comment",
        author_id=member_id,
        content="hi",
        record_object="people",
        record_id=person,
    )
    assert comment["data"]["author"]["id"] == member_id
    created = await run(
        "attio_create_list",
        name="Pipeline",
        api_slug="pipeline",
        workspace_access="full-access",
        workspace_member_access=[],
        parent_object="people",
    )
    assert (await run("attio_get_list", list_id="pipeline"))["data"] == created["data"]


async def test_missing_scope_is_named_before_calling_attio(run: Run) -> None:
    with pytest.raises(MissingScopesError) as caught:
        await run(
            "attio_create_person",
            values={"name": "X"},
            scopes=frozenset({"record_permission:read"}),
        )
    assert caught.value.missing == ["record_permission:read-write", "object_configuration:read"]
    assert "Attio app" in caught.value.message
    assert "record_permission:read-write" in caught.value.message


async def test_comment_scopes_follow_the_target(run: Run, member_id: str) -> None:
    """A comment on a record needs the record scopes, on a list entry the list-entry scopes;
    neither needs the other's (Attio would accept the call)."""
    person = (await run("attio_create_person", values={"name": "Ada"}))["data"]["id"]
    record_scopes = frozenset(
        {"comment:read-write", "object_configuration:read", "record_permission:read"}
    )
    made = await run(
        "attio_create_comment",
        author_actor_id=member_id,
        content="On the record",
        record_object="people",
        record_id=person["record_id"],
        scopes=record_scopes,
    )
    assert made["data"]["record"]["record_id"] == person["record_id"]
    with pytest.raises(MissingScopesError) as caught:
        await run(
            "attio_list_threads",
            list_id="pipeline",
            entry_id="00000000-0000-4000-8000-000000000000",
            scopes=record_scopes,
        )
    assert caught.value.missing == ["list_configuration:read", "list_entry:read"]


async def test_read_write_grant_satisfies_read(run: Run) -> None:
    scopes = frozenset({"record_permission:read-write", "object_configuration:read-write"})
    result = await run("attio_list_people", scopes=scopes)
    assert result == {"data": [], "next_offset": None}


def test_the_read_only_selection_holds_only_read_tools() -> None:
    """Read-only mode itself (what `mcp --read-only` offers and lets call) is tested
    through the MCP server, where it is enforced: tests/gateway/mcp_server."""
    read_tools = catalog().search(read_only=True)
    assert read_tools and all(t.read_only for t in read_tools)
    assert not any(t.name.startswith(("attio_create", "attio_delete")) for t in read_tools)


async def test_unknown_output_is_refused(run: Run) -> None:
    with pytest.raises(ToolInputError) as caught:
        await run("attio_list_objects", output="tiny")
    assert caught.value.field == "output"
