"""``attio-gateway db …``, ``attio-gateway vault …`` and ``attio-gateway clients …``: operating
the state store, the vault and the API clients."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import load_settings, require_store, run_or_exit, with_gateway
from attio_gateway.sdk.scopes import ALL_SCOPES, DEFAULT_SCOPES

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway, admin

__all__ = ["clients_app", "db_app", "load_settings", "run_or_exit", "vault_app"]

db_app = typer.Typer(help="The gateway's database.", no_args_is_help=True)
vault_app = typer.Typer(help="The token vault's keys.", no_args_is_help=True)
clients_app = typer.Typer(
    help="API clients: who may call the JSON API, with which scopes, on which connections.",
    no_args_is_help=True,
)

T = TypeVar("T")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database (ATTIO_GATEWAY_DATABASE_URL)."""
    from attio_gateway.sdk import maintenance

    revision = run_or_exit(maintenance.upgrade(load_settings()))
    typer.echo(f"database at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[
        str,
        typer.Argument(
            help="The revision to go back to: an id such as 0004, base for none, or one "
            "step back with `-- -1`."
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask for confirmation (data may be lost).")
    ] = False,
) -> None:
    """Undo migrations down to REVISION (before running an older version of the gateway).

    Tables and columns the undone migrations added are dropped with their data: back up the database first.
    """  # noqa: E501 - one line, so the help text wraps to the terminal, not to the source
    from attio_gateway.sdk import maintenance

    settings = load_settings()
    require_store(settings)
    if not yes:
        typer.confirm(
            f"Downgrade the database at {maintenance.store_location(settings)} to {revision}? "
            "Data in dropped tables and columns is lost",
            abort=True,
        )
    at = run_or_exit(maintenance.downgrade(settings, revision))
    typer.echo(f"database at revision {at or 'base (no tables)'}")


@db_app.command("prune-audit")
def db_prune_audit(
    older_than_days: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Delete audit events older than this many days (default: "
            "ATTIO_GATEWAY_AUDIT_RETENTION_DAYS).",
        ),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            help="Append each event to this file (- for stdout), one JSON object per line, "
            "before it is deleted (default: ATTIO_GATEWAY_AUDIT_EXPORT_PATH).",
        ),
    ] = None,
) -> None:
    """Delete old audit events now, in batches, exporting them first (the retention job of
    every gateway process does the same by itself)."""
    import sys
    from pathlib import Path

    target = None if export is None else sys.stdout if export == "-" else Path(export)

    async def work(gateway: AsyncGateway) -> int:
        return await gateway.prune_audit_events(older_than_days=older_than_days, export=target)

    deleted = with_gateway(work)
    typer.echo(f"deleted {deleted} audit events", err=export == "-")


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
    from attio_gateway.sdk import maintenance

    settings = load_settings()
    require_store(settings)
    report = run_or_exit(maintenance.rotate_vault(settings, generate=generate))
    tables = ", ".join(f"{table} {count}" for table, count in report.rows.items())
    typer.echo(f"re-sealed {report.total} row(s) under key {report.key_id} ({tables})")


@vault_app.command("new-key")
def vault_new_key() -> None:
    """Print a fresh 'key_id:base64key' for ATTIO_GATEWAY_VAULT_KEYS (put it first, then rotate).

    This prints key material on purpose: keep it out of shell history and logs.
    """
    from attio_gateway.sdk import maintenance

    typer.echo(maintenance.new_vault_key())


# --- API clients ----------------------------------------------------------------------------

ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        help=f"A scope it may use (repeat the option; update: the whole new set): "
        f"{', '.join(ALL_SCOPES)}.",
    ),
]
AllScopesOption = Annotated[
    bool, typer.Option("--all-scopes", help="Grant every scope (a bootstrap client).")
]
ConnectionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--connection",
        help="A connection the client may act on (repeat the option); none: every connection.",
    ),
]


