"""``attio-emulator``: serve a local Attio."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from attio_emulator import seedfile
from attio_emulator.app import create_app
from attio_emulator.core.limits import Faults, Limits
from attio_emulator.core.state import ALL_SCOPES, EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.latency import LATENCY, Latency
from attio_emulator.oauth.models import register_app
from attio_emulator.seed import SEEDS, apply_seed
from attio_emulator.services.records.index import record_index
from attio_emulator.services.webhooks.models import ALLOW_LOCAL_HTTP

app = typer.Typer(
    help="A faithful local Attio: REST API v2 and OAuth server.", no_args_is_help=True
)


@app.callback()
def _root() -> None:
    """A faithful local Attio: REST API v2 and OAuth server."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file that keeps the workspace across restarts.")
    ] = None,
    memory: Annotated[bool, typer.Option("--memory", help="Keep everything in memory.")] = False,
    seed: Annotated[
        str,
        typer.Option(
            help=f"Seed a new workspace: {' | '.join(SEEDS)} | a seed file (FILE.yaml, FILE.json)."
        ),
    ] = "empty",
    api_token: Annotated[
        str | None, typer.Option(help="A workspace API token with every scope to accept.")
    ] = None,
    rate_limits: Annotated[
        bool, typer.Option(help="Enforce Attio's per-token rate limits.")
    ] = True,
    reads_per_second: Annotated[int, typer.Option(help="Read limit per token.")] = 100,
    writes_per_second: Annotated[int, typer.Option(help="Write limit per token.")] = 25,
    fault_latency_ms: Annotated[int, typer.Option(help="Added latency on /v2 requests.")] = 0,
    fault_error_rate: Annotated[
        float, typer.Option(help="Share of /v2 requests answered 500/502/503 (0-1).")
    ] = 0.0,
    fault_accept_then_fail: Annotated[
        bool, typer.Option(help="Apply writes, then answer 502.")
    ] = False,
    allow_local_webhooks: Annotated[
        bool, typer.Option(help="Accept http://127.0.0.1 and localhost webhook targets.")
    ] = False,
    latency: Annotated[
        str | None,
        typer.Option(help="Delay every /v2 answer: MS (fixed) or MEDIAN_MS/P95_MS (log-normal)."),
    ] = None,
) -> None:
    """Serve Attio's REST API v2 under /v2 and its OAuth server."""
    if db is not None and memory:
        raise typer.BadParameter("choose --db PATH or --memory, not both")
    seed_file = None if seed in SEEDS else Path(seed)
    if seed_file is not None and not seed_file.is_file():
        raise typer.BadParameter(
            f"unknown seed {seed!r}: not one of {', '.join(SEEDS)} and not a file"
        )
    paced = None
    if latency is not None:
        try:
            paced = Latency.parse(latency)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--latency") from None
    state = EmulatorState(store=Store(str(db) if db else None))
    if state.store.is_empty():
        if seed_file is None:
            apply_seed(state, seed)
        else:
            try:
                seedfile.load_file(state, seed_file)
            except seedfile.SeedFileError as exc:
                raise typer.BadParameter(str(exc), param_hint="--seed") from None
    if paced is not None:
        state.options[LATENCY] = paced
    if api_token:
        state.issue_token(token=api_token)
    state.limits = Limits(reads_per_second, writes_per_second, enabled=rate_limits)
    state.faults = Faults(
        latency_ms=fault_latency_ms,
        error_rate=fault_error_rate,
        accept_then_fail=fault_accept_then_fail,
    )
    state.options[ALLOW_LOCAL_HTTP] = allow_local_webhooks
    base_url = f"http://{host}:{port}"
    typer.echo(f"Attio emulator on {base_url}  (REST API: {base_url}/v2)")
    if api_token:
        typer.echo(f"API token: {api_token}")
    # Build the record indexes now rather than on the first query (a pause of a tenth of
    # a second per 50,000 records), then move everything loaded out of the garbage
    # collector's sight: full collections over a large workspace would otherwise stall
    # requests, and stalls bunch requests together inside the rate-limit window.
    record_index(state)
    gc.freeze()
    uvicorn.run(create_app(state), host=host, port=port, log_level="warning")


@app.command("export")
def export_workspace(
    db: Annotated[
        Path | None, typer.Option(help="The SQLite file `serve --db` uses (read, not changed).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="A running emulator's base URL, e.g. http://127.0.0.1:8787.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (.json: JSON) instead of stdout."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="yaml | json (stdout).")] = "yaml",
) -> None:
    """Write a workspace in the seed-file format `serve --seed FILE` reads."""
    if (db is None) == (url is None):
        raise typer.BadParameter("give --db PATH or --url URL (one of them)")
    if fmt not in ("yaml", "json"):
        raise typer.BadParameter(f"--format must be yaml or json, got {fmt!r}")
    if db is not None:
        if not db.is_file():
            raise typer.BadParameter(f"{db} is not a file", param_hint="--db")
        data = seedfile.export(EmulatorState(store=Store(str(db))))
    else:
        import httpx

        assert url is not None
        try:
            response = httpx.get(url.rstrip("/") + "/_emulator/export", timeout=120)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise typer.BadParameter(f"{url}: {exc}", param_hint="--url") from None
        data = response.json()
    text = seedfile.dump(data, output, fmt=fmt)
    if output is None:
        typer.echo(text, nl=False)


apps = typer.Typer(help="OAuth apps (what build.attio.com registers).", no_args_is_help=True)
app.add_typer(apps, name="apps")


@apps.command("create")
def create_oauth_app(
    name: Annotated[str, typer.Option(help="The app's name, shown on the consent page.")],
    redirect_uri: Annotated[
        list[str], typer.Option(help="An allowed redirect URI (repeat for several).")
    ],
    db: Annotated[Path, typer.Option(help="The SQLite file `serve --db` uses.")],
    scopes: Annotated[
        str | None, typer.Option(help="Space- or comma-separated scopes (default: all 30).")
    ] = None,
    expiring_tokens: Annotated[
        bool, typer.Option(help="Issue expiring tokens with refresh tokens (not Attio's default).")
    ] = False,
) -> None:
    """Register an OAuth app and print its client id and secret."""
    state = EmulatorState(store=Store(str(db)))
    chosen = scopes.replace(",", " ").split() if scopes else list(ALL_SCOPES)
    try:
        doc = register_app(
            state,
            name=name,
            redirect_uris=redirect_uri,
            scopes=chosen,
            expiring_tokens=expiring_tokens,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"client_id={doc['client_id']}")
    typer.echo(f"client_secret={doc['client_secret']}")


def main() -> None:
    app()
