"""What the permissions are made of, as the SDK, the HTTP API and the YAML file give and
show them: toolsets, policy rules (a match, an effect, a message), budgets, decisions.

Each input model refuses bad values with a ``ValidationError`` that names the field;
``invalid`` turns one into the gateway's ``InvalidInputError``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from attio_gateway.errors import InvalidInputError
from attio_gateway.jsonvalue import JSONObject, JSONValue

__all__ = [
    "Budget",
    "BudgetInput",
    "Decision",
    "Effect",
    "Match",
    "PolicyRule",
    "Predicate",
    "RuleInput",
    "RulesFile",
    "Toolset",
    "ToolsetInput",
    "ToolsetTool",
    "invalid",
]

Effect = Literal["allow", "deny", "ask"]
#: deny beats ask beats allow at equal specificity.
EFFECT_RANK: dict[str, int] = {"deny": 0, "ask": 1, "allow": 2}

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
#: A dotted path into a call's input: ``values.stage``, ``record_id``, ``entries.0.id``.
PATH_PATTERN = r"^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,19}$"
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")


def invalid(
    exc: ValidationError, *, prefix: str = "", whole: str | None = None
) -> InvalidInputError:
    """The first error of ``exc`` as ``InvalidInputError`` naming the field (dotted);
    ``whole`` names it when the error is about the whole value."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part != "__root__")
    field = f"{prefix}{where}" if where else (prefix.rstrip(".") or whole)
    message = first["msg"].removeprefix("Value error, ")
    return InvalidInputError(f"{field}: {message}" if field else message, field=field)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


# --- toolsets ------------------------------------------------------------------------------


class ToolsetTool(_In):
    """One tool of a toolset, with the arguments the toolset fixes (hidden from the agent)."""

    name: str = Field(min_length=1, max_length=200)
    fixed_arguments: JSONObject = Field(default_factory=dict)


class ToolsetInput(_In):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(default="", max_length=2000)
    tools: list[ToolsetTool] = Field(min_length=1, max_length=500)

    @field_validator("tools", mode="before")
    @classmethod
    def _names_as_tools(cls, value: Any) -> Any:
        """A tool may be given by its name alone; a mapping is name → fixed arguments."""
        if isinstance(value, dict):
            return [{"name": name, "fixed_arguments": args or {}} for name, args in value.items()]
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("tools")
    @classmethod
    def _once_each(cls, tools: list[ToolsetTool]) -> list[ToolsetTool]:
        seen: set[str] = set()
        for tool in tools:
            if tool.name in seen:
                raise ValueError(f"tool {tool.name!r} is listed twice")
            seen.add(tool.name)
        return tools


class Toolset(_Out):
    name: str
    description: str
    tools: list[ToolsetTool]
    version: int
    created_at: datetime
    updated_at: datetime

    def tool(self, name: str) -> ToolsetTool | None:
        for tool in self.tools:
            if tool.name == name:
                return tool
        return None


# --- policy rules --------------------------------------------------------------------------


class Predicate(_In):
    """A condition on the value at ``path`` in the call's input (a tool's arguments, a
    proxied request's JSON body). Every operator given must hold; a missing value holds
    none. A list value holds when the whole list or any of its items does."""

    path: str = Field(pattern=PATH_PATTERN)
    equals: JSONValue = None
    in_: list[JSONValue] | None = Field(default=None, alias="in")
    regex: str | None = Field(default=None, max_length=1000)
    gt: float | None = None
    lt: float | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _can_hold(self) -> Predicate:
        given = self.operators()
        if not given:
            raise ValueError("give at least one of equals, in, regex, gt, lt")
        if self.in_ is not None and not self.in_:
            raise ValueError("'in' is empty: the predicate could never hold")
        if self.gt is not None and self.lt is not None and self.gt >= self.lt:
            raise ValueError(f"no number is greater than {self.gt} and less than {self.lt}")
        return self

    def operators(self) -> list[str]:
        given = ["equals"] if "equals" in self.model_fields_set else []
        others = (("in", self.in_), ("regex", self.regex), ("gt", self.gt), ("lt", self.lt))
        return given + [name for name, value in others if value is not None]


