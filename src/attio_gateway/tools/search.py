"""Tool search: instead of every definition up front, a few meta-tools — search the catalog by
task, describe one tool, call one tool — so a client's context holds ~1k tokens, not 13k.

Ranking is BM25 over each tool's name, description and parameter names, with a few
synonyms an agent's wording uses for Attio's terms (a "stage" is a status, an "upsert" an
assert). ``tests/gateway/tools/tool_search_tasks.json`` holds the task set it is measured on
(docs/benchmarks.md)."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import Any

from pydantic import Field

from attio_gateway.errors import NotFoundError
from attio_gateway.tools.spec import ToolInput, ToolSpec

SEARCH_TOOLS = "attio_search_tools"
DESCRIBE_TOOL = "attio_describe_tool"
CALL_TOOL = "attio_call_tool"

_WORD = re.compile(r"[a-z0-9]+")
# Agent wording → the catalog's words (both are kept).
_SYNONYMS = {
    "stage": "status statuses update entry list",
    "pipeline": "list entries",
    "move": "update",
    "upsert": "assert",
    "edit": "update",
    "change": "update",
    "rename": "update",
    "remove": "delete remove",
    "erase": "delete",
    "find": "search list",
    "lookup": "search",
    "look": "search",
    "show": "get list",
    "fetch": "get",
    "read": "get",
    "contact": "person people",
    "contacts": "people person",
    "organization": "company companies",
    "organisation": "company companies",
    "account": "company companies",
    "opportunity": "deal deals",
    "todo": "task",
    "reminder": "task",
    "comment": "comment comments thread",
    "reply": "comment thread",
    "meeting": "meeting meetings",
    "call": "call recording meeting",
    "transcript": "transcript call recording",
    "field": "attribute",
    "fields": "attributes",
    "column": "attribute",
    "option": "option select",
    "dropdown": "select option",
    "member": "workspace member",
    "colleague": "workspace member",
    "teammate": "workspace member",
    "user": "workspace member",
    "history": "historic values attribute",
    "webhook": "webhook webhooks",
    "scopes": "token info",
    "permissions": "token info scopes",
    "custom": "object create",
}


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "by",
        "with",
        "and",
        "or",
        "is",
        "it",
        "its",
        "this",
        "that",
        "my",
        "me",
        "all",
        "every",
        "one",
        "which",
        "what",
        "from",
        "as",
        "be",
        "at",
        "do",
        "i",
    ]
)


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        words.append(word)
        if word.endswith("ies") and len(word) > 4:
            words.append(word[:-3] + "y")  # companies → company, entries → entry
        elif word.endswith("s") and len(word) > 3:
            words.append(word[:-1])
    return words


def _document(spec: ToolSpec) -> list[str]:
    name = spec.name.removeprefix("attio_").replace("_", " ")
    params = " ".join(spec.input_schema().get("properties", {}))
    # The name counts three times: it says what the tool does most exactly.
    return _words(f"{name} {name} {name} {spec.description} {params}")


class ToolIndex:
    """BM25 (k1 1.2, b 0.75) over the catalog's tools."""

    def __init__(self, specs: list[ToolSpec]) -> None:
        self._specs = specs
        self._docs = [Counter(_document(s)) for s in specs]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._average = sum(self._lengths) / max(len(self._docs), 1)
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def search(self, query: str, *, limit: int = 5) -> list[ToolSpec]:
        words = []
        for word in _words(query):
            words.append(word)
            words.extend(_words(_SYNONYMS.get(word, "")))
        scores = []
        for i, doc in enumerate(self._docs):
            score = 0.0
            for word in words:
                tf = doc.get(word, 0)
                if tf:
                    norm = tf + 1.2 * (1 - 0.75 + 0.75 * self._lengths[i] / self._average)
                    score += self._idf[word] * tf * 2.2 / norm
            # A per-object copy ranks just below its generic tool on the same words.
            if self._specs[i].copy_of:
                score *= 0.97
            scores.append((score, -i))
        ranked = sorted(range(len(self._docs)), key=lambda i: scores[i], reverse=True)
        return [self._specs[i] for i in ranked[:limit] if scores[i][0] > 0]


@functools.cache
def catalog_index() -> ToolIndex:
    """The index over the whole catalog (built once: the catalog is immutable)."""
    from attio_gateway.tools import catalog

    return ToolIndex(catalog().search())


class SearchToolsInput(ToolInput):
    query: str = Field(
        min_length=1, max_length=500, description="The task, e.g. move a deal to another stage"
    )
    limit: int = Field(default=5, ge=1, le=20, description="Tools to return")


class DescribeToolInput(ToolInput):
    name: str = Field(min_length=1, max_length=100, description="Tool name from search")


class CallToolInput(ToolInput):
    name: str = Field(min_length=1, max_length=100, description="Tool name from search")
    arguments: dict[str, Any] = Field(description="The tool's parameters, as it describes them")


META_TOOLS: list[tuple[str, str, type[ToolInput]]] = [
    (
        SEARCH_TOOLS,
        "Find the Attio CRM tools for a task (records, lists, tasks, notes, comments, "
        "meetings, schema). Returns names, descriptions and readiness for this user: ready, "
        "needs_connection or needs_scopes (with the missing scopes).",
        SearchToolsInput,
    ),
    (
        DESCRIBE_TOOL,
        "The full definition of one tool (input_schema) and its readiness, before calling it.",
        DescribeToolInput,
    ),
    (
        CALL_TOOL,
        "Call a tool found with attio_search_tools, with arguments as its input_schema says.",
        CallToolInput,
    ),
]


async def _answered_by_the_caller(ctx: Any, args: Any) -> Any:
    raise NotFoundError(
        "The tool-search meta-tools are answered by the MCP server or the adapters' "
        "gateway_caller, not run as catalog tools."
    )


@functools.cache
def search_mode_specs() -> tuple[ToolSpec, ...]:
    """The meta-tools as ``ToolSpec``s, for the adapters (``openai_tools``,
    ``anthropic_tools``, ``gemini_declarations``, ``langchain_tools``). Their calls are
    answered by ``adapters.gateway_caller`` (or the MCP server), never by the tool runner."""
    return tuple(
        ToolSpec(
            name=name,
            description=description,
            input_model=model,
            scopes=(),
            handler=_answered_by_the_caller,
            read_only=name != CALL_TOOL,
            destructive=name == CALL_TOOL,
            idempotent=name != CALL_TOOL,
        )
        for name, description, model in META_TOOLS
    )


def search_mode_definitions() -> list[dict[str, Any]]:
    """The meta-tools as definitions (``ToolSpec.definition`` shape)."""
    return [spec.definition() for spec in search_mode_specs()]


def readiness(missing_scopes: list[str] | None, *, connected: bool) -> dict[str, Any]:
    """``{"status": ready | needs_connection | needs_scopes, "missing_scopes": [...]}``."""
    if not connected:
        return {"status": "needs_connection", "missing_scopes": []}
    if missing_scopes:
        return {"status": "needs_scopes", "missing_scopes": missing_scopes}
    return {"status": "ready", "missing_scopes": []}
