"""``Permissions``: toolsets, policy rules and budgets, stored in the database and kept in
memory for the call path.

What a call needs (the toolsets, the compiled rules, the budgets, the default effect) is
one ``Snapshot``, reloaded when the stored generation changed: at once after a change made
through this process, and within ``refresh_seconds`` of a change made by another one.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
import fnmatch
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs shipped
import redis.asyncio as aioredis
import yaml
from pydantic import ValidationError

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    ApprovalRequiredError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyDeniedError,
    ToolInputError,
    ToolNotInToolsetError,
)
from attio_gateway.jsonvalue import JSONObject
from attio_gateway.permissions.approvals import Approvals
from attio_gateway.permissions.budgets import (
    Counters,
    MemoryCounters,
    RedisCounters,
    take_budgets,
)
from attio_gateway.permissions.models import (
    Budget,
    BudgetInput,
    Decision,
    Effect,
    Match,
    PolicyRule,
    RuleInput,
    RulesFile,
    Toolset,
    ToolsetInput,
    ToolsetTool,
    invalid,
)
from attio_gateway.permissions.rules import Facts, RuleSet, compile_rule, is_glob, specificity
from attio_gateway.storage import Database
from attio_gateway.storage.queries import new_id
from attio_gateway.storage.queries import permissions as pq
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.spec import ToolSpec

__all__ = [
    "Approvals",
    "Budgets",
    "Permissions",
    "Policies",
    "Snapshot",
    "Toolsets",
    "proxy_is_read",
]

EFFECTS: tuple[Effect, ...] = ("allow", "deny", "ask")
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def proxy_is_read(method: str, path: str) -> bool:
    """A proxied request reads: GET, HEAD, OPTIONS, and Attio's POST ``…/query`` searches."""
    method = method.upper()
    return method in _READ_METHODS or (
        method == "POST" and path.split("?")[0].rstrip("/").endswith("/query")
    )


@dataclass
class Snapshot:
    generation: str | None
    toolsets: dict[str, Toolset] = field(default_factory=dict)
    rules: RuleSet = field(default_factory=lambda: RuleSet([]))
    budgets: list[Budget] = field(default_factory=list)

    @property
    def enforces(self) -> bool:
        """Is there anything to enforce on a call (a rule, a default other than allow, a
        budget)?"""
        return self.decides or bool(self.budgets)

    @property
    def decides(self) -> bool:
        """Do policies decide anything (a rule, or a default other than allow)?"""
        return self.rules.size > 0 or self.rules.default != "allow"

    def toolset(self, name: str) -> Toolset:
        found = self.toolsets.get(name)
        if found is None:
            raise NotFoundError(f"No toolset named {name!r}.")
        return found


