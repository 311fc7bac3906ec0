"""The adapters in tool-search mode and with the gateway's own caller: the meta-tools in every
vendor's format (checked by each vendor package), compact output by default, and search,
describe and call answered for a connected user through the SDK."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from attio_emulator.server import run_in_thread
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.tools.adapters import (
    anthropic_tools,
    call_as_json,
    gateway_caller,
    gemini_declarations,
    langchain_tools,
    openai_tools,
)
from attio_gateway.tools.results import ResultStore, read_result_spec
from attio_gateway.tools.search import search_mode_specs

META = ["attio_search_tools", "attio_describe_tool", "attio_call_tool"]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[AsyncGateway]:
    with run_in_thread() as running:
        settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
        async with AsyncGateway(settings) as gw:
            await create_emulator_connection(gw, running.base_url)
            await connect_user(gw, "alice")
            yield gw


def test_the_meta_tools_in_every_vendor_format() -> None:
    from agents.strict_schema import ensure_strict_json_schema
    from anthropic.types import ToolParam
    from google.genai import types
    from openai.types.chat import ChatCompletionToolParam

    specs = search_mode_specs()
    assert [s.name for s in specs] == META
    chat = TypeAdapter(ChatCompletionToolParam)
    for tool in openai_tools(specs):
        chat.validate_python(tool, strict=True)
        schema = tool["function"]["parameters"]
        assert tool["function"]["strict"] is True
        assert ensure_strict_json_schema(copy.deepcopy(schema)) == schema
    call = next(t for t in openai_tools(specs) if t["function"]["name"] == "attio_call_tool")
    assert call["function"]["parameters"]["properties"]["arguments"]["type"] == "string"
    anthropic = TypeAdapter(ToolParam)
    for tool in anthropic_tools(specs):
        anthropic.validate_python(tool)
    for declaration in gemini_declarations(specs):
        types.FunctionDeclaration.model_validate(declaration)
    assert len(json.dumps(openai_tools(specs), separators=(",", ":"))) <= 4_000


async def test_the_gateway_caller_is_compact_unless_asked_for_full(
    gateway: AsyncGateway,
) -> None:
    compact = gateway_caller(gateway.actions, identifier="alice")
    made = await compact("attio_create_company", {"values": {"name": "Acme"}})
    assert made["data"]["values"]["name"] == "Acme"
    full = gateway_caller(gateway.actions, identifier="alice", output="full")
    listed = await full("attio_list_companies", {})
    assert listed["data"][0]["values"]["name"][0]["value"] == "Acme"
    with pytest.raises(ValueError, match="compact or full"):
        gateway_caller(gateway.actions, identifier="alice", output="short")


async def test_openai_style_search_describe_and_call(gateway: AsyncGateway) -> None:
    """As a strict OpenAI model calls them: every parameter sent (null when left out),
    the inner arguments as JSON text."""
    call = gateway_caller(gateway.actions, identifier="alice")
    found = json.loads(
        await call_as_json(call, "attio_search_tools", {"query": "create a company", "limit": None})
    )
    assert found["tools"][0]["name"] == "attio_create_company"
    assert {t["status"] for t in found["tools"]} == {"ready"}
    assert len(found["tools"]) == 5  # the default limit
    described = json.loads(
        await call_as_json(call, "attio_describe_tool", {"name": "attio_create_company"})
    )
    assert described["input_schema"]["required"] == ["values"]
    made = json.loads(
        await call_as_json(
            call,
            "attio_call_tool",
            {"name": "attio_create_company", "arguments": '{"values": {"name": "Initech"}}'},
        )
    )
    assert made["data"]["values"]["name"] == "Initech"  # compact
    bad = json.loads(
        await call_as_json(
            call, "attio_call_tool", {"name": "attio_create_company", "arguments": "["}
        )
    )
    assert bad["error"]["field"] == "arguments"
    unknown = json.loads(await call_as_json(call, "attio_describe_tool", {"name": "attio_nope"}))
    assert unknown["error"]["code"] == "not_found"
    meta = json.loads(await call_as_json(call, "attio_describe_tool", {"name": "attio_call_tool"}))
    assert meta["error"]["code"] == "not_found"
    empty = json.loads(await call_as_json(call, "attio_search_tools", {"query": ""}))
    assert empty["error"]["field"] == "query"


async def test_a_user_not_connected_yet_reads_needs_connection(gateway: AsyncGateway) -> None:
    call = gateway_caller(gateway.actions, identifier="carol")
    found = await call("attio_search_tools", {"query": "list the deals"})
    assert {t["status"] for t in found["tools"]} == {"needs_connection"}


async def test_langchain_meta_tools(gateway: AsyncGateway) -> None:
    pytest.importorskip("langchain_core", reason="langchain-core is the optional 'langchain' extra")
    tools = {
        t.name: t
        for t in langchain_tools(
            search_mode_specs(), gateway_caller(gateway.actions, identifier="alice")
        )
    }
    assert list(tools) == META
    found = json.loads(await tools["attio_search_tools"].ainvoke({"query": "add a task"}))
    assert "attio_create_task" in [t["name"] for t in found["tools"]]
    made = json.loads(
        await tools["attio_call_tool"].ainvoke(
            {"name": "attio_create_task", "arguments": {"content": "Call Bob"}}
        )
    )
    assert "Call Bob" in json.dumps(made["data"]), made


async def test_a_large_result_comes_in_parts_read_to_the_end(gateway: AsyncGateway) -> None:
    store = ResultStore()
    call = gateway_caller(gateway.actions, identifier="alice", budget_tokens=300, results=store)
    for i in range(12):
        await call("attio_create_company", {"values": {"name": f"Company {i:02}"}})
    text = await call_as_json(call, "attio_list_companies", {"limit": None})
    assert len(text) <= 300 * 4
    part = json.loads(text)
    names = [r["values"]["name"] for r in part["data"]]
    assert part["result_id"] and part["next_cursor"] == "1"
    other = gateway_caller(gateway.actions, identifier="bob", results=store)
    refused = json.loads(
        await call_as_json(
            other, "attio_read_result", {"result_id": part["result_id"], "cursor": "1"}
        )
    )
    assert refused["error"]["code"] == "not_found"  # another user's result
    while part["next_cursor"] is not None:
        text = await call_as_json(
            call,
            "attio_read_result",
            {"result_id": part["result_id"], "cursor": part["next_cursor"]},
        )
        assert len(text) <= 300 * 4
        part = json.loads(text)
        names += [r["values"]["name"] for r in part["data"]]
    assert sorted(names) == [f"Company {i:02}" for i in range(12)]
    assert [t["function"]["name"] for t in openai_tools([read_result_spec()])] == [
        "attio_read_result"
    ]


async def test_without_a_budget_the_result_is_whole(gateway: AsyncGateway) -> None:
    call = gateway_caller(gateway.actions, identifier="alice", budget_tokens=None)
    for i in range(12):
        await call("attio_create_company", {"values": {"name": f"Company {i:02}"}})
    listed = await call("attio_list_companies", {})
    assert len(listed["data"]) == 12 and "result_id" not in listed
