"""``attio-gateway sandbox``: the product document's set-up in one step, for trying its sample.

It starts the built-in Attio emulator (with the demo workspace), a gateway store, a
connection named as you ask whose OAuth app is registered on the emulator, a connected
user (unless ``--no-user``), and the gateway's server, then prints the environment the
sample needs and keeps running until Ctrl-C. The sample, with its import line changed to
``attio_gateway.compat.scalekit``, then runs against it as written.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from attio_gateway.cli.state import fail

if TYPE_CHECKING:
    from attio_gateway.config import Settings
    from attio_gateway.sdk.models import Connection

__all__ = ["sandbox", "sandbox_environment"]


def sandbox_environment(settings: Settings) -> dict[str, str]:
    """What a script written for the hosted SDK needs to run against this sandbox: the
    store the compat client opens (the same as the server's), and the document's variables
    (``SCALEKIT_ENV_URL`` is the server's base URL; the id and secret are not checked by
    the embedded gateway)."""
    return {
        "ATTIO_GATEWAY_DATA_DIR": str(settings.data_dir),
        "SCALEKIT_ENV_URL": settings.base_url,
        "SCALEKIT_CLIENT_ID": "sandbox",
        "SCALEKIT_CLIENT_SECRET": "sandbox",
    }


async def _prepare(
    settings: Settings, emulator_url: str, connection_name: str, identifier: str | None
) -> tuple[Connection, str | None]:
    """The connection (replacing one a kept store has from an earlier run), the user, and
    the dashboard's first admin (its generated password, when it was created now)."""
    from attio_gateway.sdk import AsyncGateway
    from attio_gateway.sdk.operators import ensure_operator
    from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection

    async with AsyncGateway(settings) as gateway:
        for existing in await gateway.list_connections():
            if existing.name == connection_name:
                # A sandbox store kept from an earlier run points at an emulator that is gone.
                if not existing.api_base_url.startswith("http://127.0.0.1:"):
                    raise fail(
                        f"{settings.data_dir} has a real {connection_name!r} connection; "
                        "use another --data-dir for the sandbox."
                    )
                await gateway.delete_connection(connection_name)
        connection = await create_emulator_connection(gateway, emulator_url, name=connection_name)
        if identifier is not None:
            await connect_user(gateway, identifier, connection_name=connection_name)
        return connection, await ensure_operator(gateway)


def sandbox(
    connection: Annotated[
        str, typer.Option(help="The connection's name, as your code passes connection_name.")
    ] = "attio",
    identifier: Annotated[
        str, typer.Option(help="A user to connect at once, as your code passes identifier.")
    ] = "user_123",
    no_user: Annotated[
        bool,
        typer.Option("--no-user", help="Connect nobody: open the authorization link yourself."),
    ] = False,
    host: Annotated[str, typer.Option(help="Interface the gateway listens on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port the gateway listens on.")
    ] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Keep the sandbox's store here (default: a new temporary directory)."),
    ] = None,
) -> None:
    """Start the emulator, a connection on it, a connected user and the gateway's server,
    print the environment the product document's sample needs, and run until Ctrl-C."""
    import uvicorn

    from attio_gateway.config import Settings
    from attio_gateway.sdk.sandbox import Sandbox

    store = data_dir or Path(tempfile.mkdtemp(prefix="attio-gateway-sandbox-"))
    settings = Settings(data_dir=store, base_url=f"http://{host}:{port}")
    emulator = Sandbox()
    try:
        emulator_url = emulator.url()
        created, password = asyncio.run(
            _prepare(settings, emulator_url, connection, None if no_user else identifier)
        )
        typer.echo(f"attio-gateway sandbox: Attio emulator at {emulator_url}")
        typer.echo(
            f"  connection {created.name!r} ({created.status}), redirect URI {created.redirect_uri}"
        )
        if not no_user:
            typer.echo(f"  {identifier!r} is connected (its authorization link was approved)")
        typer.echo(f"  gateway at {settings.base_url} (dashboard: /dashboard, MCP: /mcp)")
        if password is not None:
            typer.echo(f"  dashboard login: user 'admin', password {password!r}")
        typer.echo("In another shell, for the product document's sample:")
        for name, value in sandbox_environment(settings).items():
            typer.echo(f"  export {name}={shlex.quote(value)}")
        typer.echo(
            "and change its first line to: import attio_gateway.compat.scalekit as scalekit, os"
        )
        # The same app as `serve`, built from the environment (the CLI does not import the
        # API's modules): these two settings make it this sandbox's.
        os.environ["ATTIO_GATEWAY_DATA_DIR"] = str(settings.data_dir)
        os.environ["ATTIO_GATEWAY_BASE_URL"] = settings.base_url
        uvicorn.run(
            "attio_gateway.api.asgi:create_from_environment",
            factory=True,
            host=host,
            port=port,
            log_level="warning",
        )
    finally:
        emulator.close()
