"""``attio-gateway mcp``: the tool catalog for MCP clients, over stdio or streamable HTTP,
and the per-user session tokens the HTTP server accepts."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from attio_gateway.cli.state import fail, load_settings, run_or_exit, with_gateway

if TYPE_CHECKING:
    from attio_gateway.config import Settings
    from attio_gateway.sdk import AsyncGateway

mcp_app = typer.Typer(
    help="Serve the tool catalog to MCP clients (Claude Desktop, Cursor, agent frameworks).",
    invoke_without_command=True,
)

T = TypeVar("T")


#: ``mcp --http``'s port: not ``serve``'s 8000, so both can run side by side.
MCP_HTTP_PORT = 8100


def _fail(message: str) -> typer.Exit:
    return fail(message)


def _run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``work``; a ``GatewayError`` exits 1 with its message and no traceback."""
    return run_or_exit(work())


def _with_gateway(settings: Settings, work: Callable[[AsyncGateway], Awaitable[T]]) -> T:
    """``work`` on a gateway, once the store is there (``attio-gateway --init`` creates it)."""
    return with_gateway(work, settings=settings)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _tool_names(tools: str | None) -> list[str] | None:
    if tools is None:
        return None
    names = [name.strip() for name in tools.split(",") if name.strip()]
    if not names:
        raise _fail("--tools needs at least one tool name (comma-separated).")
    return names


@mcp_app.callback()
def mcp(
    ctx: typer.Context,
    identifier: Annotated[
        str | None, typer.Option(help="Your id for the user whose Attio account tools act as.")
    ] = None,
    connection: Annotated[
        str | None, typer.Option(help="Connection name (default: the only one, e.g. attio).")
    ] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer read-only tools only.")
    ] = False,
    tools: Annotated[
        str | None, typer.Option(help="Offer only these tools, comma-separated.")
    ] = None,
    tool_search: Annotated[
        bool,
        typer.Option(
            "--tool-search",
            help="List only three meta-tools (search, describe, call) instead of every tool.",
        ),
    ] = False,
    derive_idempotency_keys: Annotated[
        bool,
        typer.Option(
            "--derive-idempotency-keys",
            help="stdio: a write sent twice with the same arguments by this process is sent once.",
        ),
    ] = False,
    http: Annotated[
        bool,
        typer.Option(
            "--http", help="Serve streamable HTTP at /mcp for all users (session tokens)."
        ),
    ] = False,
    host: Annotated[str, typer.Option(help="--http: address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            min=1,
            max=65535,
            help="--http: port to listen on (not serve's 8000, so both can run at once).",
        ),
    ] = MCP_HTTP_PORT,
) -> None:
    """Serve MCP over stdio for one user (--identifier), or over HTTP for all users (--http)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    names = _tool_names(tools)
    # Check --tools before serving, so a typo is an error now rather than at the first call.
    from attio_gateway.mcp_server.server import offered_tools

    _with_gateway(settings, lambda gw: offered_tools(gw, read_only=read_only, only=names))
    if http:
        if identifier is not None:
            raise _fail("--identifier is for stdio; over --http each session token names its user.")
        import uvicorn

        from attio_gateway.mcp_server.http import standalone_http_app

        app = standalone_http_app(
            settings, host=host, read_only=read_only, tools=names, tool_search=tool_search
        )
        typer.echo(
            f"attio-gateway: MCP (streamable HTTP) at http://{_url_host(host)}:{port}/mcp; "
            "each client sends a session token (attio-gateway mcp token --identifier ID)"
        )
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    if identifier is None:
        raise _fail("--identifier is required for stdio (or use --http).")
    from attio_gateway.mcp_server.stdio import serve_stdio

    _run(
        lambda: serve_stdio(
            settings,
            identifier=identifier,
            connection_name=connection,
            read_only=read_only,
            tools=names,
            tool_search=tool_search,
            derive_idempotency_keys=derive_idempotency_keys,
        )
    )


@mcp_app.command("token")
def issue_token(
    identifier: Annotated[str, typer.Option(help="Your id for the user.")],
    connection: Annotated[str | None, typer.Option(help="Connection name.")] = None,
    ttl_hours: Annotated[float, typer.Option(help="Hours until the token expires.")] = 24.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Issue a session token that binds an MCP HTTP session to this user's account."""
    from attio_gateway.sdk.sessions import create_session_token

    session = _with_gateway(
        load_settings(),
        lambda gw: create_session_token(
            gw, identifier=identifier, connection_name=connection, ttl=timedelta(hours=ttl_hours)
        ),
    )
    if as_json:
        typer.echo(json.dumps(session.model_dump(mode="json")))
    else:
        typer.echo(session.token)
        typer.secho(f"expires {session.expires_at.isoformat()}", err=True)


@mcp_app.command("revoke-token")
def revoke_token(
    token: Annotated[str, typer.Argument(help="The session token to revoke.")],
) -> None:
    """Revoke a session token at once."""
    from attio_gateway.sdk.sessions import revoke_session_token

    if not _with_gateway(load_settings(), lambda gw: revoke_session_token(gw, token)):
        raise _fail("no such active session token.")
    typer.echo("revoked")
