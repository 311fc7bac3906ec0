"""``attio-gateway``: the command line. Rich tables for people, ``--json`` for scripts."""

from __future__ import annotations

import typer

from attio_gateway.cli.admin import clients_app, db_app, vault_app
from attio_gateway.cli.mcp import mcp_app
from attio_gateway.cli.quickstart import quickstart
from attio_gateway.cli.serve import admin_app, serve
from attio_gateway.cli.tools import tools_app

app = typer.Typer(help="Self-hostable agent auth gateway for the Attio CRM.", no_args_is_help=True)


app.command()(quickstart)
app.add_typer(db_app, name="db")
app.add_typer(vault_app, name="vault")
app.add_typer(mcp_app, name="mcp")
app.command()(serve)
app.add_typer(admin_app, name="admin")
app.add_typer(clients_app, name="clients")
app.add_typer(tools_app, name="tools")


def main() -> None:
    app()
