"""Results that fit a model's context: a per-call token budget, the rest kept for
``read_result``.

A result whose JSON text is larger than the budget is never cut silently: the caller gets the
first part with a ``result_id`` and a ``next_cursor``, and reads the following parts with the
``read_result`` tool, which serves only the account that made the call. A listing
(``{"data": [...]}``) is split between its items, so each part is a valid listing; anything
else (or an item too large alone) is split as JSON text, to be joined in order.

The parts are kept in memory, per process, for ``ttl`` seconds (an in-process store, not the
database: over several gateway processes a ``read_result`` must reach the process that made
the call, as MCP sessions over streamable HTTP do). The store is bounded: at most
``capacity`` results and ``max_chars`` characters of JSON in all, the least recently used
going first; a result larger than ``max_chars`` alone is not kept, and its first part says
so (``complete: false``) rather than offering a cursor that could not be read."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from attio_gateway.errors import NotFoundError, ToolInputError
from attio_gateway.tools.spec import ToolInput, ToolSpec

#: The default budget of one tool result, in tokens (≈ 4 characters of JSON each).
DEFAULT_BUDGET_TOKENS = 8_000
CHARS_PER_TOKEN = 4
#: Room kept in every part for result_id, next_cursor and the note.
_ENVELOPE = 400

READ_RESULT = "attio_read_result"
READ_RESULT_DESCRIPTION = (
    "Read the next part of a tool result too large for one answer: give the result_id and "
    "next_cursor it returned. Parts expire after a while; then call the tool again."
)


class ReadResultInput(ToolInput):
    result_id: str = Field(min_length=1, max_length=100, description="result_id of the result")
    cursor: str = Field(min_length=1, max_length=20, description="next_cursor of the last part")


async def _answered_by_the_caller(ctx: Any, args: Any) -> Any:
    raise NotFoundError(
        f"{READ_RESULT} is answered by the MCP server or the adapters' gateway_caller, not "
        "run as a catalog tool."
    )


def read_result_spec() -> ToolSpec:
    """``attio_read_result`` as a ``ToolSpec``, for the adapters (answered by
    ``adapters.gateway_caller`` from its store, never by the tool runner)."""
    return _READ_RESULT_SPEC


_READ_RESULT_SPEC = ToolSpec(
    name=READ_RESULT,
    description=READ_RESULT_DESCRIPTION,
    input_model=ReadResultInput,
    scopes=(),
    handler=_answered_by_the_caller,
    read_only=True,
    idempotent=True,
)


def text_size(value: Any) -> int:
    return len(dumps(value))


def dumps(value: Any) -> str:
    """JSON as models are given it: no spaces after separators, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def split(result: Any, budget_chars: int) -> list[Any]:
    """``result`` in parts of at most ``budget_chars`` of JSON each (one part if it fits)."""
    if text_size(result) <= budget_chars:
        return [result]
    room = max(budget_chars - _ENVELOPE, 200)
    items = result.get("data") if isinstance(result, dict) else None
    if isinstance(items, list) and items:
        rest = {k: v for k, v in result.items() if k != "data"}
        overhead = text_size({"data": [], **rest})
        parts: list[Any] = []
        chunk: list[Any] = []
        used = overhead
        for item in items:
            size = text_size(item) + 1
            if overhead + size > room:
                break  # an item too large alone: split the text instead
            if chunk and used + size > room:
                parts.append({"data": chunk})
                chunk, used = [], overhead
            chunk.append(item)
            used += size
        else:
            parts.append({"data": chunk})
            parts[-1].update(rest)  # next_offset & co. with the last items
            return parts
    text = dumps(result)
    step = max(room - 50, 100)
    return [{"text": text[i : i + step]} for i in range(0, len(text), step)]


#: What the store keeps in all by default: 32 MB of JSON text (about 8M tokens).
DEFAULT_MAX_CHARS = 32_000_000


@dataclass
class _Stored:
    owner: str
    parts: list[Any]
    expires: float
    size: int


class ResultStore:
    """The parts of large results, per owner (an account), expiring after ``ttl`` seconds;
    at most ``capacity`` results and ``max_chars`` characters of JSON are kept (the least
    recently used go first)."""

    def __init__(
        self,
        *,
        ttl: float = 1800.0,
        capacity: int = 256,
        max_chars: int = DEFAULT_MAX_CHARS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._max_chars = max_chars
        self._clock = clock
        self._results: OrderedDict[str, _Stored] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._results)

    @property
    def chars(self) -> int:
        """Characters of JSON held now."""
        return self._chars

    def fit(self, owner: str, result: Any, *, budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> Any:
        """``result`` itself if it fits the budget; else its first part with a
        ``result_id`` and ``next_cursor`` (the rest kept for ``read``)."""
        parts = split(result, budget_tokens * CHARS_PER_TOKEN)
        if len(parts) == 1:
            return result
        result_id = "res_" + secrets.token_urlsafe(12)
        size = sum(text_size(part) for part in parts[1:])  # the first part is not kept
        if size > self._max_chars:
            first = self._part(result_id, parts, 0)
            first["result_id"] = first["next_cursor"] = None
            first["complete"] = False
            first["note"] = (
                f"Part 1 of {len(parts)}; the rest is too large to keep for "
                f"{READ_RESULT}: ask for less (a smaller limit, fewer fields, a filter)."
            )
            return first
        with self._lock:
            self._purge()
            kept = [{}, *parts[1:]]  # the first part goes to the caller, not the store
            self._results[result_id] = _Stored(owner, kept, self._clock() + self._ttl, size)
            self._chars += size
            while len(self._results) > self._capacity or self._chars > self._max_chars:
                _, dropped = self._results.popitem(last=False)
                self._chars -= dropped.size
        return self._part(result_id, parts, 0)

    def read(self, owner: str, result_id: str, cursor: str) -> Any:
        """Part ``cursor`` of a stored result.

        Raises:
            NotFoundError: no such result for this owner (expired, or another account's).
            ToolInputError: the cursor is not one this result returned.
        """
        with self._lock:
            self._purge()
            stored = self._results.get(result_id)
            if stored is not None and secrets.compare_digest(stored.owner, owner):
                self._results.move_to_end(result_id)  # recently used: kept longer
        if stored is None or not secrets.compare_digest(stored.owner, owner):
            raise NotFoundError(
                f"No result {result_id!r} for this account (results expire after "
                f"{int(self._ttl // 60)} minutes); call the tool again."
            )
        if not cursor.isdigit() or not 0 < int(cursor) < len(stored.parts):
            raise ToolInputError(
                f"cursor must be a next_cursor this result returned (1 to "
                f"{len(stored.parts) - 1}).",
                field="cursor",
            )
        return self._part(result_id, stored.parts, int(cursor))

    @staticmethod
    def _part(result_id: str, parts: list[Any], index: int) -> dict[str, Any]:
        last = index == len(parts) - 1
        kind = "text" if "text" in parts[index] else "items"
        note = (
            f"Part {index + 1} of {len(parts)}"
            + (": join the text of every part in order to read the JSON" if kind == "text" else "")
            + ("." if last else f"; read on with {READ_RESULT}(result_id, cursor=next_cursor).")
        )
        return {
            **parts[index],
            "result_id": result_id,
            "next_cursor": None if last else str(index + 1),
            "note": note,
        }

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, v in self._results.items() if v.expires <= now]:
            self._chars -= self._results.pop(key).size
