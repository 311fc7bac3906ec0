"""The catalog in each vendor's tool format: OpenAI (Chat Completions and Responses, always
strict), Anthropic, Google Gemini function declarations, and LangChain ``StructuredTool``s
(needs the optional ``langchain`` extra). Free-form objects (``values``, ``filter``) are JSON
text in the OpenAI and Gemini forms; ``call_as_json`` reads them back.

Results go back to the model as JSON text; errors as JSON with code, message and field.
``gateway_caller`` runs the tools through the gateway SDK as one user: compact output, a
token budget per result (the rest read with ``attio_read_result``), and the tool-search
meta-tools (``search_mode_specs``) answered."""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import functools
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import ValidationError

from attio_gateway.errors import (
    GatewayError,
    MissingScopesError,
    NotFoundError,
    ToolInputError,
    UpstreamError,
)
from attio_gateway.jsonvalue import JSONObject
from attio_gateway.tools.results import (
    DEFAULT_BUDGET_TOKENS,
    READ_RESULT,
    ReadResultInput,
    ResultStore,
    read_result_spec,
)
from attio_gateway.tools.search import (
    CALL_TOOL,
    DESCRIBE_TOOL,
    SEARCH_TOOLS,
    CallToolInput,
    DescribeToolInput,
    SearchToolsInput,
    search_mode_specs,
)
from attio_gateway.tools.spec import ToolInput, ToolSpec

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
    return node.get("type") == "object" and "properties" not in node


JSON_TEXT = "JSON object text"


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``$ref`` replaced by its definition (Gemini reads no ``$ref``, and
    a path through the schema is then a path through the arguments)."""
    if isinstance(node, list):
        return [_inline(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return _inline({**target, **rest}, defs)
    return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}


def _encode_open(node: Any, path: tuple[str, ...], found: list[tuple[str, ...]]) -> Any:
    """Free-form objects become strings holding JSON (noted in ``found``): the one form every
    vendor's strict subset accepts that still lets an agent say anything Attio takes."""
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if _is_open(node) or (
        isinstance(options, list) and any(isinstance(o, dict) and _is_open(o) for o in options)
    ):
        found.append(path)
        description = str(node.get("description", "")).rstrip(". ")
        text = f"{description}. As {JSON_TEXT}" if description else JSON_TEXT
        return {"type": "string", "description": text + ', e.g. {"name": "Acme"}'}
    out = dict(node)
    if isinstance(node.get("properties"), dict):
        out["properties"] = {
            name: _encode_open(prop, (*path, name), found)
            for name, prop in node["properties"].items()
        }
    if isinstance(node.get("items"), dict):
        out["items"] = _encode_open(node["items"], (*path, "[]"), found)
    if isinstance(options, list):
        out["anyOf"] = [_encode_open(o, path, found) for o in options]
    return out


@functools.cache
def _portable(spec: ToolSpec) -> tuple[dict[str, Any], tuple[tuple[str, ...], ...]]:
    """The tool's schema with ``$ref``s inlined and free-form objects as JSON text, and the
    argument paths that then arrive as JSON text."""
    schema = spec.input_schema()
    found: list[tuple[str, ...]] = []
    encoded = _encode_open(_inline(schema, schema.get("$defs", {})), (), found)
    return encoded, tuple(found)


