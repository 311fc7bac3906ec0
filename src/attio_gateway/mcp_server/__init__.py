"""The MCP server: the tool catalog for any MCP client, over stdio and streamable HTTP."""

from attio_gateway.mcp_server.http import (
    SessionTokenVerifier,
    create_http_app,
    mount_mcp,
    standalone_http_app,
)
from attio_gateway.mcp_server.server import AccountBinding, AccountOf, build_server, fixed_account
from attio_gateway.mcp_server.stdio import serve_stdio

__all__ = [
    "AccountBinding",
    "AccountOf",
    "SessionTokenVerifier",
    "build_server",
    "create_http_app",
    "fixed_account",
    "mount_mcp",
    "serve_stdio",
    "standalone_http_app",
]
