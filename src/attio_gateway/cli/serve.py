"""``attio-gateway serve`` (the HTTP API and dashboard) and ``attio-gateway admin create``
(the dashboard's operator)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import typer

from attio_gateway.cli.admin import load_settings
from attio_gateway.cli.state import require_store
from attio_gateway.errors import GatewayError

if TYPE_CHECKING:
    from attio_gateway.config import Settings

admin_app = typer.Typer(help="The dashboard's operators.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Worker processes on this port. More than one needs ATTIO_GATEWAY_REDIS_URL, "
        "which they share rate limits, locks and cache invalidation through.",
    ),
    worker_healthcheck_timeout: int = typer.Option(
        60,
        min=1,
        help="Seconds a worker may take to answer the supervisor's health check (with "
        "--workers > 1) before it is killed and replaced. A new worker answers only once "
        "it has imported the gateway, which takes several seconds on a loaded machine.",
    ),
    log_format: str | None = typer.Option(
        None,
        help="text (uvicorn's lines) or json (one JSON object per line on stderr, with "
        "request id, identifier and execution id). Default: ATTIO_GATEWAY_LOG_FORMAT, else text.",
    ),
) -> None:
    """Run the gateway's server: JSON API (/api/v1, docs at /api/docs), OAuth callback,
    dashboard, MCP (/mcp), /healthz and /metrics."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from attio_gateway.sdk.logcontext import LOG_FORMATS, log_config

    if log_format is not None:
        if log_format not in LOG_FORMATS:
            raise typer.BadParameter(
                f"{log_format!r} is not one of {', '.join(LOG_FORMATS)}", param_hint="--log-format"
            )
        os.environ["ATTIO_GATEWAY_LOG_FORMAT"] = log_format  # the workers read it too
    settings = load_settings()
    if workers > 1 and not settings.redis_url:
        raise typer.BadParameter(
            "several workers need ATTIO_GATEWAY_REDIS_URL: without it each would keep its own "
            "rate limits and caches",
            param_hint="--workers",
        )
    if settings.base_url == "http://127.0.0.1:8000" and (host, port) != ("127.0.0.1", 8000):
        # Redirect URIs are built from base_url: keep it pointing at this server (the
        # workers read their settings from the environment).
        os.environ["ATTIO_GATEWAY_BASE_URL"] = f"http://{host}:{port}"
        settings = load_settings()
    asyncio.run(_prepare(settings))
    typer.echo(f"attio-gateway: dashboard at {settings.base_url}/dashboard/connections")
    uvicorn.run(
        "attio_gateway.api.asgi:create_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        log_config=LOGGING_CONFIG if settings.log_format == "text" else log_config("json"),
        # uvicorn's default of 5 s killed workers that were still importing on a busy
        # 2-CPU machine ("Child process died"), over and over.
        timeout_worker_healthcheck=worker_healthcheck_timeout,
    )


async def _prepare(settings: Settings) -> None:
    """What must happen once, before any worker starts: apply migrations, create the vault
    key file (embedded default), the signing key and the first admin (whose generated
    password is shown here, once). Workers starting together would otherwise race on the
    key file."""
    from attio_gateway.sdk import AsyncGateway
    from attio_gateway.sdk.operators import ensure_operator
    from attio_gateway.sdk.signing import server_key

    try:
        async with AsyncGateway(settings) as gateway:
            await server_key(gateway)
            password = await ensure_operator(gateway)
    except GatewayError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    if password is not None:
        typer.echo(
            f"attio-gateway: created the dashboard admin — user 'admin', password "
            f"{password!r} (change it with `attio-gateway admin create`)"
        )


@admin_app.command("create")
def create_admin(
    username: str = typer.Option("admin", help="The operator's user name."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Create a dashboard operator, or set an existing one's password (kept in the database)."""
    from attio_gateway.sdk import AsyncGateway
    from attio_gateway.sdk.operators import set_operator_password

    if len(password) < 8:
        typer.echo("The password needs at least 8 characters.", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    require_store(settings, creates=True)

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
