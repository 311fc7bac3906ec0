"""``attio-gateway toolsets|policies|budgets …``: what agents may call (docs/permissions.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from attio_gateway.cli.state import fail, with_gateway

if TYPE_CHECKING:  # the gateway loads when a command runs, not for --help
    from attio_gateway.sdk import AsyncGateway

toolsets_app = typer.Typer(
    help="Toolsets: named, versioned sets of tools a call can be bound to.", no_args_is_help=True
)
policies_app = typer.Typer(
    help="Policy rules: allow, deny or ask, checked before every tool call and proxied request.",
    no_args_is_help=True,
)
budgets_app = typer.Typer(
    help="Budgets: calls a minute and writes a day, per identifier (and toolset).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ToolOption = Annotated[
    list[str] | None, typer.Option("--tool", help="A tool of the toolset (repeat the option).")
]
FixedOption = Annotated[
    list[str] | None,
    typer.Option(
        "--fixed",
        help="A fixed argument, TOOL.ARGUMENT=VALUE (VALUE as JSON, else as text), e.g. "
        "attio_list_records.object=deals; its tool is added to the toolset.",
    ),
]


def _json(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return json.dumps(value, indent=2, ensure_ascii=False)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _tools(tools: list[str] | None, fixed: list[str] | None) -> list[dict[str, Any]] | None:
    if not tools and not fixed:
        return None
    listed: dict[str, dict[str, Any]] = {name: {} for name in tools or []}
    for item in fixed or []:
        where, sep, value = item.partition("=")
        tool, dot, argument = where.partition(".")
        if not sep or not dot or not tool or not argument:
            raise typer.BadParameter(f"{item!r} is not TOOL.ARGUMENT=VALUE", param_hint="--fixed")
        listed.setdefault(tool, {})[argument] = _value(value)
    return [{"name": name, "fixed_arguments": args} for name, args in listed.items()]


def _object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"{option} is not JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict):
        raise fail(f"{option} must be a JSON object.")
    return value


# --- toolsets ------------------------------------------------------------------------------


@toolsets_app.command("list")
def toolsets_list(as_json: JsonOption = False) -> None:
    """Every toolset: name, version, tools."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.toolsets.list()

    found = with_gateway(work)
    if as_json:
        typer.echo(_json(found))
        return
    table = Table("Toolset", "Version", "Tools", "Description")
    for toolset in found:
        names = ", ".join(
            t.name + (f" {json.dumps(t.fixed_arguments)}" if t.fixed_arguments else "")
            for t in toolset.tools
        )
        table.add_row(toolset.name, str(toolset.version), names, toolset.description)
    Console().print(table)


