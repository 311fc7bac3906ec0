"""``attio-gateway``: the command line. Rich tables for people, ``--json`` for scripts."""

from __future__ import annotations

import typer

from attio_gateway.cli.accounts import accounts_app
from attio_gateway.cli.admin import clients_app, db_app, vault_app
from attio_gateway.cli.connections import connections_app
from attio_gateway.cli.logs import logs_app
from attio_gateway.cli.mcp import mcp_app
from attio_gateway.cli.permissions import approvals_app, budgets_app, policies_app, toolsets_app
from attio_gateway.cli.quickstart import quickstart
from attio_gateway.cli.sandbox import sandbox
from attio_gateway.cli.serve import admin_app, serve
from attio_gateway.cli.state import INIT
from attio_gateway.cli.tools import tools_app
from attio_gateway.cli.triggers import triggers_app

app = typer.Typer(no_args_is_help=True)


@app.callback()
def root(
    init: bool = typer.Option(
        False,
        "--init",
        help="Let this command create a new, empty gateway store when none is configured "
        "(without it, commands that read or change state refuse to run on a missing store).",
    ),
) -> None:
    """Self-hostable agent auth gateway for the Attio CRM.

    State lives in ./.attio-gateway/ (ATTIO_GATEWAY_DATA_DIR) or ATTIO_GATEWAY_DATABASE_URL. Commands that read or change it refuse to run when it is missing (so a command run in the wrong directory does not answer "0 connections" from a new, empty store) unless given --init. serve, quickstart, db upgrade and the create commands (connections, clients, admin) create a missing store and say so on stderr.
    """  # noqa: E501 - one line, so the help text wraps to the terminal, not to the source
    INIT.set(init)


app.command()(quickstart)
app.command()(sandbox)
app.add_typer(db_app, name="db")
app.add_typer(vault_app, name="vault")
app.add_typer(mcp_app, name="mcp")
app.command()(serve)
app.add_typer(admin_app, name="admin")
app.add_typer(clients_app, name="clients")
app.add_typer(tools_app, name="tools")
app.add_typer(connections_app, name="connections")
app.add_typer(accounts_app, name="accounts")
# Toolsets, policies, budgets, approvals (docs/permissions.md)
app.add_typer(toolsets_app, name="toolsets")
app.add_typer(policies_app, name="policies")
app.add_typer(budgets_app, name="budgets")
app.add_typer(approvals_app, name="approvals")

# Triggers (docs/triggers.md)
app.add_typer(triggers_app, name="triggers")
# Call logs (docs/operations.md)
app.add_typer(logs_app, name="logs")


def main() -> None:
    app()
