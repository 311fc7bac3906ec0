"""What the tools cost an agent's context: the MCP ``tools/list`` size (all tools, read-only,
search mode), how many OpenAI tools are strict, and a 25-company listing default vs compact.

``python -m benchmarks.tools_context`` prints the numbers as JSON (tokens ≈ bytes / 4: no
tokenizer's vocabulary can be fetched here)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_gateway.proxy import AttioClient
from attio_gateway.tools import catalog, execute_tool
from attio_gateway.tools.adapters import openai_tools


def _mcp_list_bytes(definitions: list[dict[str, Any]]) -> int:
    """The ``tools/list`` result as the MCP SDK puts it on the wire."""
    import mcp_types as types

    from attio_gateway.mcp_server.definitions import mcp_tool

    result = types.ListToolsResult(tools=[mcp_tool(d) for d in definitions])
    wire = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return len(json.dumps(wire, ensure_ascii=False, separators=(",", ":")))


def definitions_numbers() -> dict[str, Any]:
    specs = catalog().search()
    everything = [s.definition() for s in specs]
    read_only = [s.definition() for s in specs if s.read_only]
    all_bytes = _mcp_list_bytes(everything)
    titles = sum(
        len(json.dumps(d["input_schema"])) - len(json.dumps(_untitled(d["input_schema"])))
        for d in everything
    )
    numbers: dict[str, Any] = {
        "tools": len(everything),
        "mcp_list_bytes": all_bytes,
        "mcp_list_tokens_approx": all_bytes // 4,
        "mcp_read_only_bytes": _mcp_list_bytes(read_only),
        "mcp_read_only_tokens_approx": _mcp_list_bytes(read_only) // 4,
        "title_bytes": titles,
        "openai_strict": sum(1 for t in openai_tools(specs) if t["function"]["strict"]),
    }
    try:
        from attio_gateway.tools.search import search_mode_definitions
    except ImportError:
        return numbers
    search_bytes = _mcp_list_bytes(search_mode_definitions())
    numbers |= {"mcp_search_mode_bytes": search_bytes, "mcp_search_mode_tokens": search_bytes // 4}
    return numbers


def _untitled(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _untitled(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [_untitled(v) for v in node]
    return node


async def listing_numbers(count: int = 25) -> dict[str, Any]:
    """``attio_list_companies`` over ``count`` companies (name and domain each)."""
    state = EmulatorState(store=Store())
    app = create_app(state)
    token = state.issue_token()["token"]
    cache: dict[str, Any] = {}
    async with AttioClient(token=token, transport=transport(app)) as attio:

        async def run(name: str, output: Any = "default", **tool_input: Any) -> Any:
            return await execute_tool(
                catalog=catalog(),
                name=name,
                tool_input=tool_input,
                attio=attio,
                granted_scopes=None,
                schema_cache=cache,
                output=output,
            )

        for i in range(count):
            await run(
                "attio_create_company",
                values={"name": f"Company {i:03d}", "domains": f"company{i:03d}.example"},
            )
        default = await run("attio_list_companies", limit=count)
        compact = await run("attio_list_companies", output="compact", limit=count)
    default_bytes = len(json.dumps(default, ensure_ascii=False))
    compact_bytes = len(json.dumps(compact, ensure_ascii=False))
    return {
        "records": count,
        "default_bytes": default_bytes,
        "compact_bytes": compact_bytes,
        "compact_ratio": round(compact_bytes / default_bytes, 3),
    }


def main() -> None:
    numbers = {"definitions": definitions_numbers(), "listing": asyncio.run(listing_numbers())}
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
