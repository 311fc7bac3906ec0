"""Threads and comments (API-NOTES §14) on records and on list entries.

A comment on a record or entry starts a thread; a comment with ``thread_id`` replies in it.
Deleting a thread's first comment deletes the whole thread.
"""

from __future__ import annotations

from typing import Any

from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import AttioError, not_found, validation_error, value_not_found
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.services.members.models import get_member
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records.models import get_record
from attio_emulator.services.webhooks.models import emit


def _comments(state: EmulatorState) -> Any:
    return state.store.table("comments")


def find_entry(state: EmulatorState, list_ref: str, entry_id: str) -> Document:
    """A list entry by list id or slug (lists live in store tables ``lists``/``entries``)."""
    lst = next(
        (x for x in state.store.table("lists") if list_ref in (x["api_slug"], x["id"]["list_id"])),
        None,
    )
    if lst is None:
        raise not_found(f'List "{list_ref}" not found.')
    entry: Document | None = state.store.table("entries").get(entry_id)
    if entry is None or entry["id"]["list_id"] != lst["id"]["list_id"]:
        raise not_found(f'Entry with ID "{entry_id}" not found.')
    return entry


def _target(
    state: EmulatorState, data: dict[str, Any]
) -> tuple[Document | None, Document | None, str | None]:
    """(record ref, entry ref, thread id) of a new comment; exactly one way must be given."""
    given = [k for k in ("record", "entry", "thread_id") if data.get(k) is not None]
    if len(given) != 1:
        raise validation_error("Give exactly one of record, entry or thread_id.")
    if "thread_id" in given:
        head = _thread_comments(state, str(data["thread_id"]))[0]
        return head["record"], head["entry"], head["thread_id"]
    if "record" in given:
        ref = data["record"]
        if not isinstance(ref, dict):
            raise validation_error("record must be {object, record_id}.")
        obj = get_object(state, str(ref.get("object")))
        record = get_record(state, obj, str(ref.get("record_id")))
        return (
            {"record_id": record["id"]["record_id"], "object_id": obj["id"]["object_id"]},
            None,
            None,
        )
    ref = data["entry"]
    if not isinstance(ref, dict):
        raise validation_error("entry must be {list, entry_id}.")
    entry = find_entry(state, str(ref.get("list")), str(ref.get("entry_id")))
    record = {"record_id": entry["parent_record_id"], "object_id": entry["parent_object_id"]}
    return record, {"entry_id": entry["id"]["entry_id"], "list_id": entry["id"]["list_id"]}, None


def create_comment(state: EmulatorState, data: dict[str, Any], actor: Document) -> Document:
    if data.get("format") != "plaintext":
        raise validation_error('format must be "plaintext".')
    content = data.get("content")
    if not isinstance(content, str) or not content:
        raise validation_error("content must be a non-empty string.")
    author = data.get("author")
    if not isinstance(author, dict) or author.get("type") != "workspace-member":
        raise validation_error('author must be {"type": "workspace-member", "id": <member id>}.')
    try:
        get_member(state, str(author.get("id")))
    except AttioError:
        raise value_not_found(f'author: no workspace member "{author.get("id")}".') from None
    record, entry, thread_id = _target(state, data)
    comment_id = new_id()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "comment_id": comment_id},
        "thread_id": thread_id or new_id(),
        "content_plaintext": content,
        "entry": entry,
        "record": record,
        "resolved_at": None,
        "resolved_by": {"type": None, "id": None},
        "created_at": data.get("created_at") or state.clock.timestamp(),
        "author": {"type": "workspace-member", "id": author["id"]},
    }
    _comments(state).put(comment_id, doc)
    _emit(state, "comment.created", doc, actor)
    return doc


def _emit(state: EmulatorState, event_type: str, comment: Document, actor: Document) -> None:
    record, entry = comment["record"] or {}, comment["entry"] or {}
    emit(
        state,
        event_type,
        {"comment_id": comment["id"]["comment_id"]},
        actor,
        thread_id=comment["thread_id"],
        object_id=record.get("object_id"),
        record_id=record.get("record_id"),
        list_id=entry.get("list_id"),
        entry_id=entry.get("entry_id"),
    )


def get_comment(state: EmulatorState, comment_id: str) -> Document:
    doc: Document | None = _comments(state).get(comment_id)
    if doc is None:
        raise not_found(f'Comment with ID "{comment_id}" not found.')
    return doc


def _thread_comments(state: EmulatorState, thread_id: str) -> list[Document]:
    comments = [c for c in _comments(state) if c["thread_id"] == thread_id]
    if not comments:
        raise not_found(f'Thread with ID "{thread_id}" not found.')
    return sorted(comments, key=lambda c: c["created_at"])


def delete_comment(state: EmulatorState, comment_id: str, actor: Document) -> None:
    comment = get_comment(state, comment_id)
    thread = _thread_comments(state, comment["thread_id"])
    doomed = thread if thread[0] is comment else [comment]
    for doc in doomed:
        _comments(state).delete(doc["id"]["comment_id"])
        _emit(state, "comment.deleted", doc, actor)


def set_resolved(
    state: EmulatorState, comment_id: str, resolved: bool, actor: Document
) -> Document:
    """Resolve (or reopen) the thread of ``comment_id``, as Attio's web app does: every
    comment of the thread shows ``resolved_at``/``resolved_by`` (cleared to ``null`` /
    ``{"type": null, "id": null}`` when reopened). One ``comment.resolved`` (or
    ``comment.unresolved``) event names ``comment_id``; a thread already in that state is
    left alone and nothing is sent."""
    comment = get_comment(state, comment_id)
    if (comment["resolved_at"] is not None) == resolved:
        return comment
    resolved_at = state.clock.timestamp() if resolved else None
    resolved_by = actor if resolved else {"type": None, "id": None}
    with state.store.batch():
        for doc in _thread_comments(state, comment["thread_id"]):
            changed = {**doc, "resolved_at": resolved_at, "resolved_by": dict(resolved_by)}
            _comments(state).put(doc["id"]["comment_id"], changed)
    event = "comment.resolved" if resolved else "comment.unresolved"
    updated = get_comment(state, comment_id)
    _emit(state, event, updated, actor)
    return updated


def render_thread(state: EmulatorState, thread_id: str) -> Document:
    comments = _thread_comments(state, thread_id)
    return {
        "id": {"workspace_id": state.workspace.workspace_id, "thread_id": thread_id},
        "comments": comments,
        "created_at": comments[0]["created_at"],
    }


def list_threads(
    state: EmulatorState,
    *,
    object: str | None,
    record_id: str | None,
    list_ref: str | None,
    entry_id: str | None,
    limit: int,
    offset: int,
) -> list[Document]:
    if (object is None) != (record_id is None) or (list_ref is None) != (entry_id is None):
        raise validation_error("Give object with record_id, or list with entry_id.")
    comments: list[Document] = _comments(state).values()
    if object is not None and record_id is not None:
        obj = get_object(state, object)
        get_record(state, obj, record_id)
        comments = [
            c for c in comments if c["record"] is not None and c["record"]["record_id"] == record_id
        ]
    if list_ref is not None and entry_id is not None:
        find_entry(state, list_ref, entry_id)
        comments = [
            c for c in comments if c["entry"] is not None and c["entry"]["entry_id"] == entry_id
        ]
    thread_ids = dict.fromkeys(
        c["thread_id"] for c in sorted(comments, key=lambda c: c["created_at"])
    )
    return [render_thread(state, t) for t in thread_ids][offset : offset + limit]
