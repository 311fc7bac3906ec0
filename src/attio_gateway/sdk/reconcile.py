"""Reconcilers: after a write's outcome was unknown, what the retry does before sending.

Reconciliation works on the Attio request itself, so a proxied call and a tool reconcile
the same way. For each create Attio can be asked about, a *lookup* finds what the first
attempt wrote, by what was written and when (no earlier than ``SKEW`` before the key was
claimed: the clocks of the gateway and Attio may differ):

- ``POST /v2/objects/{object}/records``: a records query of the object, every scalar value
  just written (texts, numbers, booleans, one-item lists of those) equal;
- ``POST /v2/notes``: the parent record's notes, same title and content;
- ``POST /v2/tasks``: tasks newest first (of the first linked record, if any), same content,
  deadline, completion, linked records and assignees;
- ``POST /v2/comments``: the comments of the thread replied to, or of the record's or
  entry's threads, same content and author;
- ``POST /v2/lists/{list}/entries``: the parent record's entries in that list.

Found → it is Attio's answer (``{"data": …}``); not found → the write is sent once. A lookup
that cannot see far enough to be sure (more candidates than it reads) refuses instead.

- A proxied write: PUT and DELETE are idempotent, so they are sent again; a POST with a
  lookup is reconciled by it; anything else is refused without ``force=True``.
- A tool: an idempotent tool is sent again. Any other tool is run again against
  ``ReconcilingCalls``: its reads go to Attio as usual, and its one write is looked up
  instead of sent, so the tool shapes the found object as it would have shaped Attio's
  answer. A write with no lookup, or a second write, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from attio_gateway.errors import IdempotencyOutcomeUnknownError
from attio_gateway.proxy import AttioCalls, AttioClient
from attio_gateway.proxy.paths import attio_path
from attio_gateway.sdk.idempotency import Reconciler, Result
from attio_gateway.storage.records import IdempotencyRow
from attio_gateway.tools.spec import ToolSpec

__all__ = ["SKEW", "ReconcilingCalls", "attio_lookup", "proxy_reconciler", "tool_reconciler"]

#: How far before the claim a found object's ``created_at`` may be.
SKEW = timedelta(minutes=2)
#: Candidates a lookup reads at most before it gives up being sure (pages of ``_PAGE``).
_MOST = 1000
_PAGE = 50
_RECORDS = re.compile(r"/v2/objects/([^/]+)/records/?")
_ENTRIES = re.compile(r"/v2/lists/([^/]+)/entries/?")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Looks for what the first attempt under ``row`` wrote: Attio's answer, or ``None``.
Lookup = Callable[[IdempotencyRow], Awaitable[dict[str, Any] | None]]


def _cannot_tell(what: str) -> IdempotencyOutcomeUnknownError:
    return IdempotencyOutcomeUnknownError(
        f"The first request may or may not have been applied, and {what}. "
        "Check Attio, then resend with force=True (or use a new key)."
    )


def _since(row: IdempotencyRow) -> datetime:
    return row.created_at - SKEW


def _at(value: Any) -> datetime | None:
    """Attio's timestamps (nanoseconds, ``Z``) as an aware datetime; ``None`` if not one."""
    if not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    whole, dot, rest = text.partition(".")
    if dot:  # Python reads at most microseconds: keep six digits of the fraction
        digits = re.match(r"\d*", rest)
        fraction = digits.group(0) if digits else ""
        text = f"{whole}.{fraction[:6].ljust(6, '0')}{rest[len(fraction) :]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _new_enough(obj: Any, row: IdempotencyRow) -> bool:
    moment = _at(obj.get("created_at")) if isinstance(obj, dict) else None
    return moment is not None and moment >= _since(row)


def _same_text(found: Any, given: Any) -> bool:
    """Texts equal but for surrounding whitespace (Attio trims what it stores)."""
    return str(found or "").strip() == str(given or "").strip()


