"""``attio-gateway tools``: list the catalog, describe one tool, call one for a user."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.errors import AccountNotActiveError, GatewayError

tools_app = typer.Typer(help="The Attio tool catalog: list, describe, call.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _kind(read_only: bool, destructive: bool) -> str:
    return "read" if read_only else ("destructive" if destructive else "write")


@tools_app.command("list")
def list_tools(
    query: Annotated[
        str | None, typer.Option(help="Only tools whose name/description match.")
    ] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Only read tools.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Definitions as JSON.")] = False,
) -> None:
    """List the tools (name, kind, scopes)."""
    from attio_gateway.tools import catalog

    specs = catalog().search(query=query, read_only=read_only)
    if as_json:
        typer.echo(json.dumps([s.definition() for s in specs], indent=2, ensure_ascii=False))
        return
    table = Table("Tool", "Kind", "Scopes")
    for spec in specs:
        table.add_row(spec.name, _kind(spec.read_only, spec.destructive), " ".join(spec.scopes))
    Console().print(table)


@tools_app.command()
def describe(
    name: Annotated[str, typer.Argument(help="Tool name, e.g. attio_create_task.")],
) -> None:
    """Show one tool's definition (description, input schema, annotations, scopes) as JSON."""
    from attio_gateway.tools import catalog

    try:
        spec = catalog().get(name)
    except GatewayError as exc:
        raise _fail(exc.message) from None
    typer.echo(
        json.dumps({**spec.definition(), "scopes": list(spec.scopes)}, indent=2, ensure_ascii=False)
    )


@tools_app.command()
def call(
    name: Annotated[str, typer.Argument(help="Tool name, e.g. attio_list_people.")],
    identifier: Annotated[str, typer.Option(help="Your id for the user the tool acts as.")],
    input_json: Annotated[str, typer.Option("--input", help="Tool input as a JSON object.")] = "{}",
    connection: Annotated[str | None, typer.Option(help="Connection name.")] = None,
    compact: Annotated[bool, typer.Option("--compact", help="Compact output.")] = False,
) -> None:
    """Run a tool for a connected user through the gateway (needs its database and vault)."""
    from attio_gateway.tools import catalog

    try:
        tool_input: Any = json.loads(input_json)
    except json.JSONDecodeError as exc:
        raise _fail(f"--input is not JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(tool_input, dict):
        raise _fail("--input must be a JSON object of parameters.")
    try:
        catalog().get(name)  # an unknown tool is reported before touching the database
    except GatewayError as exc:
        raise _fail(exc.message) from None

    from attio_gateway.cli.admin import load_settings
    from attio_gateway.cli.mcp import _with_gateway
    from attio_gateway.sdk import AsyncGateway

    async def work(gateway: AsyncGateway) -> Any:
        try:
            result = await gateway.actions.execute_tool(
                tool_input=tool_input,
                tool_name=name,
                identifier=identifier,
                connection_name=connection,
                output="compact" if compact else "default",
            )
        except AccountNotActiveError as exc:
            link = exc.authorization_link
            if link is None:
                made = await gateway.actions.get_authorization_link(
                    identifier=identifier, connection_name=connection
                )
                link = made.link
            typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
            typer.echo(f"Send {identifier} this authorization link (single use, 10 minutes):")
            typer.echo(link)
            raise typer.Exit(1) from None
        return result.data

    data = _with_gateway(load_settings(), work)
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
