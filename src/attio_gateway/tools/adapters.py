"""The catalog in each vendor's tool format: OpenAI (strict mode where the schema allows),
Anthropic, and LangChain ``StructuredTool``s (needs the optional ``langchain`` extra).

Results go back to the model as JSON text; errors as JSON with code, message and field."""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from attio_gateway.errors import GatewayError, MissingScopesError, ToolInputError, UpstreamError
from attio_gateway.tools.spec import ToolSpec

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

# Keywords OpenAI's strict mode accepts (its structured-outputs guide); anything else is
# dropped from a strict schema, and the description already states the limit in words.
OPENAI_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)

# Calls a tool by name with its input; returns the result (or raises a GatewayError).
ToolCaller = Callable[[str, dict[str, Any]], Awaitable[Any]]


def _is_open(node: dict[str, Any]) -> bool:
    """A free-form object (``values``, ``filter``): strict mode cannot describe it."""
    return node.get("type") == "object" and node.get("additionalProperties") is not False


def _strict(node: Any) -> Any:
    """``node`` rewritten for strict mode, or raise ``ValueError`` if it cannot be."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    if _is_open(node):
        raise ValueError("free-form object")
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _strict(prop) for name, prop in value.items()}
        elif key == "$defs":
            out[key] = {name: _strict(d) for name, d in value.items()}
        elif key in OPENAI_STRICT_KEYWORDS:
            out[key] = _strict(value)
    if out.get("type") == "object":
        required = set(node.get("required", []))
        for name, prop in out["properties"].items():
            if name not in required:
                out["properties"][name] = _nullable(prop)
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    if any(option.get("type") == "null" for option in prop.get("anyOf", [])):
        return prop
    if isinstance(prop.get("type"), str) and "enum" not in prop:
        return {**prop, "type": [prop["type"], "null"]}
    description = prop.get("description")
    inner = {k: v for k, v in prop.items() if k != "description"}
    wrapped: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped


def openai_strict_schema(spec: ToolSpec) -> dict[str, Any] | None:
    """The tool's schema in strict form, or ``None`` when it holds free-form objects."""
    try:
        result: dict[str, Any] = _strict(copy.deepcopy(spec.input_schema()))
    except ValueError:
        return None
    return result


def openai_tool(spec: ToolSpec) -> dict[str, Any]:
    """A Chat Completions tool: strict when the schema allows it."""
    strict = openai_strict_schema(spec)
    function: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": strict if strict is not None else spec.input_schema(),
        "strict": strict is not None,
    }
    return {"type": "function", "function": function}


def openai_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [openai_tool(spec) for spec in specs]


def drop_nulls(arguments: Any) -> Any:
    """Strict mode sends ``null`` for every optional parameter left out: leave them out."""
    if isinstance(arguments, dict):
        return {k: drop_nulls(v) for k, v in arguments.items() if v is not None}
    if isinstance(arguments, list):
        return [drop_nulls(v) for v in arguments]
    return arguments


def anthropic_tool(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "input_schema": spec.input_schema()}


def anthropic_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [anthropic_tool(spec) for spec in specs]


def result_json(result: Any) -> str:
    """A tool's result as the JSON text models are given."""
    return json.dumps(result, ensure_ascii=False, default=str)


def error_dict(error: GatewayError) -> dict[str, Any]:
    """``{code, message, field, hint, …}``: what a model needs to correct its call."""
    body = {"field": None, "hint": None, **error.to_dict()}
    if body["hint"] is None:
        if isinstance(error, MissingScopesError):
            body["hint"] = "Ask the user's admin to enable these scopes on the Attio app."
        elif isinstance(error, ToolInputError):
            body["hint"] = "Correct the named parameter and call the tool again."
        elif isinstance(error, UpstreamError) and error.status_code == 400:
            body["hint"] = "Attio refused the request as sent; retrying it unchanged will fail."
    return body


def error_json(error: GatewayError) -> str:
    """A tool error as JSON, never a Python repr."""
    return json.dumps({"error": error_dict(error)}, ensure_ascii=False, default=str)


async def call_as_json(call: ToolCaller, name: str, arguments: dict[str, Any]) -> str:
    """Run a tool for a model: JSON result, or a JSON error it can read and correct."""
    try:
        return result_json(await call(name, drop_nulls(arguments)))
    except GatewayError as exc:
        return error_json(exc)


def langchain_tools(specs: Iterable[ToolSpec], call: ToolCaller) -> list[StructuredTool]:
    """LangChain ``StructuredTool``s (async) whose results are JSON text."""
    try:
        from langchain_core.tools import StructuredTool
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "LangChain tools need langchain-core: pip install 'attio-gateway[langchain]'"
        ) from exc

    def make(spec: ToolSpec) -> StructuredTool:
        async def run(**arguments: Any) -> str:
            return await call_as_json(call, spec.name, arguments)

        return StructuredTool.from_function(
            coroutine=run,
            name=spec.name,
            description=spec.description,
            args_schema=spec.input_schema(),
            infer_schema=False,
        )

    return [make(spec) for spec in specs]
