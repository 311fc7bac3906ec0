"""``docs/tools.md``: the tools reference, generated from the catalog (a test keeps it in sync).

Regenerate with ``python -m attio_gateway.tools.docs > docs/tools.md``."""

from __future__ import annotations

import json
from typing import Any

from attio_gateway.tools import Catalog, catalog
from attio_gateway.tools.spec import ToolSpec


def _type(prop: dict[str, Any]) -> str:
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    names = []
    for option in options:
        if "$ref" in option:
            names.append("object")
        elif "enum" in option:
            names.append(" \\| ".join(f"`{v}`" for v in option["enum"]))
        else:
            names.append(str(option.get("type", "any")))
    return " or ".join(names) or "any"


def _limits(prop: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("default", "default"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("maxLength", "max length"),
    ):
        if key in prop and prop[key] is not None:
            parts.append(f"{label} {json.dumps(prop[key])}")
    return "; ".join(parts)


def tool_markdown(spec: ToolSpec) -> str:
    schema = spec.input_schema()
    required = set(schema.get("required", []))
    kind = "read" if spec.read_only else ("destructive" if spec.destructive else "write")
    lines = [
        f"### `{spec.name}`",
        "",
        spec.description,
        "",
        f"*{kind}* · scopes: {', '.join(f'`{s}`' for s in spec.scopes) or 'none'}",
        "",
    ]
    if spec.copy_of:
        lines += [f"Parameters as [`{spec.copy_of}`](#{spec.copy_of}), without `object`.", ""]
    properties = schema.get("properties", {})
    if not properties:
        return "\n".join([*lines, "No parameters.", ""])
    lines += ["| Parameter | Type | Required | Description |", "|---|---|---|---|"]
    for name, prop in properties.items():
        description = str(prop.get("description", "")).replace("|", "\\|")
        limits = _limits(prop)
        if limits:
            description = f"{description} ({limits})"
        lines.append(
            f"| `{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | {description} |"
        )
    return "\n".join([*lines, ""])


def render(tools: Catalog | None = None) -> str:
    specs = (tools or catalog()).search()
    header = [
        "# Attio tools",
        "",
        "<!-- Generated from the catalog by `python -m attio_gateway.tools.docs`; "
        "do not edit by hand. -->",
        "",
        f"{len(specs)} tools. Every tool takes `output: default | compact` through the SDK: "
        "`default` returns Attio's data; `compact` flattens attribute values (every value of "
        "a multi-value attribute kept, option and status titles) and honours `fields`. MCP and "
        "the framework adapters answer compact by default and keep each answer within a "
        "token budget (8k by default): a larger result comes back in parts, read on with "
        "`attio_read_result`, for the same user, from this process's memory (expiring after "
        "30 minutes, at most 256 results and 32 MB; see docs/frameworks.md). Errors carry "
        "`code`, `message` and `field`.",
        "",
        "Tool search offers three meta-tools instead of every definition: "
        "`attio_search_tools` (the best tools for a task, with the user's readiness: "
        "`ready`, `needs_connection` or `needs_scopes` with the missing scopes), "
        "`attio_describe_tool` and `attio_call_tool` — `attio-gateway mcp --tool-search`, "
        "`search_mode_specs()` for the adapters, `actions.search_tools` in the SDK and "
        "`GET /api/v1/tools/search` over HTTP.",
        "",
        "| Tool | Kind |",
        "|---|---|",
    ]
    for spec in specs:
        kind = "read" if spec.read_only else ("destructive" if spec.destructive else "write")
        header.append(f"| [`{spec.name}`](#{spec.name}) | {kind} |")
    return "\n".join([*header, "", *(tool_markdown(s) for s in specs)])


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
