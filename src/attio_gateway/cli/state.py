"""What every command that opens the gateway shares: settings from the environment, the
check that a state store is there, and one way to run a coroutine and report its error.

A command that only reads or changes what is stored (``connections list``, ``accounts
show``, ``tools call``, ``vault rotate``, ...) refuses to run when the configured store does
not exist or was never migrated: run elsewhere it would silently make a new, empty store
and answer "0 connections". ``attio-gateway --init COMMAND`` lets it create one. Commands
whose purpose is to create state (``serve``, ``quickstart``, ``db upgrade``, and the
``create`` commands) create a missing store and say so on stderr.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from pydantic import ValidationError

from attio_gateway.errors import GatewayError

if TYPE_CHECKING:
    from attio_gateway.config import Settings
    from attio_gateway.sdk import AsyncGateway

__all__ = ["INIT", "fail", "load_settings", "require_store", "run_or_exit", "with_gateway"]

T = TypeVar("T")

#: ``attio-gateway --init``: a missing store may be created by this command.
INIT: ContextVar[bool] = ContextVar("attio_gateway_cli_init", default=False)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned ``Exit`` (status 1)."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def load_settings() -> Settings:
    """Settings from the environment; a bad value exits 1 naming the variable, no traceback."""
    from attio_gateway.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            variable = f"ATTIO_GATEWAY_{field.upper()}"
            typer.secho(f"error: {variable}: {error['msg']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None


def run_or_exit(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; a ``GatewayError`` exits 1 with its message."""
    try:
        return asyncio.run(work)
    except GatewayError as exc:
        raise fail(exc.message) from None


def require_store(settings: Settings, *, creates: bool = False) -> None:
    """Exit 1 when the configured store is missing, unless ``--init`` was given; with
    ``creates`` (a command that makes state) a missing store is created, said on stderr."""
    # Imported here, as in every command: the database stack loads when a command runs,
    # not for --help (tests/gateway/cli/test_cli_imports.py).
    from attio_gateway.sdk import maintenance

    if run_or_exit(maintenance.store_exists(settings)):
        return
    where = maintenance.store_location(settings)
    if creates or INIT.get():
        typer.secho(f"attio-gateway: creating a new gateway store at {where}", err=True)
        return
    hint = (
        "set ATTIO_GATEWAY_DATABASE_URL to the gateway's database"
        if settings.database_url
        else "run from the directory holding .attio-gateway/ or set ATTIO_GATEWAY_DATA_DIR"
    )
    raise fail(
        f"no gateway state at {where}: {hint}, or pass --init to create a new store "
        "(attio-gateway --init COMMAND ...)."
    )


def with_gateway(
    work: Callable[[AsyncGateway], Awaitable[T]],
    *,
    settings: Settings | None = None,
    creates: bool = False,
) -> T:
    """Run ``work`` on a gateway of the configured settings once the store is there (see
    ``require_store``); opening it applies pending migrations. A ``GatewayError`` exits 1
    with its message."""
    settings = settings if settings is not None else load_settings()
    require_store(settings, creates=creates)

    from attio_gateway.sdk import AsyncGateway

    async def main() -> T:
        async with AsyncGateway(settings) as gateway:
            return await work(gateway)

    return run_or_exit(main())