def _toolset(row: Mapping[str, Any]) -> Toolset:
    tools = [ToolsetTool(name=n, fixed_arguments=a) for n, a in dict(row["tools"]).items()]
    return Toolset(
        name=row["name"],
        description=row["description"],
        tools=tools,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _rule(row: Mapping[str, Any]) -> PolicyRule:
    stored = dict(row["rule"])
    match = Match.model_validate(stored.get("match") or {})
    return PolicyRule(
        id=row["id"],
        description=stored.get("description", ""),
        match=stored.get("match") or {},
        effect=stored["effect"],
        message=stored.get("message"),
        specificity=specificity(match),
        source=row["source"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _budget(row: Mapping[str, Any]) -> Budget:
    return Budget.model_validate(dict(row))


def check_rule(rule: RuleInput, *, field: str = "") -> None:
    """Refuse a rule that could never match, naming the field.

    Raises:
        InvalidInputError: an unknown tool, a glob matching no tool, or ``access`` that no
            tool the rule names has.
    """
    match = rule.match
    if match.tool is None:
        return
    names = tool_catalog().names()
    if is_glob(match.tool):
        named = [n for n in names if fnmatch.fnmatchcase(n, match.tool)]
        if not named:
            raise InvalidInputError(
                f"{field}match.tool: the glob {match.tool!r} matches no tool, so the rule "
                "could never match",
                field=f"{field}match.tool",
            )
    elif match.tool not in names:
        raise InvalidInputError(
            f"{field}match.tool: no tool named {match.tool!r}", field=f"{field}match.tool"
        )
    else:
        named = [match.tool]
    if match.access is not None:
        read = match.access == "read"
        if not any(tool_catalog().get(n).read_only is read for n in named):
            raise InvalidInputError(
                f"{field}match.access: no tool matching {match.tool!r} is a {match.access} "
                "tool, so the rule could never match",
                field=f"{field}match.access",
            )


def _stored_rule(rule: RuleInput) -> dict[str, Any]:
    return rule.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude={"id"}) | {
        "effect": rule.effect
    }


def _fixed_arguments_problem(spec: ToolSpec, arguments: JSONObject) -> tuple[str, str] | None:
    """(argument, what is wrong) for the first fixed argument the tool refuses."""
    schema = spec.input_schema()
    properties = schema.get("properties") or {}
    for name, value in arguments.items():
        if name not in properties:
            known = ", ".join(sorted(properties)) or "none"
            return name, f"{spec.name} has no argument {name!r} (its arguments: {known})"
        try:
            jsonschema.validate(value, {**properties[name], "$defs": schema.get("$defs", {})})
        except jsonschema.ValidationError as exc:
            return name, f"not a valid value for {spec.name}.{name}: {exc.message}"
    return None


class Permissions:
    """Toolsets, rules and budgets of one gateway process."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        redis: aioredis.Redis | None = None,
        refresh_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.counters: Counters = RedisCounters(redis) if redis is not None else MemoryCounters()
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        #: The refresh in flight: concurrent calls past ``refresh_seconds`` share its reads.
        self._refreshing: asyncio.Task[Snapshot] | None = None
        self.toolsets = Toolsets(self)
        self.policies = Policies(self)
        self.budgets = Budgets(self)
        self.approvals = Approvals(db, clock)

    # --- the snapshot ------------------------------------------------------------------------

    def changed(self) -> None:
        """Something was changed through this process: reload on the next call (a refresh
        in flight may have read the old rules, so new calls do not wait for it)."""
        self._snapshot = None
        self._refreshing = None

    async def snapshot(self) -> Snapshot:
        current = self._snapshot
        if current is not None and time.monotonic() - self._checked_at < self.refresh_seconds:
            return current
        task = self._refreshing
        if task is None:
            task = asyncio.ensure_future(self._refresh())
            self._refreshing = task
            task.add_done_callback(self._refreshed)
        # Shielded: a caller cancelled while waiting does not cancel it for the others.
        return await asyncio.shield(task)

    def _refreshed(self, task: asyncio.Task[Snapshot]) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # retrieved here too: every waiter may have been cancelled

    async def _refresh(self) -> Snapshot:
        """One look at the rules' generation; the rules themselves only when it moved."""
        now = time.monotonic()
        current = self._snapshot
        generation = await pq.permissions_generation(self.db)
        self._checked_at = now
        if current is not None and current.generation == generation:
            return current
        self._snapshot = await self._load(generation)
        return self._snapshot

    async def _load(self, generation: str | None) -> Snapshot:
        if generation is None:
            return Snapshot(generation=None)
        toolsets = {row["name"]: _toolset(row) for row in await pq.list_toolsets(self.db)}
        compiled = []
        for order, row in enumerate(await pq.list_policy_rules(self.db)):
            stored = dict(row["rule"])
            compiled.append(
                compile_rule(
                    row["id"],
                    Match.model_validate(stored.get("match") or {}),
                    stored["effect"],
                    stored.get("message"),
                    order,
                )
            )
        stored = await pq.get_permission_setting(self.db, name="default_effect")
        default: Effect = stored if stored in EFFECTS else "allow"
        budgets = [_budget(row) for row in await pq.list_budgets(self.db)]
        return Snapshot(
            generation=generation,
            toolsets=toolsets,
            rules=RuleSet(compiled, default),
            budgets=budgets,
        )

    # --- the call path -----------------------------------------------------------------------

    @staticmethod
    def bind_tool(
        snapshot: Snapshot, spec: ToolSpec, tool_input: JSONObject, toolset: str
    ) -> JSONObject:
        """The input of a call of ``spec`` bound to ``toolset``: the toolset's fixed
        arguments added.

        Raises:
            NotFoundError: no such toolset.
            ToolNotInToolsetError: the tool is not in it.
            ToolInputError: the input sets a fixed argument to another value.
        """
        found = snapshot.toolset(toolset)
        tool = found.tool(spec.name)
        if tool is None:
            raise ToolNotInToolsetError(
                f"Tool {spec.name!r} is not in toolset {toolset!r}; its tools: "
                f"{', '.join(t.name for t in found.tools)}.",
                tool_name=spec.name,
                toolset=toolset,
            )
        if not tool.fixed_arguments:
            return tool_input
        for name, value in tool.fixed_arguments.items():
            if name in tool_input and tool_input[name] != value:
                raise ToolInputError(
                    f"{name!r} is fixed to {value!r} by toolset {toolset!r}; leave it out.",
                    field=name,
                )
        return {**tool_input, **copy.deepcopy(tool.fixed_arguments)}

    async def enforce(
        self,
        snapshot: Snapshot,
        facts: Facts,
        *,
        event: dict[str, Any] | None = None,
        account_id: str | None = None,
        call: dict[str, Any] | None = None,
        approval_id: str | None = None,
        preview: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> Decision | None:
        """Decide a call (recording the decision in ``event``), then count it against its
        budgets. ``None``: no policy decides anything. A call a rule asks about is kept as
        an approval (``call``, ``preview``) unless ``approval_id`` names its approval.

        Raises:
            PolicyDeniedError: a rule (or the default) denies it, or its approval was
                denied or expired.
            ApprovalRequiredError: a rule (or the default) asks for approval (a new
                approval), or its approval is still pending.
            ConflictError: ``approval_id`` was given for another call.
            BudgetExceededError: a budget that applies is used up.
        """
        decision: Decision | None = None
        if snapshot.decides:
            decision = snapshot.rules.evaluate(facts)
            if event is not None:
                event["policy_effect"] = decision.effect
                event["policy_rule_id"] = decision.rule_id
            if decision.effect == "deny":
                what = f"rule {decision.rule_id!r}" if decision.rule_id else "the default policy"
                raise PolicyDeniedError(
                    decision.message or f"This call is denied by {what}.",
                    rule_id=decision.rule_id,
                )
        if approval_id is not None:
            if account_id is None or call is None:
                raise InvalidInputError("an approval needs the call", field="approval_id")
            await self.approvals.check(approval_id, account_id=account_id, call=call)
        elif decision is not None and decision.effect == "ask":
            if account_id is None or call is None or preview is None:
                raise ApprovalRequiredError(
                    decision.message or "This call needs a person's approval.",
                    rule_id=decision.rule_id,
                )
            raise await self.approvals.ask(
                decision=decision,
                account_id=account_id,
                identifier=facts.identifier or "",
                connection_name=facts.connection or "",
                call=call,
                preview=preview,
            )
        if snapshot.budgets and facts.identifier is not None:
            await take_budgets(
                self.counters,
                snapshot.budgets,
                identifier=facts.identifier,
                toolset=facts.toolset,
                write=not facts.read,
                now=self.clock.now(),
            )
        return decision

    async def listed_definition(
        self, toolset: str, definitions: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``definitions`` narrowed to ``toolset``, each fixed argument removed from its
        input schema. Raises: NotFoundError: no such toolset."""
        found = (await self.snapshot()).toolset(toolset)
        kept: list[dict[str, Any]] = []
        for definition in definitions:
            tool = found.tool(definition["name"])
            if tool is None:
                continue
            if tool.fixed_arguments:
                definition = copy.deepcopy(definition)
                schema = definition["input_schema"]
                for name in tool.fixed_arguments:
                    (schema.get("properties") or {}).pop(name, None)
                if "required" in schema:
                    schema["required"] = [
                        r for r in schema["required"] if r not in tool.fixed_arguments
                    ]
            kept.append(definition)
        return kept


class Toolsets:
    """Named, versioned sets of tools (``gateway.toolsets``)."""

    def __init__(self, permissions: Permissions) -> None:
        self._p = permissions

    def _checked(self, **fields: Any) -> ToolsetInput:
        try:
            given = ToolsetInput.model_validate(fields)
        except ValidationError as exc:
            raise invalid(exc) from None
        known = set(tool_catalog().names())
        for index, tool in enumerate(given.tools):
            if tool.name not in known:
                raise InvalidInputError(
                    f"tools.{index}.name: no tool named {tool.name!r}",
                    field=f"tools.{index}.name",
                )
            problem = _fixed_arguments_problem(tool_catalog().get(tool.name), tool.fixed_arguments)
            if problem is not None:
                argument, message = problem
                field = f"tools.{index}.fixed_arguments.{argument}"
                raise InvalidInputError(f"{field}: {message}", field=field)
        return given

    @staticmethod
    def _stored(given: ToolsetInput) -> dict[str, Any]:
        return {tool.name: tool.fixed_arguments for tool in given.tools}

    async def create(self, name: str, *, tools: Any, description: str = "") -> Toolset:
        """Raises: InvalidInputError (naming the field); ConflictError: the name is taken."""
        given = self._checked(name=name, description=description, tools=tools)
        try:
            row = await pq.insert_toolset(
                self._p.db,
                name=given.name,
                description=given.description,
                tools=self._stored(given),
                now=self._p.clock.now(),
            )
        except ConflictError:
            raise ConflictError(f"A toolset named {given.name!r} already exists.") from None
        self._p.changed()
        return _toolset(row)

    async def get(self, name: str) -> Toolset:
        """Raises: NotFoundError: no such toolset."""
        for row in await pq.list_toolsets(self._p.db):
            if row["name"] == name:
                return _toolset(row)
        raise NotFoundError(f"No toolset named {name!r}.")

    async def list(self) -> builtins.list[Toolset]:
        return [_toolset(row) for row in await pq.list_toolsets(self._p.db)]

    async def update(
        self, name: str, *, tools: Any = None, description: str | None = None
    ) -> Toolset:
        """Replace the tools and/or the description; the version grows by one.

        Raises: NotFoundError; InvalidInputError (naming the field).
        """
        current = await self.get(name)
        given = self._checked(
            name=name,
            description=current.description if description is None else description,
            tools=[t.model_dump() for t in current.tools] if tools is None else tools,
        )
        row = await pq.update_toolset(
            self._p.db,
            name=name,
            description=given.description,
            tools=self._stored(given),
            now=self._p.clock.now(),
        )
        if row is None:
            raise NotFoundError(f"No toolset named {name!r}.")
        self._p.changed()
        return _toolset(row)

    async def delete(self, name: str) -> None:
        """Raises: NotFoundError; ConflictError: rules or budgets still name it (listed)."""
        await self.get(name)
        users = [
            f"rule {r.id!r}"
            for r in await self._p.policies.list()
            if r.match.get("toolset") == name
        ] + [f"budget {b.id!r}" for b in await self._p.budgets.list() if b.toolset == name]
        if users:
            raise ConflictError(
                f"Toolset {name!r} is still named by {', '.join(users)}; delete or change "
                "those first."
            )
        if not await pq.delete_toolset(self._p.db, name=name):
            raise NotFoundError(f"No toolset named {name!r}.")
        self._p.changed()


class Policies:
    """Allow / deny / ask rules (``gateway.policies``)."""

    def __init__(self, permissions: Permissions) -> None:
        self._p = permissions

    async def create(self, rule: Mapping[str, Any] | None = None, /, **fields: Any) -> PolicyRule:
        """Create (or, with an ``id`` taken, replace) a rule: ``match``, ``effect``,
        ``message``, ``description``.

        Raises: InvalidInputError: a bad rule, or one that could never match (the field named).
        """
        try:
            given = RuleInput.model_validate({**(rule or {}), **fields})
        except ValidationError as exc:
            raise invalid(exc) from None
        check_rule(given)
        rule_id = given.id or f"rule_{new_id()[:12]}"
        await pq.put_policy_rule(
            self._p.db,
            rule_id=rule_id,
            rule=_stored_rule(given),
            source=None,
            now=self._p.clock.now(),
        )
        self._p.changed()
        return await self.get(rule_id)

    async def get(self, rule_id: str) -> PolicyRule:
        for rule in await self.list():
            if rule.id == rule_id:
                return rule
        raise NotFoundError(f"No policy rule with id {rule_id!r}.")

    async def list(self) -> builtins.list[PolicyRule]:
        return [_rule(row) for row in await pq.list_policy_rules(self._p.db)]

    async def update(self, rule_id: str, /, **changes: Any) -> PolicyRule:
        """Change a rule's fields (those given replace the old ones).

        Raises: NotFoundError; InvalidInputError (naming the field).
        """
        current = await self.get(rule_id)
        merged: dict[str, Any] = {
            "description": current.description,
            "match": current.match,
            "effect": current.effect,
            "message": current.message,
            **changes,
            "id": rule_id,
        }
        return await self.create(merged)

    async def delete(self, rule_id: str) -> None:
        """Raises: NotFoundError: no such rule."""
        if not await pq.delete_policy_rule(self._p.db, rule_id=rule_id):
            raise NotFoundError(f"No policy rule with id {rule_id!r}.")
        self._p.changed()

    async def default(self) -> Effect:
        value = await pq.get_permission_setting(self._p.db, name="default_effect")
        return value if value in EFFECTS else "allow"

    async def set_default(self, effect: str) -> Effect:
        """Raises: InvalidInputError: not allow, deny or ask."""
        if effect not in EFFECTS:
            raise InvalidInputError(
                f"default: {effect!r} is not one of allow, deny, ask", field="default"
            )
        await pq.put_permission_setting(self._p.db, name="default_effect", value=effect)
        self._p.changed()
        return await self.default()

    async def load(self, text: str, *, source: str) -> builtins.list[PolicyRule]:
        """Load a YAML (or JSON) rules file: the rules loaded before from ``source`` are
        replaced by the file's, in one transaction; ``default`` sets the default effect.

        Raises:
            InvalidInputError: not YAML, or a bad rule (its index and field named).
            ConflictError: a rule id is taken by a rule from elsewhere.
        """
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInputError(f"{source}: not YAML: {exc}", field="file") from None
        try:
            parsed = RulesFile.model_validate(document if document is not None else {})
        except ValidationError as exc:
            raise invalid(exc) from None
        rules: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        for index, rule in enumerate(parsed.rules):
            check_rule(rule, field=f"rules.{index}.")
            rule_id = rule.id or f"{source}#{index + 1}"[:100]
            if rule_id in seen:
                raise InvalidInputError(
                    f"rules.{index}.id: {rule_id!r} is used twice", field=f"rules.{index}.id"
                )
            seen.add(rule_id)
            rules.append((rule_id, _stored_rule(rule)))
        try:
            await pq.replace_policy_rules(
                self._p.db,
                source=source,
                rules=rules,
                default_effect=parsed.default,
                now=self._p.clock.now(),
            )
        except ConflictError:
            raise ConflictError(
                "A rule id of this file is taken by a rule made elsewhere (or loaded from "
                "another file); rename it or delete the other rule."
            ) from None
        self._p.changed()
        return [rule for rule in await self.list() if rule.source == source]

    async def evaluate(
        self,
        *,
        tool_name: str | None = None,
        tool_input: JSONObject | None = None,
        method: str | None = None,
        path: str | None = None,
        json: Any = None,
        identifier: str | None = None,
        connection_name: str | None = None,
        toolset: str | None = None,
    ) -> Decision:
        """What would happen to this call, and which rule decides (nothing is sent or
        counted). Give ``tool_name`` (and ``tool_input``) or ``method`` and ``path``.

        Raises: NotFoundError: an unknown tool; InvalidInputError: neither or both kinds.
        """
        if (tool_name is None) == (method is None or path is None):
            raise InvalidInputError(
                "give tool_name, or method and path (a proxied request)", field="tool_name"
            )
        snapshot = await self._p.snapshot()
        if tool_name is not None:
            spec = tool_catalog().get(tool_name)
            arguments = dict(tool_input or {})
            if toolset is not None:
                arguments = Permissions.bind_tool(snapshot, spec, arguments, toolset)
            facts = Facts(
                kind="tool",
                read=spec.read_only,
                connection=connection_name,
                identifier=identifier,
                toolset=toolset,
                tool=spec.name,
                arguments=arguments,
            )
        else:
            assert method is not None and path is not None
            facts = Facts(
                kind="proxy",
                read=proxy_is_read(method, path),
                connection=connection_name,
                identifier=identifier,
                toolset=toolset,
                method=method.upper(),
                path=path.split("?")[0],
                arguments=json,
            )
        return snapshot.rules.evaluate(facts)


class Budgets:
    """Calls-a-minute and writes-a-day budgets (``gateway.budgets``)."""

    def __init__(self, permissions: Permissions) -> None:
        self._p = permissions

    async def create(self, budget: Mapping[str, Any] | None = None, /, **fields: Any) -> Budget:
        """``identifier`` (none: each identifier), ``toolset`` (none: any call),
        ``calls_per_minute``, ``writes_per_day``.

        Raises: InvalidInputError (naming the field); ConflictError: the id is taken.
        """
        try:
            given = BudgetInput.model_validate({**(budget or {}), **fields})
        except ValidationError as exc:
            raise invalid(exc, whole="calls_per_minute") from None
        try:
            row = await pq.insert_budget(
                self._p.db,
                budget_id=given.id or f"budget_{new_id()[:12]}",
                identifier=given.identifier,
                toolset=given.toolset,
                calls_per_minute=given.calls_per_minute,
                writes_per_day=given.writes_per_day,
                now=self._p.clock.now(),
            )
        except ConflictError:
            raise ConflictError(f"A budget with id {given.id!r} already exists.") from None
        self._p.changed()
        return _budget(row)

    async def list(self) -> builtins.list[Budget]:
        return [_budget(row) for row in await pq.list_budgets(self._p.db)]

    async def delete(self, budget_id: str) -> None:
        """Raises: NotFoundError: no such budget."""
        if not await pq.delete_budget(self._p.db, budget_id=budget_id):
            raise NotFoundError(f"No budget with id {budget_id!r}.")
        self._p.changed()
