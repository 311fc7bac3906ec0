"""What the MCP server offers and how it answers failures: the catalog's tools as MCP tool
definitions, the structured error result, and whose account a request acts as.

Kept apart from ``server.py`` (the request handlers) so that a definition or error shape
has one place, which ``cli mcp`` reuses to list the tools it would serve.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server import ServerRequestContext

from attio_gateway.errors import AccountNotActiveError, GatewayError, NotFoundError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools.results import READ_RESULT, READ_RESULT_DESCRIPTION, ReadResultInput
from attio_gateway.tools.spec import lean_schema

__all__ = [
    "ERROR_KEYS",
    "AccountBinding",
    "AccountOf",
    "error_dict",
    "error_result",
    "fixed_account",
    "mcp_tool",
    "offered_tools",
    "owner_of",
    "read_result_tool",
    "to_json",
]


@dataclass(frozen=True)
class AccountBinding:
    """Whose Attio account a request acts as: an identifier (on a connection) or an account id."""

    identifier: str | None = None
    connection_name: str | None = None
    connected_account_id: str | None = None


AccountOf = Callable[[ServerRequestContext[Any, Any]], Awaitable[AccountBinding]]


def fixed_account(identifier: str, connection_name: str | None = None) -> AccountOf:
    """Every request acts as the same user (the stdio server: one process per user)."""
    binding = AccountBinding(identifier=identifier, connection_name=connection_name)

    async def account_of(ctx: ServerRequestContext[Any, Any]) -> AccountBinding:
        return binding

    return account_of


def mcp_tool(definition: dict[str, Any]) -> types.Tool:
    """An MCP tool. Only the hints that differ from MCP's defaults (not read-only,
    destructive, not idempotent, open world) are sent: each costs every client's context."""
    hints = definition.get("annotations") or {}
    read_only = bool(hints.get("readOnlyHint"))
    return types.Tool(
        name=definition["name"],
        description=definition.get("description"),
        input_schema=definition["input_schema"],
        annotations=types.ToolAnnotations(
            read_only_hint=True if read_only else None,
            destructive_hint=None if read_only or hints.get("destructiveHint", True) else False,
            idempotent_hint=True if hints.get("idempotentHint") and not read_only else None,
            open_world_hint=None if hints.get("openWorldHint", True) else False,
        ),
    )


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def error_result(error: dict[str, Any]) -> types.CallToolResult:
    """A failed call as the model sees it: ``is_error`` plus the structured error."""
    body = {"error": error}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=to_json(body))],
        structured_content=body,
        is_error=True,
    )


#: Every error carries these keys (``None`` when they do not apply), so clients can rely on them.
ERROR_KEYS = ("code", "message", "field", "hint", "authorization_link")


def error_dict(exc: GatewayError) -> dict[str, Any]:
    error: dict[str, Any] = dict.fromkeys(ERROR_KEYS) | exc.to_dict()
    if isinstance(exc, AccountNotActiveError) and exc.authorization_link and not error["hint"]:
        error["hint"] = (
            "Ask the user to open authorization_link and connect their Attio account, "
            "then call the tool again."
        )
    return error


async def offered_tools(
    gateway: AsyncGateway,
    *,
    read_only: bool = False,
    only: Sequence[str] | None = None,
    toolset: str | None = None,
) -> dict[str, types.Tool]:
    """The catalog's tools as MCP tools, narrowed to ``only``, to ``toolset`` (its fixed
    arguments left out of the schemas) and to read-only ones on request.

    Raises:
        NotFoundError: a name in ``only`` is not a tool of the catalog, or no such toolset.
    """
    definitions: list[dict[str, Any]] = []
    page_token: str | None = None
    while True:
        page = await gateway.actions.list_tools(
            page_size=500, page_token=page_token, toolset=toolset
        )
        definitions.extend(entry["definition"] for entry in page["tools"])
        page_token = page.get("next_page_token")
        if not page_token:
            break
    tools = {d["name"]: mcp_tool(d) for d in definitions}
    if only is not None:
        unknown = sorted(set(only) - set(tools))
        if unknown:
            raise NotFoundError(
                f"No tool named {', '.join(unknown)}; see `attio-gateway tools list`."
            )
        tools = {name: tools[name] for name in only}
    if read_only:
        tools = {
            name: tool
            for name, tool in tools.items()
            if tool.annotations is not None and tool.annotations.read_only_hint
        }
    return tools


def read_result_tool() -> types.Tool:
    return types.Tool(
        name=READ_RESULT,
        description=READ_RESULT_DESCRIPTION,
        input_schema=lean_schema(ReadResultInput.model_json_schema()),
        annotations=types.ToolAnnotations(read_only_hint=True),
    )


def owner_of(binding: AccountBinding) -> str:
    """Whose stored results a binding may read."""
    return "|".join(
        (
            binding.connected_account_id or "",
            binding.connection_name or "",
            binding.identifier or "",
        )
    )
