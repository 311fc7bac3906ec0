"""Policy rules compiled once and evaluated per call, cheaply.

A ``RuleSet`` sorts every rule by precedence once — most specific first, then deny before
ask before allow, then the older rule first — and keeps, per tool name, only the rules that
can match that tool (the rules naming it, the globs matching it, the rules naming no tool),
in that order. Evaluating a call walks that short list and stops at the first rule that
matches: the decision is that rule's effect, or the default when none matches.

Specificity: each of ``connection``, ``identifier``, ``toolset``, ``access``, ``method``
and every argument predicate counts 1; ``tool`` and ``path`` count 2 when exact, 1 as a glob.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from attio_gateway.permissions.models import EFFECT_RANK, Decision, Effect, Match, Predicate

__all__ = ["Facts", "RuleSet", "compile_rule", "is_glob", "specificity", "value_at"]

_MISSING = object()
_GLOB = re.compile(r"[*?\[]")


def is_glob(pattern: str) -> bool:
    return bool(_GLOB.search(pattern))


@dataclass(frozen=True)
class Facts:
    """What a rule can look at in one call."""

    kind: str  # "tool" or "proxy"
    read: bool
    connection: str | None = None
    identifier: str | None = None
    toolset: str | None = None
    tool: str | None = None
    method: str | None = None
    path: str | None = None
    arguments: Any = None


def specificity(match: Match) -> int:
    score = sum(
        1
        for value in (match.connection, match.identifier, match.toolset, match.access, match.method)
        if value is not None
    )
    for pattern in (match.tool, match.path):
        if pattern is not None:
            score += 1 if is_glob(pattern) else 2
    return score + len(match.arguments)


def value_at(document: Any, path: str | tuple[str, ...]) -> Any:
    """The value at a dotted ``path`` (digits index lists), or ``_MISSING``."""
    node = document
    for part in path.split(".") if isinstance(path, str) else path:
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _same(value: Any, expected: Any) -> bool:
    """JSON equality: ``1 == 1.0``, but ``True`` is not ``1`` and ``"1"`` is not ``1``."""
    if _number(value) is not None and _number(expected) is not None:
        return bool(value == expected)
    return type(value) is type(expected) and bool(value == expected)


def _predicate(pred: Predicate) -> Callable[[Any], bool]:
    tests: list[Callable[[Any], bool]] = []
    if "equals" in pred.model_fields_set:
        expected = pred.equals
        if _number(expected) is None and not isinstance(expected, list | dict):
            kind = type(expected)  # a string, a boolean or null: one type to compare
            tests.append(lambda v: type(v) is kind and v == expected)
        else:
            tests.append(lambda v: _same(v, expected))
    if pred.in_ is not None:
        allowed = pred.in_
        tests.append(lambda v: any(_same(v, a) for a in allowed))
    if pred.regex is not None:
        pattern = re.compile(pred.regex)
        tests.append(lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None)
    if pred.gt is not None:
        low = pred.gt
        tests.append(lambda v: (n := _number(v)) is not None and n > low)
    if pred.lt is not None:
        high = pred.lt
        tests.append(lambda v: (n := _number(v)) is not None and n < high)
    path = tuple(pred.path.split("."))
    one = _all_of(tests)

    def holds(arguments: Any) -> bool:
        value = value_at(arguments, path)
        if value is _MISSING:
            return False
        if one(value):
            return True
        return isinstance(value, list) and any(one(item) for item in value)

    return holds


def _all_of(tests: Sequence[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """One function for all of ``tests`` (the common single test: itself)."""
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) and second(value)
    kept = tuple(tests)
    return lambda value: all(test(value) for test in kept)


def _on_arguments(holds: Callable[[Any], bool]) -> Callable[[Facts], bool]:
    return lambda facts: holds(facts.arguments)


@dataclass
class CompiledRule:
    id: str
    effect: Effect
    message: str | None
    specificity: int
    order: int
    #: The tool name or glob (``None``: any tool, and proxied requests unless ``proxy_only``).
    tool: str | None
    proxy_only: bool
    checks: list[Callable[[Facts], bool]] = field(default_factory=list)
    #: ``checks`` as one function, made once.
    matches: Callable[[Facts], bool] = field(init=False)

    def __post_init__(self) -> None:
        self.matches = _all_of(self.checks) if self.checks else (lambda facts: True)

    @property
    def key(self) -> tuple[int, int, int]:
        return (-self.specificity, EFFECT_RANK[self.effect], self.order)


def compile_rule(
    rule_id: str, match: Match, effect: Effect, message: str | None, order: int
) -> CompiledRule:
    checks: list[Callable[[Facts], bool]] = []
    if match.connection is not None:
        connection = match.connection
        checks.append(lambda f: f.connection == connection)
    if isinstance(match.identifier, str):
        identifier = match.identifier
        checks.append(lambda f: f.identifier == identifier)
    elif isinstance(match.identifier, list):
        group = frozenset(match.identifier)
        checks.append(lambda f: f.identifier in group)
    if match.toolset is not None:
        toolset = match.toolset
        checks.append(lambda f: f.toolset == toolset)
    if match.access is not None:
        read = match.access == "read"
        checks.append(lambda f: f.read is read)
    if match.method is not None:
        methods = frozenset([match.method] if isinstance(match.method, str) else match.method)
        checks.append(lambda f: f.method in methods)
    if match.path is not None:
        path = match.path
        if is_glob(path):
            glob = re.compile(fnmatch.translate(path))
            checks.append(lambda f: f.path is not None and glob.match(f.path) is not None)
        else:
            checks.append(lambda f: f.path == path)
    for pred in match.arguments:
        checks.append(_on_arguments(_predicate(pred)))
    return CompiledRule(
        id=rule_id,
        effect=effect,
        message=message,
        specificity=specificity(match),
        order=order,
        tool=match.tool,
        proxy_only=match.method is not None or match.path is not None,
        checks=checks,
    )


class RuleSet:
    """Rules ready to evaluate, with the default effect when none matches."""

    def __init__(self, rules: Sequence[CompiledRule], default: Effect = "allow") -> None:
        self.default = default
        self.size = len(rules)
        ordered = sorted(rules, key=lambda r: r.key)
        self._exact: dict[str, list[CompiledRule]] = {}
        self._globs: list[CompiledRule] = []
        self._any_tool: list[CompiledRule] = []
        proxy: list[CompiledRule] = []
        for rule in ordered:
            if rule.tool is None:
                proxy.append(rule)
                if not rule.proxy_only:
                    self._any_tool.append(rule)
            elif is_glob(rule.tool):
                self._globs.append(rule)
            else:
                self._exact.setdefault(rule.tool, []).append(rule)
        self._proxy = proxy
        self._per_tool: dict[str, list[CompiledRule]] = {}

    def _for_tool(self, name: str) -> list[CompiledRule]:
        rules = self._per_tool.get(name)
        if rules is None:
            rules = [
                *self._exact.get(name, ()),
                *(r for r in self._globs if fnmatch.fnmatchcase(name, r.tool or "")),
                *self._any_tool,
            ]
            rules.sort(key=lambda r: r.key)
            if len(self._per_tool) < 10_000:  # tool names come from the catalog
                self._per_tool[name] = rules
        return rules

    def evaluate(self, facts: Facts) -> Decision:
        candidates = self._for_tool(facts.tool or "") if facts.kind == "tool" else self._proxy
        for rule in candidates:
            if rule.matches(facts):
                return Decision(
                    effect=rule.effect,
                    rule_id=rule.id,
                    message=rule.message,
                    specificity=rule.specificity,
                )
        return Decision(effect=self.default, rule_id=None, message=None)
