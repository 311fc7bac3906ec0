"""``attio-gateway quickstart``: the product document's whole story in seconds, locally.

It starts the Attio emulator in this process, registers an OAuth app on it and creates the
``attio`` connection (the document's steps 1–3), sends ``user_123`` an authorization link and
completes the consent (headless, or in a real browser with ``--browser``), then runs the
document's sample: query people by email, create a company, a person linked to it, a note,
a task, and check the token. Each step goes through a tool when the catalog has it (the tools
accept the document's payloads as written and fix them up) and through the proxy otherwise.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from attio_gateway.errors import GatewayError
from attio_gateway.sdk.models import AccountStatus

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway

# The emulator, the servers and the gateway itself are imported where they are used, so
# that loading the CLI for --help does not load them (tests/gateway/cli/test_cli_imports.py).

IDENTIFIER = "user_123"
CONNECTION = "attio"
SCOPES = [
    "record_permission:read-write",
    "object_configuration:read",
    "note:read-write",
    "task:read-write",
    "user_management:read",
]


@dataclass(frozen=True)
class Step:
    """One step of the sample: a tool call, or the proxy request it stands for."""

    title: str
    tool: str
    tool_input: dict[str, Any]
    method: str
    path: str
    body: dict[str, Any] | None


def sample_steps(company_id: str, person_id: str) -> list[Step]:
    """The document's calls; the proxy payloads are corrected where Attio would refuse them
    (TOOLS.md §A.6), the tool inputs are the document's own."""
    steps = [
        Step(
            "Query people by email",
            "attio_list_people",
            {"filter": {"email_addresses": [{"email_address": {"$eq": "alice@example.com"}}]}},
            "POST",
            "/v2/objects/people/records/query",
            {"filter": {"email_addresses": {"email_address": {"$eq": "alice@example.com"}}}},
        ),
        Step(
            "Create a company",
            "attio_create_company",
            {"values": {"name": [{"value": "Acme Corp"}], "domains": [{"domain": "acme.com"}]}},
            "POST",
            "/v2/objects/companies/records",
            {"data": {"values": {"name": [{"value": "Acme Corp"}], "domains": ["acme.com"]}}},
        ),
    ]
    steps.append(
        Step(
            "Create a person linked to the company",
            "attio_create_person",
            {
                "values": {
                    "name": [{"first_name": "Alice", "last_name": "Smith"}],
                    "email_addresses": [
                        {"email_address": "alice@acme.com", "attribute_type": "email"}
                    ],
                    "company": [{"target_record_id": company_id}],
                }
            },
            "POST",
            "/v2/objects/people/records",
            {
                "data": {
                    "values": {
                        "name": [
                            {
                                "first_name": "Alice",
                                "last_name": "Smith",
                                "full_name": "Alice Smith",
                            }
                        ],
                        "email_addresses": ["alice@acme.com"],
                        "company": [{"target_object": "companies", "target_record_id": company_id}],
                    }
                }
            },
        )
    )
    steps += [
        Step(
            "Add a note to the person",
            "attio_create_note",
            {
                "parent_object": "people",
                "parent_record_id": person_id,
                "title": "Initial outreach",
                "content": "Spoke with Alice about Q2 pricing. Follow up next week.",
                "format": "plaintext",
            },
            "POST",
            "/v2/notes",
            {
                "data": {
                    "parent_object": "people",
                    "parent_record_id": person_id,
                    "title": "Initial outreach",
                    "content": "Spoke with Alice about Q2 pricing. Follow up next week.",
                    "format": "plaintext",
                }
            },
        ),
        Step(
            "Create a task linked to the person",
            "attio_create_task",
            {
                "content": "Send Q2 pricing proposal to Alice",
                "deadline_at": "2026-03-20T17:00:00.000Z",
                "is_completed": False,
                "linked_records": [{"target_object": "people", "target_record_id": person_id}],
            },
            "POST",
            "/v2/tasks",
            {
                "data": {
                    "content": "Send Q2 pricing proposal to Alice",
                    "format": "plaintext",
                    "deadline_at": "2026-03-20T17:00:00.000Z",
                    "is_completed": False,
                    "linked_records": [{"target_object": "people", "target_record_id": person_id}],
                    "assignees": [],
                }
            },
        ),
        Step(
            "Verify the token and workspace",
            "attio_get_current_token_info",
            {},
            "GET",
            "/v2/self",
            None,
        ),
    ]
    return steps


def _record_id(result: Any) -> str | None:
    """The record id in a tool's or Attio's answer, whatever its envelope."""
    for candidate in (result, result.get("data") if isinstance(result, dict) else None):
        if isinstance(candidate, dict):
            ident = candidate.get("id")
            if isinstance(ident, dict) and "record_id" in ident:
                return str(ident["record_id"])
            if isinstance(candidate.get("record_id"), str):
                return str(candidate["record_id"])
    return None


