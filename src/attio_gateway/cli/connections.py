"""``attio-gateway connections …``: the Attio OAuth apps users are connected through."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import fail, with_gateway
from attio_gateway.sdk.models import Connection, ConnectionStatus

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway

connections_app = typer.Typer(
    help="Connections: your Attio OAuth apps (client id and secret), one per app.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameArgument = Annotated[str, typer.Argument(help="The connection's name.")]
ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        help="An Attio scope users are asked for, e.g. record_permission:read-write "
        "(repeat the option; update: the whole new set).",
    ),
]
ValidateOption = Annotated[
    bool,
    typer.Option(
        "--validate/--no-validate",
        help="Check the client id and secret at Attio's token endpoint.",
    ),
]


def _dump(connection: Connection) -> str:
    return json.dumps(connection.model_dump(mode="json"), indent=2)


def _report(connection: Connection) -> None:
    """The connection for people; exit 1 when Attio refused its credentials."""
    typer.echo(f"name:         {connection.name}")
    typer.echo(f"id:           {connection.id}")
    typer.echo(f"status:       {connection.status.value}")
    if connection.status_detail:
        typer.echo(f"detail:       {connection.status_detail}")
    typer.echo(f"scopes:       {' '.join(connection.scopes) or 'none'}")
    typer.echo(f"redirect URI: {connection.redirect_uri}  (add it to your Attio app)")
    if connection.status == ConnectionStatus.INVALID_CREDENTIALS:
        raise fail(
            "Attio refused the client id and secret; fix them with `attio-gateway connections "
            f"update {connection.name} --client-id ... --client-secret ...`."
        )


@connections_app.command("create")
def connections_create(
    client_id: Annotated[str, typer.Option(help="The OAuth app's client id.")],
    client_secret: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            envvar="ATTIO_CLIENT_SECRET",
            help="The OAuth app's client secret (asked for when not given).",
        ),
    ],
    name: Annotated[str, typer.Option(help="The connection's name.")] = "attio",
    scope: ScopeOption = None,
    authorize_url: Annotated[
        str | None, typer.Option(help="The authorization endpoint (default: Attio's).")
    ] = None,
    token_url: Annotated[
        str | None, typer.Option(help="The token endpoint (default: Attio's).")
    ] = None,
    api_base_url: Annotated[
        str | None, typer.Option(help="The REST API's base URL (default: Attio's).")
    ] = None,
    validate: ValidateOption = True,
    as_json: JsonOption = False,
) -> None:
    """Register an Attio OAuth app as a connection; its credentials are checked at Attio.

    Prints the redirect URI to add to the app. Exits 1 when Attio refuses the credentials (the connection is kept, as INVALID_CREDENTIALS: fix it with `connections update`).
    """  # noqa: E501 - one line, so the help text wraps to the terminal, not to the source

    async def work(gateway: AsyncGateway) -> Connection:
        return await gateway.create_connection(
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scope,
            authorize_url=authorize_url,
            token_url=token_url,
            api_base_url=api_base_url,
            validate=validate,
        )

    connection = with_gateway(work, creates=True)
    if as_json:
        typer.echo(_dump(connection))
        if connection.status == ConnectionStatus.INVALID_CREDENTIALS:
            raise typer.Exit(1)
        return
    _report(connection)


@connections_app.command("list")
def connections_list(as_json: JsonOption = False) -> None:
    """Every connection: name, status, client id, scopes."""
    connections = with_gateway(lambda gateway: gateway.list_connections())
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in connections], indent=2))
        return
    if not connections:
        typer.echo("No connections yet: `attio-gateway connections create --client-id ...`.")
        return
    table = Table("Name", "Status", "Client id", "Scopes")
    for c in connections:
        table.add_row(c.name, c.status.value, c.client_id, " ".join(c.scopes) or "none")
    Console().print(table)


@connections_app.command("show")
def connections_show(name: NameArgument, as_json: JsonOption = False) -> None:
    """One connection, with the redirect URI to add to the Attio app."""
    connection = with_gateway(lambda gateway: gateway.get_connection(name))
    if as_json:
        typer.echo(_dump(connection))
        return
    _report(connection)
    typer.echo(f"authorize:    {connection.authorize_url}")
    typer.echo(f"token:        {connection.token_url}")
    typer.echo(f"API:          {connection.api_base_url}")


@connections_app.command("update")
def connections_update(
    name: NameArgument,
    client_id: Annotated[str | None, typer.Option(help="A new client id.")] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(envvar="ATTIO_CLIENT_SECRET", help="A new client secret."),
    ] = None,
    scope: ScopeOption = None,
    validate: ValidateOption = True,
    as_json: JsonOption = False,
) -> None:
    """Change a connection's credentials (checked again at Attio) or scopes; what is not
    given stays."""
    if client_id is None and client_secret is None and not scope:
        raise typer.BadParameter(
            "nothing to change: give --client-id, --client-secret or --scope",
            param_hint="--client-id",
        )

    async def work(gateway: AsyncGateway) -> Connection:
        return await gateway.update_connection(
            name,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scope or None,
            validate=validate,
        )

    connection = with_gateway(work)
    if as_json:
        typer.echo(_dump(connection))
        return
    _report(connection)


@connections_app.command("delete")
def connections_delete(
    name: NameArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a connection and every account connected through it."""
    if not yes:
        typer.confirm(f"Delete connection {name!r} and all its connected accounts?", abort=True)
    with_gateway(lambda gateway: gateway.delete_connection(name))
    typer.echo(f"deleted connection {name}")
