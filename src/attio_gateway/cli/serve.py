"""``attio-gateway serve`` (the HTTP API and dashboard) and ``attio-gateway admin create``
(the dashboard's operator)."""

from __future__ import annotations

import asyncio
import gc

import typer
import uvicorn

from attio_gateway.cli.admin import load_settings
from attio_gateway.errors import GatewayError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import set_operator_password

admin_app = typer.Typer(help="The dashboard's operators.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Run the gateway's server: JSON API (/api/v1, docs at /api/docs), OAuth callback,
    dashboard, MCP (/mcp), /healthz and /metrics."""
    from attio_gateway.api import create_app

    settings = load_settings()
    if settings.base_url == "http://127.0.0.1:8000" and (host, port) != ("127.0.0.1", 8000):
        # Redirect URIs are built from base_url: keep it pointing at this server.
        settings = settings.model_copy(update={"base_url": f"http://{host}:{port}"})
    typer.echo(f"attio-gateway: dashboard at {settings.base_url}/dashboard/connections")
    app = create_app(settings, mcp=True)
    # Everything imported so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every request for a few hundred
    # milliseconds on a small machine (and bunch the requests they delayed).
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="info")


@admin_app.command("create")
def create_admin(
    username: str = typer.Option("admin", help="The operator's user name."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Create a dashboard operator, or set an existing one's password (kept in the database)."""
    if len(password) < 8:
        typer.echo("The password needs at least 8 characters.", err=True)
        raise typer.Exit(2)
    settings = load_settings()

    async def save() -> None:
        # Through a gateway: it applies pending migrations and imports operators an older
        # version kept in the data dir before this one is stored.
        async with AsyncGateway(settings) as gateway:
            await set_operator_password(gateway, username, password)

    try:
        asyncio.run(save())
    except GatewayError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(f"Operator {username!r} saved.")
