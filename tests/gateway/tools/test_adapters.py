"""Vendor adapters: every schema passes the vendor SDK's own types and the published rules
(OpenAI strict mode, Anthropic input_schema), and tools run from each format."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
from pydantic import TypeAdapter

from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import (
    OPENAI_STRICT_KEYWORDS,
    anthropic_tools,
    call_as_json,
    decode_arguments,
    drop_nulls,
    gemini_declaration,
    gemini_declarations,
    langchain_tools,
    openai_tools,
)
from tests.gateway.tools.conftest import Run

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # both vendors' tool-name rule


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def _schema_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every subschema (not the property maps, whose keys are parameter names)."""
    found = [node]
    for prop in node.get("properties", {}).values():
        found.extend(_schema_nodes(prop))
    for sub in [node.get("items"), *node.get("anyOf", []), *node.get("$defs", {}).values()]:
        if isinstance(sub, dict):
            found.extend(_schema_nodes(sub))
    return found


def _objects(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _walk(schema) if n.get("type") == "object" and "properties" in n]


def test_openai_tools_are_accepted_by_the_openai_sdk_types() -> None:
    from openai.types.chat import ChatCompletionToolParam

    adapter = TypeAdapter(ChatCompletionToolParam)
    for tool in openai_tools(catalog().search()):
        adapter.validate_python(tool, strict=True)
        assert NAME.match(tool["function"]["name"])
        jsonschema.Draft202012Validator.check_schema(tool["function"]["parameters"])


def test_openai_strict_schemas_follow_the_strict_mode_rules() -> None:
    tools = openai_tools(catalog().search())
    strict = [t["function"] for t in tools if t["function"]["strict"]]
    assert len(strict) == len(tools) == len(catalog())
    for function in strict:
        schema = function["parameters"]
        assert schema["type"] == "object" and "anyOf" not in schema
        for node in _objects(schema):
            assert node["additionalProperties"] is False, function["name"]
            assert sorted(node["required"]) == sorted(node["properties"]), function["name"]
        for node in _schema_nodes(schema):
            unknown = set(node) - OPENAI_STRICT_KEYWORDS
            assert not unknown, (function["name"], unknown)
    values = next(f for f in strict if f["name"] == "attio_create_person")["parameters"]
    assert values["properties"]["values"]["type"] == "string"  # JSON object text


def test_openai_agents_sdk_accepts_every_schema_as_strict() -> None:
    """The Agents SDK's own strict check (its default mode) leaves each schema unchanged."""
    from agents import FunctionTool
    from agents.strict_schema import ensure_strict_json_schema

    async def never(ctx: Any, arguments: str) -> str:
        raise AssertionError("not called")

    for tool in openai_tools(catalog().search()):
        schema = tool["function"]["parameters"]
        assert ensure_strict_json_schema(copy.deepcopy(schema)) == schema, tool["function"]["name"]
        FunctionTool(
            name=tool["function"]["name"],
            description=tool["function"]["description"],
            params_json_schema=schema,
            on_invoke_tool=never,
            strict_json_schema=True,
        )


def test_gemini_declarations_are_accepted_by_google_genai() -> None:
    from google.genai import types

    for declaration in gemini_declarations(catalog().search()):
        parsed = types.FunctionDeclaration.model_validate(declaration)
        assert parsed.parameters is not None and parsed.parameters.type == types.Type.OBJECT
    person = gemini_declaration(catalog().get("attio_create_person"))["parameters"]
    assert person["properties"]["values"]["type"] == "string"
    tasks = gemini_declaration(catalog().get("attio_list_tasks"))["parameters"]
    assert "is_completed" not in tasks.get("required", [])  # optional: left out, not null
    access = gemini_declaration(catalog().get("attio_update_list"))["parameters"]["properties"]
    assert access["workspace_access"]["nullable"] is True  # null makes the list private


async def test_json_text_parameters_are_read_back(run: Run) -> None:
    async def call(name: str, arguments: dict[str, Any]) -> Any:
        return await run(name, **arguments)

    made = json.loads(
        await call_as_json(call, "attio_create_company", {"values": '{"name": "Acme"}'})
    )
    assert made["data"]["values"]["name"][0]["value"] == "Acme"
    listed = json.loads(
        await call_as_json(
            call,
            "attio_list_companies",
            {"filter": '{"name": "Acme"}', "sorts": None, "limit": None, "offset": None},
        )
    )
    assert len(listed["data"]) == 1
    bad = json.loads(await call_as_json(call, "attio_create_company", {"values": "{name: 1}"}))
    assert bad["error"]["code"] == "tool_input_error" and bad["error"]["field"] == "values"
    array = json.loads(await call_as_json(call, "attio_create_company", {"values": "[1]"}))
    assert array["error"]["field"] == "values" and "list" in array["error"]["message"]


