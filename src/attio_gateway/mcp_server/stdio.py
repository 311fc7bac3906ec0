"""MCP over stdio: one process per user, every call acting as that user's account."""

from __future__ import annotations

from collections.abc import Sequence

from mcp.server.stdio import stdio_server

from attio_gateway.config import Settings
from attio_gateway.mcp_server.server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway

__all__ = ["serve_stdio"]


async def serve_stdio(
    settings: Settings,
    *,
    identifier: str,
    connection_name: str | None = None,
    read_only: bool = False,
    tools: Sequence[str] | None = None,
    tool_search: bool = False,
    derive_idempotency_keys: bool = False,
    toolset: str | None = None,
    trigger_events: bool = False,
) -> None:
    """Serve the catalog on stdin/stdout until the client closes the pipe (``tool_search``:
    only the search, describe and call meta-tools are listed; ``toolset``: only its tools)."""
    async with AsyncGateway(settings) as gateway:
        server = build_server(
            gateway,
            account_of=fixed_account(identifier, connection_name),
            read_only=read_only,
            tools=tools,
            tool_search=tool_search,
            derive_idempotency_keys=derive_idempotency_keys,
            toolset=toolset,
            trigger_events=trigger_events,
        )
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
