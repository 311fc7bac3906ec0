"""Running one tool: validate input, check scopes, call the handler, shape the output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from attio_gateway.errors import MissingScopesError, ToolInputError, UpstreamError
from attio_gateway.proxy import AttioCalls
from attio_gateway.proxy.outgoing import non_json
from attio_gateway.tools.context import SecretSink, ToolContext
from attio_gateway.tools.schema import WorkspaceSchema
from attio_gateway.tools.spec import ToolSpec

if TYPE_CHECKING:
    from attio_gateway.tools import Catalog

OUTPUTS = ("default", "compact")


def validate_input(spec: ToolSpec, tool_input: Any) -> Any:
    """The tool's input model, or a ``ToolInputError`` naming the first bad field."""
    if not isinstance(tool_input, dict):
        raise ToolInputError(f"{spec.name} takes an object of parameters.", field=None)
    found = non_json(tool_input, root="")
    if found is not None:  # NaN/Infinity would pass the model and fail when sent
        where, what = found
        raise ToolInputError(f"{spec.name}: '{where}' cannot be sent as JSON: {what}.", field=where)
    try:
        return spec.input_model.model_validate(tool_input)
    except ValidationError as exc:
        # An unknown parameter explains the rest (often a misspelt required one): name it first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        if first["type"] == "extra_forbidden":
            known = ", ".join(sorted(spec.input_schema().get("properties", {})))
            message = f"{spec.name} has no parameter '{field}'; it takes: {known}"
        else:
            message = f"{spec.name}: '{field}' {first['msg'].lower()}"
        raise ToolInputError(message, field=field) from None


async def run_tool(
    spec: ToolSpec,
    tool_input: Any,
    *,
    attio: AttioCalls,
    granted_scopes: frozenset[str] | None,
    output: str = "default",
    schema_cache: dict[str, Any] | None = None,
    on_secret: SecretSink | None = None,
) -> Any:
    """Validate, check scopes, coerce/check through the handler, call Attio, shape output.

    ``granted_scopes=None`` skips the scope preflight (the caller does not know them)."""
    if output not in OUTPUTS:
        raise ToolInputError(f"output must be one of {OUTPUTS}, got {output!r}", field="output")
    args = validate_input(spec, tool_input)
    missing = spec.missing_scopes(granted_scopes, args)
    if missing:
        raise MissingScopesError(
            f"{spec.name} needs the scope(s) {', '.join(missing)}, which this account was not "
            "granted. Scopes are set on the Attio app (build.attio.com → your app → OAuth "
            "scopes); enable them there and have the user authorize again.",
            missing=missing,
            granted=sorted(granted_scopes or []),
        )
    schema = WorkspaceSchema(attio, schema_cache)
    context = ToolContext(attio=attio, schema=schema, output=output, on_secret=on_secret)
    try:
        return await spec.handler(context, args)
    except UpstreamError as exc:
        if exc.status_code == 400 and not spec.read_only:
            # Perhaps an option or status changed in Attio since we cached them: re-read the
            # schema next time. The 400 itself is final (never retried).
            schema.forget()
        raise


async def execute_tool(
    *,
    catalog: Catalog,
    name: str,
    tool_input: Mapping[str, Any],
    attio: AttioCalls,
    granted_scopes: frozenset[str] | None,
    schema_cache: dict[str, Any] | None = None,
    output: Literal["default", "compact"] = "default",
    on_secret: SecretSink | None = None,
) -> Any:
    """The single entry point: look the tool up by name, then ``run_tool``."""
    spec = catalog.get(name)
    return await run_tool(
        spec,
        dict(tool_input) if isinstance(tool_input, Mapping) else tool_input,
        attio=attio,
        granted_scopes=granted_scopes,
        output=output,
        schema_cache=schema_cache,
        on_secret=on_secret,
    )
