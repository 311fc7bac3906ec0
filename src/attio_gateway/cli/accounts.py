"""``attio-gateway accounts …``: your users' connected Attio accounts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import with_gateway
from attio_gateway.sdk.models import AuthorizationLink, ConnectedAccount

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway

accounts_app = typer.Typer(
    help="Connected accounts: each of your users' Attio account, by your identifier.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdentifierArgument = Annotated[str, typer.Argument(help="Your id for the user, e.g. user_123.")]
ConnectionOption = Annotated[
    str | None, typer.Option(help="Connection name (default: the only one there is).")
]


def _dump(account: ConnectedAccount) -> dict[str, object]:
    return account.model_dump(mode="json")


@accounts_app.command("list")
def accounts_list(
    connection: ConnectionOption = None,
    identifier: Annotated[str | None, typer.Option(help="Only this user's accounts.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every connected account (never tokens): identifier, connection, status, workspace."""

    async def work(gateway: AsyncGateway) -> list[ConnectedAccount]:
        accounts: list[ConnectedAccount] = []
        page_token: str | None = None
        while True:
            page = await gateway.actions.list_connected_accounts(
                connection_name=connection,
                identifier=identifier,
                page_size=500,
                page_token=page_token,
            )
            accounts += page.connected_accounts
            page_token = page.next_page_token
            if not page_token:
                return accounts

    accounts = with_gateway(work)
    if as_json:
        typer.echo(json.dumps([_dump(a) for a in accounts], indent=2))
        return
    if not accounts:
        typer.echo("No connected accounts yet: `attio-gateway accounts link IDENTIFIER`.")
        return
    table = Table("Identifier", "Connection", "Status", "Workspace", "Id")
    for a in accounts:
        table.add_row(a.identifier, a.connector, a.status.value, a.workspace.name or "", a.id)
    Console().print(table)


@accounts_app.command("show")
def accounts_show(
    identifier: IdentifierArgument,
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """One user's account (never tokens): status, workspace, scopes, token expiry."""

    async def work(gateway: AsyncGateway) -> ConnectedAccount:
        found = await gateway.actions.get_connected_account_details(
            connection_name=connection, identifier=identifier
        )
        return found.connected_account

    account = with_gateway(work)
    if as_json:
        typer.echo(json.dumps(_dump(account), indent=2))
        return
    expires = account.token_expires_at.isoformat() if account.token_expires_at else "-"
    typer.echo(f"identifier:  {account.identifier}")
    typer.echo(f"id:          {account.id}")
    typer.echo(f"connection:  {account.connector}")
    typer.echo(f"status:      {account.status.value}")
    typer.echo(f"workspace:   {account.workspace.name or '-'} ({account.workspace.id or '-'})")
    typer.echo(f"scopes:      {' '.join(account.granted_scopes) or '-'}")
    typer.echo(f"token until: {expires}")


@accounts_app.command("link")
def accounts_link(
    identifier: IdentifierArgument,
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a fresh authorization link for the user (creating their account if needed).

    Each run makes a new link, single use and valid for ten minutes: send it to the user; once they approve in Attio the account is ACTIVE.
    """  # noqa: E501 - one line, so the help text wraps to the terminal, not to the source

    async def work(gateway: AsyncGateway) -> AuthorizationLink:
        return await gateway.actions.get_authorization_link(
            identifier=identifier, connection_name=connection
        )

    link = with_gateway(work)
    if as_json:
        typer.echo(json.dumps(link.model_dump(mode="json")))
        return
    typer.echo(link.link)
    typer.secho(f"single use, expires {link.expiry.isoformat()}", err=True)


@accounts_app.command("disconnect")
def accounts_disconnect(
    identifier: IdentifierArgument,
    connection: ConnectionOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop the user's tokens and keep the account as DISCONNECTED (until they authorize
    again with a new link)."""
    if not yes:
        typer.confirm(f"Disconnect {identifier!r}? Their tokens are dropped.", abort=True)

    async def work(gateway: AsyncGateway) -> ConnectedAccount:
        done = await gateway.actions.disconnect_connected_account(
            connection_name=connection, identifier=identifier
        )
        return done.connected_account

    account = with_gateway(work)
    typer.echo(f"{account.identifier}: {account.status.value}")
