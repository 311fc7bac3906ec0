"""``attio-gateway logs [filters]`` and ``attio-gateway logs overview``: the call logs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import with_gateway
from attio_gateway.sdk.logmodels import LogOverview, LogPage

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway

logs_app = typer.Typer(
    help="Call logs: tool calls and proxied requests, with duration, error tier and code.",
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SinceOption = Annotated[
    str | None,
    typer.Option(help="From this time: ISO 8601 (2026-12-07T16:00:00Z) or a span back (24h, 7d)."),
]
UntilOption = Annotated[str | None, typer.Option(help="Before this time (same forms as --since).")]
ConnectionOption = Annotated[str | None, typer.Option(help="Only this connection's calls.")]
IdentifierOption = Annotated[str | None, typer.Option(help="Only this user's calls.")]
RunOption = Annotated[
    str | None, typer.Option("--run", help="Only the calls of this agent_run_id.")
]


@logs_app.callback(invoke_without_command=True)
def logs(
    ctx: typer.Context,
    identifier: IdentifierOption = None,
    connection: ConnectionOption = None,
    tool: Annotated[str | None, typer.Option(help="Only this tool's calls.")] = None,
    kind: Annotated[str | None, typer.Option(help="tool or proxy.")] = None,
    outcome: Annotated[str | None, typer.Option(help="success or error.")] = None,
    tier: Annotated[str | None, typer.Option(help="Error tier: gateway, attio or policy.")] = None,
    code: Annotated[str | None, typer.Option(help="Error code, e.g. not_found.")] = None,
    run: RunOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="The next page: the cursor a previous page printed.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The newest tool calls and proxied requests, filtered (every filter given must match).

    `attio-gateway logs overview` sums up a window instead."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(gateway: AsyncGateway) -> LogPage:
        return await gateway.logs.query(
            identifier=identifier,
            connection_name=connection,
            tool_name=tool,
            kind=kind,
            outcome=outcome,
            error_tier=tier,
            error_code=code,
            agent_run_id=run,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )

    page = with_gateway(work)
    if as_json:
        typer.echo(page.model_dump_json(indent=2))
        return
    if not page.logs:
        typer.echo("No calls match.")
        return
    table = Table("At (UTC)", "Call", "Identifier", "Outcome", "Error", "ms", "Run")
    for e in page.logs:
        call = e.tool_name if e.kind == "tool" else f"{e.method} {e.path}"
        error = f"{e.error_tier}/{e.error_code}" if e.error_tier else ""
        status = e.outcome if e.http_status is None else f"{e.outcome} {e.http_status}"
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            call or "",
            e.identifier or "",
            status,
            error,
            "" if e.duration_ms is None else str(e.duration_ms),
            e.agent_run_id or "",
        )
    Console().print(table)
    if page.next_cursor:
        typer.echo(f"More: --cursor {page.next_cursor}", err=True)


@logs_app.command("overview")
def overview(
    since: SinceOption = "24h",
    until: UntilOption = None,
    connection: ConnectionOption = None,
    identifier: IdentifierOption = None,
    run: RunOption = None,
    as_json: JsonOption = False,
) -> None:
    """Totals, errors by tier and code, calls per tool and p50/p95 latency over a window
    (default: the last 24 hours)."""

    async def work(gateway: AsyncGateway) -> LogOverview:
        return await gateway.logs.overview(
            since=since,
            until=until,
            connection_name=connection,
            identifier=identifier,
            agent_run_id=run,
        )

    summary = with_gateway(work)
    if as_json:
        typer.echo(json.dumps(summary.model_dump(mode="json"), indent=2))
        return
    window = f"{summary.since:%Y-%m-%d %H:%M} to {summary.until:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"{window}: {summary.calls} calls, {summary.errors} errors")
    if summary.calls:
        tiers = ", ".join(f"{tier} {count}" for tier, count in summary.errors_by_tier.items())
        typer.echo(f"errors by tier: {tiers}")
        typer.echo(f"latency: p50 {summary.latency_p50_ms} ms, p95 {summary.latency_p95_ms} ms")
    console = Console()
    if summary.errors_by_code:
        codes = Table("Tier", "Code", "Count")
        for c in summary.errors_by_code:
            codes.add_row(c.error_tier or "", c.error_code or "", str(c.count))
        console.print(codes)
    if summary.tools:
        tools = Table("Tool", "Calls", "Errors", "Mean ms")
        for t in summary.tools:
            name = t.tool_name if t.kind == "tool" else "(proxy)"
            mean = "" if t.mean_duration_ms is None else f"{t.mean_duration_ms:.0f}"
            tools.add_row(name or "", str(t.calls), str(t.errors), mean)
        console.print(tools)