@toolsets_app.command("show")
def toolsets_show(name: Annotated[str, typer.Argument(help="The toolset's name.")]) -> None:
    """One toolset as JSON."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.toolsets.get(name)

    typer.echo(_json(with_gateway(work)))


@toolsets_app.command("create")
def toolsets_create(
    name: Annotated[str, typer.Argument(help="The toolset's name, e.g. sales-agent.")],
    tool: ToolOption = None,
    fixed: FixedOption = None,
    description: Annotated[str, typer.Option(help="What the toolset is for.")] = "",
) -> None:
    """Create a toolset from --tool and --fixed."""
    tools = _tools(tool, fixed) or []

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.toolsets.create(name, tools=tools, description=description)

    typer.echo(_json(with_gateway(work, creates=True)))


@toolsets_app.command("update")
def toolsets_update(
    name: Annotated[str, typer.Argument(help="The toolset's name.")],
    tool: ToolOption = None,
    fixed: FixedOption = None,
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
) -> None:
    """Replace a toolset's tools (--tool/--fixed: the whole new set) or description; its
    version grows by one."""
    tools = _tools(tool, fixed)

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.toolsets.update(name, tools=tools, description=description)

    typer.echo(_json(with_gateway(work)))


@toolsets_app.command("delete")
def toolsets_delete(name: Annotated[str, typer.Argument(help="The toolset's name.")]) -> None:
    """Delete a toolset (refused while a rule or budget names it)."""

    async def work(gateway: AsyncGateway) -> None:
        await gateway.toolsets.delete(name)

    with_gateway(work)
    typer.echo(f"deleted toolset {name}")


# --- policies ------------------------------------------------------------------------------


@policies_app.command("list")
def policies_list(as_json: JsonOption = False) -> None:
    """Every rule, and the default effect."""

    async def work(gateway: AsyncGateway) -> tuple[Any, str]:
        return await gateway.policies.list(), await gateway.policies.default()

    rules, default = with_gateway(work)
    if as_json:
        typer.echo(_json({"default": default, "rules": [r.model_dump(mode="json") for r in rules]}))
        return
    table = Table("Rule", "Effect", "Specificity", "Match", "Message", "Source")
    for rule in rules:
        table.add_row(
            rule.id,
            rule.effect,
            str(rule.specificity),
            json.dumps(rule.match, ensure_ascii=False),
            rule.message or "",
            rule.source or "",
        )
    Console().print(table)
    typer.echo(f"default: {default}")


@policies_app.command("create")
def policies_create(
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help='The rule as JSON: {"id", "match": {...}, "effect", "message"}; an id taken '
            "replaces that rule.",
        ),
    ],
) -> None:
    """Create (or replace) one rule."""
    given = _object(rule, "--rule")

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.policies.create(**given)

    typer.echo(_json(with_gateway(work, creates=True)))


@policies_app.command("delete")
def policies_delete(rule_id: Annotated[str, typer.Argument(help="The rule's id.")]) -> None:
    """Delete one rule."""

    async def work(gateway: AsyncGateway) -> None:
        await gateway.policies.delete(rule_id)

    with_gateway(work)
    typer.echo(f"deleted rule {rule_id}")


@policies_app.command("load")
def policies_load(
    file: Annotated[Path, typer.Argument(help="A YAML rules file (version, default, rules).")],
    source: Annotated[
        str | None,
        typer.Option(help="The name its rules are kept under (default: the file's name)."),
    ] = None,
) -> None:
    """Load a rules file: the rules loaded before under its name are replaced, in one
    transaction (run it again after each change of the file)."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}") from None
    name = source or file.name

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.policies.load(text, source=name)

    loaded = with_gateway(work, creates=True)
    typer.echo(f"loaded {len(loaded)} rule(s) from {file} as {name!r}")


@policies_app.command("default")
def policies_default(
    effect: Annotated[
        str | None, typer.Argument(help="allow, deny or ask; without it, show the default.")
    ] = None,
) -> None:
    """Show or set what happens when no rule matches."""

    async def work(gateway: AsyncGateway) -> str:
        if effect is None:
            return await gateway.policies.default()
        return await gateway.policies.set_default(effect)

    typer.echo(with_gateway(work))


@policies_app.command("evaluate")
def policies_evaluate(
    tool: Annotated[str | None, typer.Option(help="A tool call: the tool's name.")] = None,
    input_json: Annotated[str, typer.Option("--input", help="Its input as JSON.")] = "{}",
    method: Annotated[str | None, typer.Option(help="A proxied request: its method.")] = None,
    path: Annotated[str | None, typer.Option(help="A proxied request: its path.")] = None,
    identifier: Annotated[str | None, typer.Option(help="Who calls.")] = None,
    connection: Annotated[str | None, typer.Option(help="Through which connection.")] = None,
    toolset: Annotated[str | None, typer.Option(help="Bound to which toolset.")] = None,
) -> None:
    """What would happen to a call, and which rule decides (nothing is sent)."""
    arguments = _object(input_json, "--input")

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.policies.evaluate(
            tool_name=tool,
            tool_input=arguments if tool else None,
            method=method,
            path=path,
            json=arguments if method else None,
            identifier=identifier,
            connection_name=connection,
            toolset=toolset,
        )

    typer.echo(_json(with_gateway(work)))


# --- budgets -------------------------------------------------------------------------------


