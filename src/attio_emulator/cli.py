"""``attio-emulator``: serve a local Attio."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from attio_emulator.app import create_app
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import SEEDS, apply_seed

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
        str, typer.Option(help=f"Seed a new workspace: {' | '.join(SEEDS)}.")
    ] = "empty",
    api_token: Annotated[
        str | None, typer.Option(help="A workspace API token with every scope to accept.")
    ] = None,
) -> None:
    """Serve Attio's REST API v2 under /v2 and its OAuth server."""
    if db is not None and memory:
        raise typer.BadParameter("choose --db PATH or --memory, not both")
    if seed not in SEEDS:
        raise typer.BadParameter(f"unknown seed {seed!r}; choose one of: {', '.join(SEEDS)}")
    state = EmulatorState(store=Store(str(db) if db else None))
    if state.store.is_empty():
        apply_seed(state, seed)
    if api_token:
        state.issue_token(token=api_token)
    base_url = f"http://{host}:{port}"
    typer.echo(f"Attio emulator on {base_url}  (REST API: {base_url}/v2)")
    if api_token:
        typer.echo(f"API token: {api_token}")
    uvicorn.run(create_app(state), host=host, port=port, log_level="warning")


def main() -> None:
    app()