def _strict(node: Any) -> Any:
    """``node`` (inlined, no free-form objects) rewritten for strict mode."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _strict(prop) for name, prop in value.items()}
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
    if isinstance(prop.get("type"), str) and "enum" not in prop and "const" not in prop:
        return {**prop, "type": [prop["type"], "null"]}
    description = prop.get("description")
    inner = {k: v for k, v in prop.items() if k != "description"}
    wrapped: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped


def openai_strict_schema(spec: ToolSpec) -> dict[str, Any]:
    """The tool's schema for OpenAI's strict mode: closed objects, every property required
    (optional ones nullable), free-form objects as JSON text (``decode_arguments``)."""
    result: dict[str, Any] = _strict(copy.deepcopy(_portable(spec)[0]))
    return result


def openai_tool(spec: ToolSpec) -> dict[str, Any]:
    """A Chat Completions tool, always strict."""
    function: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": openai_strict_schema(spec),
        "strict": True,
    }
    return {"type": "function", "function": function}


def openai_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [openai_tool(spec) for spec in specs]


def openai_response_tool(spec: ToolSpec) -> dict[str, Any]:
    """A Responses API tool (a flat ``function`` tool), always strict."""
    return {
        "type": "function",
        "name": spec.name,
        "description": spec.description,
        "parameters": openai_strict_schema(spec),
        "strict": True,
    }


# What Gemini's function declarations read of a schema (``google.genai.types.Schema``).
_GEMINI_KEYS = {
    "type": "type",
    "description": "description",
    "enum": "enum",
    "items": "items",
    "properties": "properties",
    "required": "required",
    "minimum": "minimum",
    "maximum": "maximum",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
}


def _gemini(node: dict[str, Any]) -> dict[str, Any]:
    options = node.get("anyOf")
    if isinstance(options, list):
        real = [o for o in options if o.get("type") != "null"]
        if len(real) == 1:
            merged = {**real[0], **{k: v for k, v in node.items() if k != "anyOf"}}
            flat = _gemini(merged)
            if len(real) < len(options):
                flat["nullable"] = True
            return flat
        return {"any_of": [_gemini(o) for o in real], "description": node.get("description", "")}
    node = dict(node)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("type"), list):
        types_ = [t for t in node["type"] if t != "null"]
        node["type"] = types_[0]
        node["nullable"] = True
    out: dict[str, Any] = {}
    for key, value in node.items():
        name = _GEMINI_KEYS.get(key)
        if name == "properties":
            out[name] = {n: _gemini(p) for n, p in value.items()}
        elif name == "items":
            out[name] = _gemini(value)
        elif name == "enum":
            out[name] = [str(v) for v in value]
        elif name is not None:
            out[name] = value
        elif key == "nullable":
            out["nullable"] = value
        elif key == "format" and value in ("date-time", "enum"):
            out["format"] = value
    return out


def gemini_declaration(spec: ToolSpec) -> dict[str, Any]:
    """A Gemini function declaration (``google.genai.types.FunctionDeclaration`` fields): the
    OpenAPI subset Gemini reads, free-form objects as JSON text (``decode_arguments``)."""
    return {
        "name": spec.name,
        "description": spec.description,
        "parameters": _gemini(_portable(spec)[0]),
    }


def gemini_declarations(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [gemini_declaration(spec) for spec in specs]


def decode_arguments(spec: ToolSpec, arguments: dict[str, Any]) -> dict[str, Any]:
    """The JSON-text parameters of the portable schemas read back into objects. An object
    given as such is left alone, so MCP and Anthropic calls pass unchanged.

    Raises:
        ToolInputError: a JSON-text parameter is not a JSON object (naming it).
    """
    out = copy.deepcopy(arguments)
    for path in _portable(spec)[1]:
        _decode_at(spec, out, path, ())
    return out


def _decode_at(spec: ToolSpec, node: Any, path: tuple[str, ...], where: tuple[str, ...]) -> None:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        if isinstance(node, list):
            for i, item in enumerate(node):
                _decode_at(spec, item, rest, (*where, str(i)))
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _decode_at(spec, node[head], rest, (*where, head))
        return
    value = node[head]
    if not isinstance(value, str):
        return
    field = ".".join((*where, head))
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ToolInputError(
            f"{spec.name}: '{field}' must be {JSON_TEXT} (an object, as JSON): {exc.msg} at "
            f"character {exc.pos}.",
            field=field,
        ) from None
    if not isinstance(decoded, dict):
        raise ToolInputError(
            f"{spec.name}: '{field}' must be {JSON_TEXT}; got JSON {type(decoded).__name__}.",
            field=field,
        )
    node[head] = decoded


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
    return (await _call_json(call, name, arguments))[0]


async def _call_json(call: ToolCaller, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
    """``(JSON text, failed)``."""
    try:
        given = drop_nulls(arguments)
        spec = _catalog_spec(name)
        if spec is not None:
            given = decode_arguments(spec, given)
        return result_json(await call(name, given)), False
    except GatewayError as exc:
        return error_json(exc), True


def _catalog_spec(name: str) -> ToolSpec | None:
    from attio_gateway.tools import catalog

    for meta in (*search_mode_specs(), read_result_spec()):
        if meta.name == name:
            return meta
    try:
        return catalog().get(name)
    except NotFoundError:
        return None


def langchain_tools(specs: Iterable[ToolSpec], call: ToolCaller) -> list[StructuredTool]:
    """LangChain ``StructuredTool``s whose results are JSON text, for ``ainvoke`` and
    ``invoke``. A failed call raises ``ToolException`` with the JSON error, which LangChain
    hands the model as a ``ToolMessage`` with ``status="error"``.

    ``invoke`` runs ``call`` on an event loop of its own in a worker thread, so ``call``
    must not hold resources bound to another loop (open its client inside, or use
    ``ainvoke``)."""
    try:
        from langchain_core.tools import StructuredTool, ToolException
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "LangChain tools need langchain-core: pip install 'attio-gateway[langchain]'"
        ) from exc

    def make(spec: ToolSpec) -> StructuredTool:
        async def run(**arguments: Any) -> str:
            text, failed = await _call_json(call, spec.name, arguments)
            if failed:
                raise ToolException(text)
            return text

        def run_sync(**arguments: Any) -> str:
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, run(**arguments)).result()

        return StructuredTool.from_function(
            func=run_sync,
            coroutine=run,
            name=spec.name,
            description=spec.description,
            args_schema=spec.input_schema(),
            infer_schema=False,
            handle_tool_error=lambda error: str(error),
        )

    return [make(spec) for spec in specs]


class ToolActions(Protocol):
    """What ``gateway_caller`` needs of ``gateway.actions`` (``AsyncActions``)."""

    async def execute_tool(
        self,
        tool_input: JSONObject,
        tool_name: str,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        connection_name: str | None = None,
        output: str = "default",
        idempotency_key: str | None = None,
        force: bool = False,
        toolset: str | None = None,
    ) -> Any: ...

    async def search_tools(
        self,
        query: str,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        limit: int = 5,
    ) -> Any: ...


_M = TypeVar("_M", bound=ToolInput)


def _meta_input(model: type[_M], name: str, arguments: dict[str, Any]) -> _M:
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ToolInputError(f"{name}: '{field}' {first['msg']}", field=field) from None


def gateway_caller(
    actions: ToolActions,
    *,
    identifier: str | None = None,
    connected_account_id: str | None = None,
    connection_name: str | None = None,
    output: str = "compact",
    budget_tokens: int | None = DEFAULT_BUDGET_TOKENS,
    results: ResultStore | None = None,
    toolset: str | None = None,
) -> ToolCaller:
    """A ``ToolCaller`` that runs catalog tools as one user through ``gateway.actions``.

    Output is **compact** unless ``output="full"`` (Attio's own data), and each result is
    kept within ``budget_tokens`` (``None``: no budget): a larger one comes back as its
    first part with a ``result_id`` and ``next_cursor``, the rest kept in ``results`` (this
    process's memory) for ``attio_read_result`` (``read_result_spec``). It also answers
    the tool-search meta-tools (``search_mode_specs``): search with the user's readiness,
    describe a tool, call a tool. With ``toolset``, every call is bound to it: a tool
    outside it is refused and its fixed arguments are added (docs/permissions.md)."""
    wanted = {"compact": "compact", "full": "default", "default": "default"}.get(output)
    if wanted is None:
        raise ValueError("output must be compact or full")
    store = results if results is not None else ResultStore()
    owner = "|".join((connected_account_id or "", connection_name or "", identifier or ""))

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        if name == SEARCH_TOOLS:
            search = _meta_input(SearchToolsInput, name, arguments)
            return await actions.search_tools(
                search.query,
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
                limit=search.limit,
            )
        if name == DESCRIBE_TOOL:
            described = _meta_input(DescribeToolInput, name, arguments)
            spec = _catalog_spec(described.name)
            if spec is None or spec.name in {m.name for m in search_mode_specs()}:
                raise NotFoundError(f"No tool named {described.name!r}; search first.")
            return spec.definition()
        if name == READ_RESULT:
            read = _meta_input(ReadResultInput, name, arguments)
            return store.read(owner, read.result_id, read.cursor)
        if name == CALL_TOOL:
            inner = _meta_input(CallToolInput, name, arguments)
            spec = _catalog_spec(inner.name)
            name, arguments = inner.name, drop_nulls(inner.arguments)
            if spec is not None:
                arguments = decode_arguments(spec, arguments)
        if toolset is None:
            result = await actions.execute_tool(
                tool_input=arguments,
                tool_name=name,
                identifier=identifier,
                connected_account_id=connected_account_id,
                connection_name=connection_name,
                output=wanted,
            )
        else:
            result = await actions.execute_tool(
                tool_input=arguments,
                tool_name=name,
                identifier=identifier,
                connected_account_id=connected_account_id,
                connection_name=connection_name,
                output=wanted,
                toolset=toolset,
            )
        if budget_tokens is None:
            return result.data
        return store.fit(owner, result.data, budget_tokens=budget_tokens)

    return call