class Match(_In):
    """What a rule matches; every field given must match (none: every call)."""

    connection: str | None = Field(default=None, min_length=1, max_length=200)
    #: One identifier, or a group of them.
    identifier: str | list[str] | None = None
    toolset: str | None = Field(default=None, pattern=NAME_PATTERN)
    #: A tool name, or a glob (``attio_update_*``); only tool calls match.
    tool: str | None = Field(default=None, min_length=1, max_length=200)
    access: Literal["read", "write"] | None = None
    #: Proxied requests only: an HTTP method, or several.
    method: str | list[str] | None = None
    #: Proxied requests only: a path or a glob (``/v2/objects/deals/*``), without the query.
    path: str | None = Field(default=None, min_length=1, max_length=2000)
    arguments: list[Predicate] = Field(default_factory=list, max_length=50)

    @field_validator("identifier")
    @classmethod
    def _identifiers(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty group of identifiers could never match")
            if any(not item or len(item) > 500 for item in value):
                raise ValueError("each identifier is 1 to 500 characters")
        elif value is not None and not value:
            raise ValueError("an empty identifier could never match")
        return value

    @field_validator("method")
    @classmethod
    def _methods(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not items:
            raise ValueError("an empty list of methods could never match")
        upper = [item.upper() for item in items]
        for item in upper:
            if item not in METHODS:
                raise ValueError(f"unknown HTTP method {item!r}; known: {', '.join(METHODS)}")
        return upper[0] if isinstance(value, str) else upper

    @field_validator("path")
    @classmethod
    def _under_v2(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("/v2/") or value.startswith("*")):
            raise ValueError("a proxied path starts with /v2/ (or is a glob starting with *)")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Match:
        if self.tool is not None and (self.method is not None or self.path is not None):
            raise ValueError(
                "tool matches tool calls and method/path match proxied requests: "
                "a rule with both could never match"
            )
        return self


class RuleInput(_In):
    """A rule as given: an id (made up when absent), what it matches, its effect."""

    id: str | None = Field(default=None, pattern=ID_PATTERN)
    description: str = Field(default="", max_length=2000)
    match: Match = Field(default_factory=Match)
    effect: Effect
    #: Shown to the agent when the rule denies (or asks).
    message: str | None = Field(default=None, max_length=2000)


class PolicyRule(_Out):
    id: str
    description: str
    match: dict[str, Any]
    effect: Effect
    message: str | None
    #: How specific the match is: the more specific rule decides (docs/permissions.md).
    specificity: int
    #: The YAML file it was loaded from (``None``: made through the SDK, API or CLI).
    source: str | None
    created_at: datetime
    updated_at: datetime


class RulesFile(_In):
    """A YAML (or JSON) file of rules: ``version: 1``, an optional ``default`` effect."""

    version: Literal[1] = 1
    default: Effect | None = None
    rules: list[RuleInput] = Field(default_factory=list, max_length=10_000)


class Decision(_Out):
    """What happens to a call: ``effect``, and the rule that decided (``None``: the default)."""

    effect: Effect
    rule_id: str | None
    message: str | None
    #: The deciding rule's specificity (``None``: the default decided).
    specificity: int | None = None


# --- budgets -------------------------------------------------------------------------------


class BudgetInput(_In):
    id: str | None = Field(default=None, pattern=ID_PATTERN)
    #: The identifier it applies to; ``None``: every identifier, each counted on its own.
    identifier: str | None = Field(default=None, min_length=1, max_length=500)
    #: Only calls bound to this toolset; ``None``: every call.
    toolset: str | None = Field(default=None, pattern=NAME_PATTERN)
    calls_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    writes_per_day: int | None = Field(default=None, ge=1, le=100_000_000)

    @model_validator(mode="after")
    def _a_limit(self) -> BudgetInput:
        if self.calls_per_minute is None and self.writes_per_day is None:
            raise ValueError("give calls_per_minute, writes_per_day or both")
        return self


class Budget(_Out):
    id: str
    identifier: str | None
    toolset: str | None
    calls_per_minute: int | None
    writes_per_day: int | None
    created_at: datetime
