"""``attio-gateway triggers …``: subscriptions to your users' Attio events, the delivery
log, replay, and events pulled since a cursor."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import with_gateway
from attio_gateway.errors import InvalidInputError

if TYPE_CHECKING:  # the gateway loads when a command runs, not for --help
    from attio_gateway.sdk import AsyncGateway
    from attio_gateway.sdk.triggers import (
        CreatedSubscription,
        Delivery,
        EventPage,
        Subscription,
    )

triggers_app = typer.Typer(
    help="Triggers: your users' Attio events (record.updated, note.created, ...) posted to "
    "your app, signed, or kept for pulling.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ConnectionOption = Annotated[
    str | None, typer.Option(help="Connection name (default: the only one there is).")
]


def _run(work: Any) -> Any:
    return with_gateway(work)  # without the delivery worker: that is `serve`'s


def _subscription_row(table: Table, s: Subscription) -> None:
    table.add_row(
        s.id,
        s.identifier,
        s.connection_name,
        ", ".join(s.event_types),
        s.target_url or "(pull only)",
    )


@triggers_app.command("subscribe")
def triggers_subscribe(
    identifier: Annotated[str, typer.Argument(help="Your id for the user, e.g. user_123.")],
    event: Annotated[
        list[str],
        typer.Option("--event", "-e", help="An Attio event type (repeat for several)."),
    ],
    target_url: Annotated[
        str | None,
        typer.Option(help="Where to post each event; none: kept for `triggers events`."),
    ] = None,
    filter_json: Annotated[
        str | None,
        typer.Option("--filter", help='Attio\'s filter as JSON: {"$and": [{"field": ...}]}.'),
    ] = None,
    include_record: Annotated[
        bool,
        typer.Option(
            "--include-record", help="Also post the record or list entry, read as the user."
        ),
    ] = False,
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe to the user's Attio events; prints the signing secret (shown only once)."""
    try:
        filter_ = json.loads(filter_json) if filter_json else None
    except ValueError as exc:
        raise typer.BadParameter(f"--filter is not JSON: {exc}") from exc

    async def work(gateway: AsyncGateway) -> CreatedSubscription:
        if filter_ is not None and not isinstance(filter_, dict):
            raise InvalidInputError("--filter must be a JSON object.", field="filter")
        return await gateway.triggers.subscribe(
            connection_name=connection,
            identifier=identifier,
            events=event,
            target_url=target_url,
            filter=filter_,
            include_record=include_record,
        )

    created: CreatedSubscription = _run(work)
    if as_json:
        typer.echo(created.model_dump_json(indent=2))
        return
    typer.echo(f"subscription: {created.id}")
    typer.echo(f"events:       {', '.join(created.event_types)}")
    typer.echo(f"target:       {created.target_url or '(pull only)'}")
    typer.echo(f"secret:       {created.secret}")
    typer.secho("the secret is shown only now: it verifies X-Attio-Gateway-Signature", err=True)


@triggers_app.command("list")
def triggers_list(
    identifier: Annotated[str | None, typer.Option(help="Only this user's.")] = None,
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every subscription (never secrets)."""

    async def work(gateway: AsyncGateway) -> list[Subscription]:
        return await gateway.triggers.list_subscriptions(
            connection_name=connection, identifier=identifier
        )

    found: list[Subscription] = _run(work)
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in found], indent=2))
        return
    if not found:
        typer.echo("No trigger subscriptions: `attio-gateway triggers subscribe IDENTIFIER -e …`.")
        return
    table = Table("Id", "Identifier", "Connection", "Events", "Target")
    for s in found:
        _subscription_row(table, s)
    Console().print(table)


@triggers_app.command("delete")
def triggers_delete(
    subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")],
) -> None:
    """Delete a subscription (the workspace's Attio webhook goes with the last one)."""

    async def work(gateway: AsyncGateway) -> None:
        await gateway.triggers.delete(subscription_id)

    _run(work)
    typer.echo(f"deleted {subscription_id}")


@triggers_app.command("deliveries")
def triggers_deliveries(
    subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")],
    state: Annotated[
        str | None, typer.Option(help="Only pending, delivered, dead or stored.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """A subscription's delivery log, oldest first."""

    async def work(gateway: AsyncGateway) -> list[Delivery]:
        return await gateway.triggers.deliveries(subscription_id, state=state, limit=limit)

    found: list[Delivery] = _run(work)
    if as_json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in found], indent=2))
        return
    table = Table("Id", "Event", "State", "Attempts", "Last status", "Last error")
    for d in found:
        table.add_row(
            str(d.id),
            d.event_type,
            d.state,
            str(d.attempts),
            str(d.last_status or "-"),
            d.last_error or "",
        )
    Console().print(table)


@triggers_app.command("replay")
def triggers_replay(
    delivery_id: Annotated[int, typer.Argument(help="A dead (or delivered) delivery's id.")],
) -> None:
    """Send a delivery again from its first attempt (by the serving gateway's worker)."""

    async def work(gateway: AsyncGateway) -> Delivery:
        return await gateway.triggers.replay(delivery_id)

    delivery: Delivery = _run(work)
    typer.echo(f"delivery {delivery.id}: {delivery.state}")


@triggers_app.command("events")
def triggers_events(
    identifier: Annotated[str, typer.Argument(help="Your id for the user.")],
    since: Annotated[int, typer.Option(min=0, help="The cursor to read after.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    connection: ConnectionOption = None,
) -> None:
    """The user's events after a cursor, as JSON (``next_cursor`` reads on)."""

    async def work(gateway: AsyncGateway) -> EventPage:
        return await gateway.triggers.events(
            connection_name=connection, identifier=identifier, since=since, limit=limit
        )

    page: EventPage = _run(work)
    typer.echo(page.model_dump_json(indent=2))


@triggers_app.command("repair")
def triggers_repair(
    identifier: Annotated[str, typer.Argument(help="Your id for the user.")],
    connection: ConnectionOption = None,
) -> None:
    """Check the user's workspace webhook at Attio: made again if gone, corrected if changed."""

    async def work(gateway: AsyncGateway) -> bool:
        return await gateway.triggers.repair(connection_name=connection, identifier=identifier)

    made: bool = _run(work)
    typer.echo("made again at Attio" if made else "in place")
