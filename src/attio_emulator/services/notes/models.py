"""Notes (API-NOTES §12): plaintext or markdown in, both renderings out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from attio_emulator.core.clock import format_timestamp, new_id, parse_timestamp
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records.models import get_record
from attio_emulator.services.webhooks.models import emit

_INLINE = [
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"==(.+?)=="), r"\1"),
    (re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])"), r"\1"),
]
_BLOCK = re.compile(r"^\s*(#{1,3}\s+|[-*+]\s+|\d+\.\s+)")


def markdown_to_plaintext(markdown: str) -> str:
    """Attio's markdown subset without its marks (headings, list markers, emphasis, links)."""
    lines = []
    for line in markdown.split("\n"):
        line = _BLOCK.sub("", line)
        for pattern, replacement in _INLINE:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return "\n".join(lines)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise validation_error(f"{key} is required and must be a string.")
    return value


def _created_at(state: EmulatorState, value: Any) -> str:
    if value is None:
        return state.clock.timestamp()
    try:
        moment = parse_timestamp(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise validation_error(f"created_at must be an ISO-8601 timestamp, got {value!r}.")
    if moment < datetime(1970, 1, 1, tzinfo=UTC) or moment > state.clock.now():
        raise validation_error("created_at must not be before 1970 nor in the future.")
    return format_timestamp(moment)


def _table(state: EmulatorState) -> Any:
    return state.store.table("notes")


def create_note(state: EmulatorState, data: dict[str, Any], actor: Document) -> Document:
    obj = get_object(state, _text(data, "parent_object"))
    record = get_record(state, obj, _text(data, "parent_record_id"))
    title = _text(data, "title")
    fmt = data.get("format")
    if fmt not in ("plaintext", "markdown"):
        raise validation_error(f'format must be "plaintext" or "markdown", got {fmt!r}.')
    content = _text(data, "content")
    meeting_id = data.get("meeting_id")
    if meeting_id is not None and state.store.table("meetings").get(str(meeting_id)) is None:
        raise not_found(f'Meeting with ID "{meeting_id}" not found.')
    note_id = new_id()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "note_id": note_id},
        "parent_object": obj["api_slug"],
        "parent_record_id": record["id"]["record_id"],
        "title": title,
        "meeting_id": meeting_id,
        "content_plaintext": markdown_to_plaintext(content) if fmt == "markdown" else content,
        "content_markdown": content,
        "tags": [],
        "created_by_actor": actor,
        "created_at": _created_at(state, data.get("created_at")),
    }
    _table(state).put(note_id, doc)
    _emit(state, "note.created", doc, actor)
    return doc


def _emit(state: EmulatorState, event_type: str, note: Document, actor: Document) -> None:
    obj = get_object(state, note["parent_object"])
    emit(
        state,
        event_type,
        {"note_id": note["id"]["note_id"]},
        actor,
        parent_object_id=obj["id"]["object_id"],
        parent_record_id=note["parent_record_id"],
    )


def get_note(state: EmulatorState, note_id: str) -> Document:
    doc: Document | None = _table(state).get(note_id)
    if doc is None:
        raise not_found(f'Note with ID "{note_id}" not found.')
    return doc


def list_notes(
    state: EmulatorState,
    *,
    limit: int,
    offset: int,
    parent_object: str | None,
    parent_record_id: str | None,
) -> list[Document]:
    notes: list[Document] = _table(state).values()
    if (parent_object is None) != (parent_record_id is None):
        raise validation_error("parent_object and parent_record_id must be given together.")
    if parent_object is not None and parent_record_id is not None:
        obj = get_object(state, parent_object)
        get_record(state, obj, parent_record_id)
        notes = [
            n
            for n in notes
            if n["parent_object"] == obj["api_slug"] and n["parent_record_id"] == parent_record_id
        ]
    return notes[offset : offset + limit]


def edit_note(
    state: EmulatorState, note_id: str, data: dict[str, Any], actor: Document
) -> Document:
    """An edit in Attio's web app (the API cannot edit notes): ``title`` and/or
    ``content_plaintext``. A new title sends ``note.updated``, new content
    ``note-content.updated`` (both, if both change; none if nothing does). Content is set as
    plaintext, and ``content_markdown`` follows it as on a plaintext create."""
    note = get_note(state, note_id)
    changed = dict(note)
    if "title" in data:
        changed["title"] = _text(data, "title")
    if "content_plaintext" in data:
        content = _text(data, "content_plaintext")
        if content != note["content_plaintext"]:  # same text: markdown kept as it was
            changed["content_plaintext"] = content
            changed["content_markdown"] = content
    title_changed = changed["title"] != note["title"]
    content_changed = changed["content_plaintext"] != note["content_plaintext"]
    if not (title_changed or content_changed):
        return note
    _table(state).put(note_id, changed)
    if title_changed:
        _emit(state, "note.updated", changed, actor)
    if content_changed:
        _emit(state, "note-content.updated", changed, actor)
    return changed


def delete_note(state: EmulatorState, note_id: str, actor: Document) -> None:
    note = get_note(state, note_id)
    _table(state).delete(note_id)
    _emit(state, "note.deleted", note, actor)