def _summary(result: Any) -> str:
    text = json.dumps(result, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


async def _run_step(gateway: AsyncGateway, step: Step, tools: set[str]) -> tuple[str, Any]:
    if step.tool in tools:
        response = await gateway.actions.execute_tool(
            tool_name=step.tool, tool_input=step.tool_input, identifier=IDENTIFIER
        )
        return f"tool {step.tool}", response.data
    proxied = await gateway.actions.request(
        connection_name=CONNECTION,
        identifier=IDENTIFIER,
        path=step.path,
        method=step.method,
        json=step.body,
    )
    if not proxied.ok:
        raise GatewayError(
            f"{step.method} {step.path} answered {proxied.status_code}: {proxied.text}"
        )
    return f"proxy {step.method} {step.path}", proxied.json()


@contextmanager
def _callback_server(gateway: AsyncGateway, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """A one-route HTTP server for the OAuth callback, for the ``--browser`` consent."""
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    @app.get("/sso/v1/oauth/{connection_id}/callback")
    def callback(connection_id: str, state: str = "", code: str = "", error: str = "") -> Any:
        params = {k: v for k, v in {"state": state, "code": code, "error": error}.items() if v}
        future = asyncio.run_coroutine_threadsafe(
            gateway.handle_callback(connection_id, params), loop
        )
        try:
            result = future.result(timeout=30)
            message = f"Connected {result.identifier}'s workspace {result.workspace_name}."
        except GatewayError as exc:
            message = f"Authorization failed: {exc}"
        return HTMLResponse(f"<h1>{message}</h1><p>You can close this tab.</p>")

    port = int(gateway.settings.base_url.rsplit(":", 1)[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def _browser_consent(gateway: AsyncGateway, link: str, console: Console) -> None:
    loop = asyncio.get_running_loop()
    with _callback_server(gateway, loop):
        console.print("  Opening the consent page in your browser; press Approve.")
        webbrowser.open(link)
        for _ in range(600):  # up to five minutes
            account = await gateway.actions.get_connected_account_details(
                connection_name=CONNECTION, identifier=IDENTIFIER
            )
            if account.connected_account.status == AccountStatus.ACTIVE:
                return
            await asyncio.sleep(0.5)
    raise GatewayError("No consent arrived within five minutes.")


async def _forget_old_sandbox(gateway: AsyncGateway) -> None:
    """A rerun in the same data directory replaces the previous run's emulator connection
    (that emulator is gone); a connection to anything else is never touched."""
    for connection in await gateway.list_connections():
        if connection.name != CONNECTION:
            continue
        if not connection.api_base_url.startswith("http://127.0.0.1:"):
            raise GatewayError(
                f"{gateway.settings.data_dir} already has a real {CONNECTION!r} connection; "
                "run the quickstart in another --data-dir."
            )
        await gateway.delete_connection(CONNECTION)


async def walkthrough(data_dir: Path, *, browser: bool, console: Console, keep: bool) -> None:
    """The whole quickstart; raises ``GatewayError`` on the first step that fails."""
    from attio_emulator.server import free_port, run_in_thread
    from attio_gateway.config import Settings
    from attio_gateway.sdk import AsyncGateway
    from attio_gateway.sdk.sandbox import consent, create_emulator_connection
    from attio_gateway.tools import catalog as tool_catalog

    with run_in_thread() as emulator:
        console.print(f"[bold]1.[/] Attio emulator running at {emulator.base_url}")
        base_url = f"http://127.0.0.1:{free_port()}"
        settings = Settings(data_dir=data_dir, base_url=base_url)
        async with AsyncGateway(settings) as gateway:
            await _forget_old_sandbox(gateway)
            connection = await create_emulator_connection(
                gateway, emulator.base_url, name=CONNECTION, scopes=SCOPES
            )
            console.print(
                f"[bold]2.[/] Connection [cyan]{connection.name}[/] is {connection.status}; "
                f"redirect URI {connection.redirect_uri}",
                soft_wrap=True,
            )
            link = await gateway.actions.get_authorization_link(
                connection_name=CONNECTION, identifier=IDENTIFIER
            )
            console.print(
                f"[bold]3.[/] Authorization link for {IDENTIFIER} "
                f"(single use, valid until {link.expiry:%H:%M:%S} UTC):\n  {link.link}",
                soft_wrap=True,
            )
            if browser:
                await _browser_consent(gateway, link.link, console)
            else:
                await consent(gateway, link.link)
            details = await gateway.actions.get_connected_account_details(
                connection_name=CONNECTION, identifier=IDENTIFIER
            )
            account = details.connected_account
            console.print(
                f"[bold]4.[/] {IDENTIFIER} approved: account {account.status}, workspace "
                f"{account.workspace.name!r}, scopes {', '.join(account.granted_scopes)}"
            )
            tools = set(tool_catalog().names())
            ids = {"company": "", "person": ""}
            for index in range(len(sample_steps("", ""))):
                # Built just in time: later steps carry the ids earlier ones created.
                step = sample_steps(ids["company"], ids["person"])[index]
                via, result = await _run_step(gateway, step, tools)
                for kind in ids:
                    if step.tool == f"attio_create_{kind}":
                        ids[kind] = _record_id(result) or ""
                console.print(f"[bold]{index + 5}.[/] {step.title} [dim]({via})[/]")
                console.print(f"   [dim]{_summary(result)}[/]")
            events = await gateway.audit_events(identifier=IDENTIFIER)
            kept = f"state kept in {data_dir}" if keep else "pass --data-dir to keep the state"
            console.print(
                f"[bold green]Done.[/] {len(events)} calls in the audit log; {kept}.",
                soft_wrap=True,
            )


def quickstart(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where to keep the gateway's state; a temporary directory by default."),
    ] = None,
    browser: Annotated[
        bool, typer.Option("--browser", help="Open the consent page in a real browser.")
    ] = False,
) -> None:
    """Walk the product document's flow against a built-in Attio emulator: no setup needed."""
    console = Console()
    with tempfile.TemporaryDirectory(prefix="attio-gateway-") as temporary:
        try:
            asyncio.run(
                walkthrough(
                    data_dir or Path(temporary),
                    browser=browser,
                    console=console,
                    keep=data_dir is not None,
                )
            )
        except GatewayError as exc:
            console.print(f"[bold red]Quickstart failed:[/] {exc}")
            raise typer.Exit(1) from None