def test_nested_json_text_paths_are_decoded() -> None:
    spec = catalog().get("attio_create_webhook")
    decoded = decode_arguments(
        spec,
        {
            "target_url": "https://example.com/h",
            "subscriptions": [{"event_type": "note.created", "filter": '{"$and": []}'}],
        },
    )
    assert decoded["subscriptions"][0]["filter"] == {"$and": []}


def test_openai_sdk_agrees_on_a_strict_schema() -> None:
    # The SDK's own strict conversion of the same input model gives the same required set.
    from openai.lib._pydantic import to_strict_json_schema

    for name in ("attio_create_task", "attio_list_tasks", "attio_create_comment"):
        spec = catalog().get(name)
        theirs = to_strict_json_schema(spec.input_model)
        ours = next(t for t in openai_tools([spec]))["function"]["parameters"]
        assert sorted(theirs["required"]) == sorted(ours["required"])
        assert theirs["additionalProperties"] is False


def test_anthropic_tools_are_accepted_by_the_anthropic_sdk_types() -> None:
    from anthropic.types import ToolParam

    adapter = TypeAdapter(ToolParam)
    for tool in anthropic_tools(catalog().search()):
        adapter.validate_python(tool)
        assert NAME.match(tool["name"])
        schema = tool["input_schema"]
        assert schema["type"] == "object"
        assert not {"anyOf", "oneOf", "allOf"} & set(schema)  # not at the top level
        jsonschema.Draft202012Validator.check_schema(schema)


def test_strict_nulls_are_dropped_before_validation() -> None:
    assert drop_nulls({"a": None, "b": [{"c": None, "d": 1}]}) == {"b": [{"d": 1}]}


async def test_openai_style_call_with_nulls_runs_the_tool(run: Run) -> None:
    async def call(name: str, arguments: dict[str, Any]) -> Any:
        return await run(name, **arguments)

    arguments = {
        "content": "Call Bob",
        "deadline_at": None,
        "is_completed": None,
        "linked_records": None,
        "assignees": None,
    }
    text = await call_as_json(call, "attio_create_task", arguments)
    assert json.loads(text)["data"]["content_plaintext"] == "Call Bob"
    error = json.loads(await call_as_json(call, "attio_create_task", {"content": ""}))
    assert error["error"]["code"] == "tool_input_error"
    assert error["error"]["field"] == "content"
    assert error["error"]["hint"] and error["error"]["message"]


async def test_langchain_structured_tools_run_on_the_emulator(run: Run) -> None:
    pytest.importorskip("langchain_core", reason="langchain-core is the optional 'langchain' extra")

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        return await run(name, **arguments)

    tools = {t.name: t for t in langchain_tools(catalog().search(), call)}
    assert set(tools) == set(catalog().names())
    created = json.loads(await tools["attio_create_company"].ainvoke({"values": {"name": "Acme"}}))
    record = created["data"]["id"]["record_id"]
    got = json.loads(await tools["attio_get_company"].ainvoke({"record_id": record}))
    assert got["data"]["id"]["record_id"] == record
    assert tools["attio_get_company"].args["record_id"]["type"] == "string"


async def test_langchain_errors_are_tool_messages_with_status_error(run: Run) -> None:
    pytest.importorskip("langchain_core", reason="langchain-core is the optional 'langchain' extra")

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        return await run(name, **arguments)

    tool = next(t for t in langchain_tools([catalog().get("attio_create_task")], call))
    message = await tool.ainvoke(
        {"type": "tool_call", "id": "c1", "name": tool.name, "args": {"content": ""}}
    )
    assert message.status == "error"
    assert json.loads(message.content)["error"]["field"] == "content"
    ok = await tool.ainvoke(
        {"type": "tool_call", "id": "c2", "name": tool.name, "args": {"content": "Call Bob"}}
    )
    assert ok.status == "success"


def test_langchain_invoke_runs_synchronously(tmp_path: Any) -> None:
    """``invoke`` from plain sync code (no loop): the call opens its client on its own loop."""
    pytest.importorskip("langchain_core", reason="langchain-core is the optional 'langchain' extra")
    from attio_emulator.app import create_app, transport
    from attio_emulator.core.state import EmulatorState
    from attio_emulator.core.store import Store
    from attio_gateway.proxy import AttioClient
    from attio_gateway.tools import execute_tool

    state = EmulatorState(store=Store())
    app, token = create_app(state), state.issue_token()["token"]

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        async with AttioClient(token=token, transport=transport(app)) as attio:
            return await execute_tool(
                catalog=catalog(),
                name=name,
                tool_input=arguments,
                attio=attio,
                granted_scopes=None,
            )

    tools = {t.name: t for t in langchain_tools(catalog().search(), call)}
    made = json.loads(tools["attio_create_company"].invoke({"values": {"name": "Sync"}}))
    assert made["data"]["values"]["name"][0]["value"] == "Sync"
