"""Running one tool: validate input, check scopes, call the handler, shape the output."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from attio_gateway.errors import MissingScopesError, ToolInputError
from attio_gateway.proxy import AttioClient
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.schema import WorkspaceSchema
from attio_gateway.tools.spec import ToolSpec

OUTPUTS = ("default", "compact")


def validate_input(spec: ToolSpec, tool_input: Any) -> Any:
    """The tool's input model, or a ``ToolInputError`` naming the first bad field."""
    if not isinstance(tool_input, dict):
        raise ToolInputError(f"{spec.name} takes an object of parameters.", field=None)
    try:
        return spec.input_model.model_validate(tool_input)
    except ValidationError as exc:
        first = exc.errors()[0]
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
    attio: AttioClient,
    granted_scopes: frozenset[str] | None,
    output: str = "default",
    schema_cache: dict[str, Any] | None = None,
) -> Any:
    if output not in OUTPUTS:
        raise ToolInputError(f"output must be one of {OUTPUTS}, got {output!r}", field="output")
    args = validate_input(spec, tool_input)
    missing = spec.missing_scopes(granted_scopes)
    if missing:
        raise MissingScopesError(
            f"{spec.name} needs the scope(s) {', '.join(missing)}, which this account was not "
            "granted. Scopes are set on the Attio app (build.attio.com → your app → OAuth "
            "scopes); enable them there and have the user authorize again.",
            missing=missing,
            granted=sorted(granted_scopes or []),
        )
    context = ToolContext(attio=attio, schema=WorkspaceSchema(attio, schema_cache), output=output)
    return await spec.handler(context, args)