def _rows(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


async def _pages(
    client: AttioClient, path: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``_MOST`` items of a paged list, and whether that was all of them."""
    items: list[dict[str, Any]] = []
    while len(items) < _MOST:
        page = _rows(
            await client.call("GET", path, params={**params, "limit": _PAGE, "offset": len(items)})
        )
        items.extend(page)
        if len(page) < _PAGE:
            return items, True
    return items, False


# --- the lookups, one per create Attio can be asked about --------------------------------


def _scalar_filter(values: Any) -> dict[str, Any]:
    """``{slug: value}`` for the values a query can match exactly (the shorthand filter)."""
    if not isinstance(values, dict):
        return {}
    found: dict[str, Any] = {}
    for slug, value in values.items():
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str | int | float | bool) and value != "":
            found[slug] = value
    return found


def _record_lookup(client: AttioClient, obj: str, data: dict[str, Any]) -> Lookup | None:
    wanted = _scalar_filter(data.get("values"))
    if not wanted:
        return None

    async def lookup(row: IdempotencyRow) -> dict[str, Any] | None:
        since = _since(row).isoformat().replace("+00:00", "Z")
        query = {
            "filter": {"$and": [wanted, {"created_at": {"$gte": since}}]},
            "sorts": [{"attribute": "created_at", "direction": "asc"}],
            "limit": 1,
        }
        path = attio_path("/v2/objects/{object}/records/query", object=obj)
        found = _rows(await client.call("POST", path, json=query))
        return {"data": found[0]} if found else None

    return lookup


def _note_lookup(client: AttioClient, data: dict[str, Any]) -> Lookup | None:
    parent_object, parent_record = data.get("parent_object"), data.get("parent_record_id")
    if not isinstance(parent_object, str) or not isinstance(parent_record, str):
        return None
    content_field = "content_markdown" if data.get("format") == "markdown" else "content_plaintext"
    backdated = _at(data.get("created_at"))

    def matches(note: dict[str, Any], row: IdempotencyRow) -> bool:
        if backdated is not None:  # a backdated note carries the time it was given
            if _at(note.get("created_at")) != backdated:
                return False
        elif not _new_enough(note, row):
            return False
        return _same_text(note.get("title"), data.get("title")) and _same_text(
            note.get(content_field), data.get("content")
        )

    async def lookup(row: IdempotencyRow) -> dict[str, Any] | None:
        params = {"parent_object": parent_object, "parent_record_id": parent_record}
        notes, complete = await _pages(client, "/v2/notes", params)
        for note in notes:
            if matches(note, row):
                return {"data": note}
        if not complete:
            raise _cannot_tell(f"the record has more than {_MOST} notes to look through")
        return None

    return lookup


def _task_lookup(client: AttioClient, data: dict[str, Any]) -> Lookup | None:
    linked = data.get("linked_records") or []
    assignees = data.get("assignees") or []
    if not isinstance(data.get("content"), str) or not isinstance(linked, list):
        return None
    linked_ids = sorted(str(r.get("target_record_id")) for r in linked if isinstance(r, dict))
    assignee_ids = sorted(
        str(a.get("referenced_actor_id")) for a in assignees if isinstance(a, dict)
    )
    deadline = _at(data.get("deadline_at"))

    def matches(task: dict[str, Any]) -> bool:
        found_linked = sorted(
            str(r.get("target_record_id")) for r in task.get("linked_records") or []
        )
        found_assignees = sorted(
            str(a.get("referenced_actor_id")) for a in task.get("assignees") or []
        )
        return (
            _same_text(task.get("content_plaintext"), data.get("content"))
            and _at(task.get("deadline_at")) == deadline
            and bool(task.get("is_completed")) == bool(data.get("is_completed"))
            and found_linked == linked_ids
            and found_assignees == assignee_ids
        )

    async def lookup(row: IdempotencyRow) -> dict[str, Any] | None:
        params: dict[str, Any] = {"sort": "created_at:desc"}
        first = linked[0] if linked and isinstance(linked[0], dict) else None
        if first is not None:
            params |= {
                "linked_object": first.get("target_object"),
                "linked_record_id": first.get("target_record_id"),
            }
        read = 0
        while read < _MOST:
            page = _rows(
                await client.call(
                    "GET", "/v2/tasks", params={**params, "limit": _PAGE, "offset": read}
                )
            )
            read += len(page)
            for task in page:
                if not _new_enough(task, row):
                    return None  # newest first: everything after this is older still
                if matches(task):
                    return {"data": task}
            if len(page) < _PAGE:
                return None
        raise _cannot_tell(f"more than {_MOST} tasks were created since the first attempt")

    return lookup


def _comment_lookup(client: AttioClient, data: dict[str, Any]) -> Lookup | None:
    author = data.get("author")
    author_id = author.get("id") if isinstance(author, dict) else None
    thread_id, record, entry = data.get("thread_id"), data.get("record"), data.get("entry")
    if not isinstance(author_id, str) or not isinstance(data.get("content"), str):
        return None
    if isinstance(thread_id, str):
        where: tuple[str, dict[str, Any]] = (
            attio_path("/v2/threads/{thread_id}", thread_id=thread_id),
            {},
        )
    elif isinstance(record, dict):
        where = (
            "/v2/threads",
            {"object": record.get("object"), "record_id": record.get("record_id")},
        )
    elif isinstance(entry, dict):
        where = ("/v2/threads", {"list": entry.get("list"), "entry_id": entry.get("entry_id")})
    else:
        return None

    def matches(comment: dict[str, Any], row: IdempotencyRow) -> bool:
        found_author = comment.get("author")
        return (
            _new_enough(comment, row)
            and isinstance(found_author, dict)
            and found_author.get("id") == author_id
            and _same_text(comment.get("content_plaintext"), data.get("content"))
        )

    async def lookup(row: IdempotencyRow) -> dict[str, Any] | None:
        path, params = where
        if params:
            threads, complete = await _pages(client, path, params)
        else:
            body = await client.call("GET", path)
            one = body.get("data") if isinstance(body, dict) else None
            threads, complete = ([one] if isinstance(one, dict) else []), True
        for thread in threads:
            for comment in thread.get("comments") or []:
                if isinstance(comment, dict) and matches(comment, row):
                    return {"data": comment}
        if not complete:
            raise _cannot_tell(f"there are more than {_MOST} threads to look through")
        return None

    return lookup


def _entry_lookup(client: AttioClient, list_: str, data: dict[str, Any]) -> Lookup | None:
    parent_object, parent_record = data.get("parent_object"), data.get("parent_record_id")
    if not isinstance(parent_object, str) or not isinstance(parent_record, str):
        return None

    async def lookup(row: IdempotencyRow) -> dict[str, Any] | None:
        path = attio_path(
            "/v2/objects/{object}/records/{record_id}/entries",
            object=parent_object,
            record_id=parent_record,
        )
        entries, complete = await _pages(client, path, {})
        for item in entries:
            in_list = list_ in (item.get("list_id"), item.get("list_api_slug"))
            if in_list and _new_enough(item, row) and isinstance(item.get("entry_id"), str):
                entry_path = attio_path(
                    "/v2/lists/{list}/entries/{entry_id}", list=list_, entry_id=item["entry_id"]
                )
                body = await client.call("GET", entry_path)
                return body if isinstance(body, dict) else None
        if not complete:
            raise _cannot_tell(f"the record is in more than {_MOST} list entries")
        return None

    return lookup


def attio_lookup(client: AttioClient, method: str, path: str, body: Any) -> Lookup | None:
    """How to find what this Attio write made, if it can be looked up (``None``: it can't)."""
    data = body.get("data") if isinstance(body, dict) else None
    if method != "POST" or not isinstance(data, dict):
        return None
    bare = path.split("?")[0].rstrip("/")
    if match := _RECORDS.fullmatch(bare):
        return _record_lookup(client, match.group(1), data)
    if match := _ENTRIES.fullmatch(bare):
        return _entry_lookup(client, match.group(1), data)
    if bare == "/v2/notes":
        return _note_lookup(client, data)
    if bare == "/v2/tasks":
        return _task_lookup(client, data)
    if bare == "/v2/comments":
        return _comment_lookup(client, data)
    return None


# --- proxied writes and tools -----------------------------------------------------------


async def _resend(row: IdempotencyRow) -> Result | None:
    return None


def proxy_reconciler(client: AttioClient, method: str, path: str, body: Any) -> Reconciler | None:
    """How a proxied write with an unknown outcome is reconciled (``None``: refused)."""
    if method in ("PUT", "DELETE"):
        return _resend
    lookup = attio_lookup(client, method, path, body)
    if lookup is None:
        return None

    async def reconcile(row: IdempotencyRow) -> Result | None:
        found = await lookup(row)
        if found is None:
            return None
        return {"status": 200, "content_type": "application/json", "json": found}

    return reconcile


class ReconcilingCalls:
    """The Attio client a tool runs again with when reconciling: reads are sent as usual;
    the tool's one write is looked up (found: the found object is Attio's answer; not
    found: the write is sent, once). A write with no lookup, or a second write, raises
    ``IdempotencyOutcomeUnknownError`` before it is sent."""

    def __init__(self, client: AttioClient, row: IdempotencyRow) -> None:
        self._client = client
        self._row = row
        self._wrote = False

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        if method in _READS:
            return await self._client.call(method, path, params=params, json=json)
        if self._wrote:
            raise _cannot_tell("this tool writes more than once, so it cannot be looked up")
        self._wrote = True
        lookup = attio_lookup(self._client, method, path, json)
        if lookup is None:
            raise _cannot_tell(f"there is no safe way to look up {method} {path.split('?')[0]}")
        found = await lookup(self._row)
        if found is not None:
            return found
        return await self._client.call(method, path, params=params, json=json)


def tool_reconciler(
    client: AttioClient,
    spec: ToolSpec,
    rerun: Callable[[AttioCalls], Awaitable[Result]],
) -> Reconciler:
    """How a tool call with an unknown outcome is reconciled: an idempotent tool is sent
    again; any other is ``rerun`` against ``ReconcilingCalls`` (see the module docstring)."""
    if spec.idempotent:
        return _resend

    async def reconcile(row: IdempotencyRow) -> Result | None:
        return await rerun(ReconcilingCalls(client, row))

    return reconcile