@budgets_app.command("list")
def budgets_list(as_json: JsonOption = False) -> None:
    """Every budget."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.budgets.list()

    found = with_gateway(work)
    if as_json:
        typer.echo(_json(found))
        return
    table = Table("Budget", "Identifier", "Toolset", "Calls/minute", "Writes/day")
    for budget in found:
        table.add_row(
            budget.id,
            budget.identifier or "(each)",
            budget.toolset or "(any)",
            str(budget.calls_per_minute or "-"),
            str(budget.writes_per_day or "-"),
        )
    Console().print(table)


@budgets_app.command("create")
def budgets_create(
    budget_id: Annotated[
        str | None, typer.Option("--id", help="Its id (default: made up).")
    ] = None,
    identifier: Annotated[
        str | None, typer.Option(help="Only this identifier (default: each identifier).")
    ] = None,
    toolset: Annotated[
        str | None, typer.Option(help="Only calls bound to this toolset (default: any call).")
    ] = None,
    calls_per_minute: Annotated[int | None, typer.Option(help="At most this many calls.")] = None,
    writes_per_day: Annotated[int | None, typer.Option(help="At most this many writes.")] = None,
) -> None:
    """Create a budget."""
    fields = {
        "id": budget_id,
        "identifier": identifier,
        "toolset": toolset,
        "calls_per_minute": calls_per_minute,
        "writes_per_day": writes_per_day,
    }

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.budgets.create(**{k: v for k, v in fields.items() if v is not None})

    typer.echo(_json(with_gateway(work, creates=True)))


@budgets_app.command("delete")
def budgets_delete(budget_id: Annotated[str, typer.Argument(help="The budget's id.")]) -> None:
    """Delete a budget."""

    async def work(gateway: AsyncGateway) -> None:
        await gateway.budgets.delete(budget_id)

    with_gateway(work)
    typer.echo(f"deleted budget {budget_id}")


# --- approvals -----------------------------------------------------------------------------

approvals_app = typer.Typer(
    help="Approvals: calls a rule asked about, waiting for a person.", no_args_is_help=True
)


@approvals_app.command("list")
def approvals_list(
    status: Annotated[
        str | None, typer.Option(help="Only pending, approved, denied or executed ones.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Approvals, newest first, with what each call would change."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.approvals.list(status=status)

    found = with_gateway(work)
    if as_json:
        typer.echo(_json(found))
        return
    table = Table("Approval", "Status", "Identifier", "Call", "Preview", "Expires")
    for approval in found:
        call = approval.call
        what = call.get("tool") or f"{call.get('method')} {call.get('path')}"
        summary = (approval.preview or {}).get("summary", "")
        table.add_row(
            approval.id,
            approval.status,
            approval.identifier,
            str(what),
            str(summary),
            approval.expires_at.isoformat(timespec="seconds"),
        )
    Console().print(table)


@approvals_app.command("show")
def approvals_show(approval_id: Annotated[str, typer.Argument(help="The approval's id.")]) -> None:
    """One approval as JSON: the exact call and its preview."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.approvals.get(approval_id)

    typer.echo(_json(with_gateway(work)))


@approvals_app.command("approve")
def approvals_approve(
    approval_id: Annotated[str, typer.Argument(help="The approval's id.")],
    by: Annotated[str, typer.Option(help="Who approves.")] = "cli",
) -> None:
    """Approve a pending call; the caller then submits it again with the approval id."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.approvals.approve(approval_id, by=by)

    typer.echo(_json(with_gateway(work)))


@approvals_app.command("deny")
def approvals_deny(
    approval_id: Annotated[str, typer.Argument(help="The approval's id.")],
    by: Annotated[str, typer.Option(help="Who denies.")] = "cli",
    reason: Annotated[str | None, typer.Option(help="Shown to the agent.")] = None,
) -> None:
    """Deny a pending call."""

    async def work(gateway: AsyncGateway) -> Any:
        return await gateway.approvals.deny(approval_id, by=by, reason=reason)

    typer.echo(_json(with_gateway(work)))
