"""``attio-gateway db …`` and ``attio-gateway vault …``: operating the state store and the vault."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError

from attio_gateway.config import Settings
from attio_gateway.errors import GatewayError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage.migrate import current_revision
from attio_gateway.vault.keyring import key_file, load_keyring, new_key_text, write_key_file
from attio_gateway.vault.rotation import rotate

db_app = typer.Typer(help="The gateway's database.", no_args_is_help=True)
vault_app = typer.Typer(help="The token vault's keys.", no_args_is_help=True)

T = TypeVar("T")


def load_settings() -> Settings:
    """Settings from the environment; a bad value exits 1 naming the variable, no traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            variable = f"ATTIO_GATEWAY_{field.upper()}"
            typer.secho(f"error: {variable}: {error['msg']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None


def run_or_exit(work: Callable[[Database], Awaitable[T]], settings: Settings) -> T:
    """Run ``work`` on the configured database; a ``GatewayError`` exits 1 with its message."""

    async def main() -> T:
        db = Database.from_settings(settings)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except GatewayError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database (ATTIO_GATEWAY_DATABASE_URL)."""
    settings = load_settings()

    async def work(db: Database) -> str | None:
        await upgrade_database(db)
        return await current_revision(db)

    revision = run_or_exit(work, settings)
    typer.echo(f"database at revision {revision}")


@vault_app.command("rotate")
def vault_rotate(
    generate: bool = typer.Option(
        True,
        help=(
            "With a key file (no ATTIO_GATEWAY_VAULT_KEYS), generate a new key first. "
            "With configured keys, put the new key first in ATTIO_GATEWAY_VAULT_KEYS instead."
        ),
    ),
) -> None:
    """Re-seal every stored secret under the newest vault key, in one transaction.

    Covers every sealed value the tables hold: connection client secrets, account credentials and secrets, the PKCE verifiers and parked grants of authorization requests, and the server's signing key. Afterwards no row needs an older key. Prints counts only, never secrets. Older keys stay in the key file (or your setting) until you remove them; a running gateway with a key file picks up the new key by itself, with ATTIO_GATEWAY_VAULT_KEYS every process needs the new list (restart) before you rotate.
    """  # noqa: E501 - one line, so the help text wraps to the terminal, not to the source
    settings = load_settings()
    try:
        keyring = load_keyring(settings)
        if generate and not settings.vault_keys:
            old_lines = key_file(settings).read_text().splitlines()
            keyring, new_line = keyring.with_new_key()
            write_key_file(key_file(settings), [new_line, *[x for x in old_lines if x.strip()]])
    except GatewayError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None

    async def work(db: Database) -> None:
        await upgrade_database(db)
        report = await rotate(db, keyring)
        tables = ", ".join(f"{table} {count}" for table, count in report.rows.items())
        typer.echo(f"re-sealed {report.total} row(s) under key {report.key_id} ({tables})")

    run_or_exit(work, settings)


@vault_app.command("new-key")
def vault_new_key() -> None:
    """Print a fresh 'key_id:base64key' for ATTIO_GATEWAY_VAULT_KEYS (put it first, then rotate).

    This prints key material on purpose: keep it out of shell history and logs.
    """
    typer.echo(new_key_text())