def _with_gateway(work: Callable[[AsyncGateway], Awaitable[T]], *, creates: bool = False) -> T:
    return with_gateway(work, creates=creates)


def _scopes(scopes: list[str] | None, all_scopes: bool) -> list[str] | None:
    if all_scopes and scopes:
        raise typer.BadParameter("give --scope or --all-scopes, not both", param_hint="--scope")
    return list(ALL_SCOPES) if all_scopes else scopes


def _client_dict(client: admin.ApiClient) -> dict[str, object]:
    return client.model_dump(mode="json")


@clients_app.command("list")
def clients_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every API client: scopes, connections, who minted it, active or revoked."""
    from attio_gateway.sdk import admin

    clients = _with_gateway(admin.list_api_clients)
    if as_json:
        typer.echo(json.dumps([_client_dict(c) for c in clients], indent=2))
        return
    table = Table("Client id", "Name", "Scopes", "Connections", "Minted by", "Status")
    for c in clients:
        table.add_row(
            c.client_id,
            c.name,
            ", ".join(c.scopes) or "none",
            ", ".join(c.connections) if c.connections is not None else "every",
            c.parent_client_id or "operator",
            "revoked" if c.revoked_at else "active",
        )
    Console().print(table)


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="Who uses it, for people.")],
    scope: ScopeOption = None,
    all_scopes: AllScopesOption = False,
    connection: ConnectionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an API client and print its id and secret (shown this once; stored hashed).

    Without --scope: everything but accounts:tokens and clients:admin.
    """
    from attio_gateway.sdk import admin

    scopes = _scopes(scope, all_scopes)

    async def work(gateway: AsyncGateway) -> admin.ApiClientCredentials:
        return await admin.create_api_client(
            gateway,
            name=name,
            scopes=DEFAULT_SCOPES if scopes is None else scopes,
            connections=connection or None,
        )

    created = _with_gateway(work, creates=True)
    if as_json:
        typer.echo(json.dumps(created.model_dump(mode="json")))
        return
    typer.echo(f"client_id:     {created.client_id}")
    typer.echo(f"client_secret: {created.client_secret}  (shown once)")
    typer.echo(f"scopes:        {', '.join(created.scopes) or 'none'}")
    where = ", ".join(created.connections) if created.connections is not None else "every"
    typer.echo(f"connections:   {where}")


@clients_app.command("update")
def clients_update(
    client_id: Annotated[str, typer.Argument(help="The client's id (agc_…).")],
    scope: ScopeOption = None,
    all_scopes: AllScopesOption = False,
    connection: ConnectionOption = None,
    all_connections: Annotated[
        bool, typer.Option("--all-connections", help="Lift the restriction to connections.")
    ] = False,
) -> None:
    """Change a client's scopes and/or connections; what is not given stays. The clients it
    minted lose what it no longer has."""
    from attio_gateway.sdk import admin

    scopes = _scopes(scope, all_scopes)
    if scopes is None and not connection and not all_connections:
        raise typer.BadParameter(
            "nothing to change: give --scope, --all-scopes, --connection or --all-connections",
            param_hint="--scope",
        )

    async def work(gateway: AsyncGateway) -> admin.ApiClient:
        return await admin.update_api_client(
            gateway,
            client_id,
            scopes=scopes,
            connections=connection or None,
            all_connections=all_connections,
        )

    updated = _with_gateway(work)
    where = ", ".join(updated.connections) if updated.connections is not None else "every"
    typer.echo(
        f"{updated.client_id}: scopes {', '.join(updated.scopes) or 'none'}; connections {where}"
    )


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[str, typer.Argument(help="The client's id (agc_…).")],
) -> None:
    """Revoke a client and every client it minted (their tokens stop working at once)."""
    from attio_gateway.sdk import admin

    async def work(gateway: AsyncGateway) -> list[str]:
        return await admin.revoke_api_client(gateway, client_id)

    revoked = _with_gateway(work)
    typer.echo(f"revoked {', '.join(revoked)}")
