"""Note tools (TOOLS.md 23–26)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, model_validator

from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.output import page
from attio_gateway.tools.spec import ToolInput, ToolSpec

N_READ = ("note:read", "object_configuration:read", "record_permission:read")
N_WRITE = ("note:read-write", *N_READ[1:])

# The other published revision of the catalog calls the parent record_object/record_id.
PARENT_OBJECT = AliasChoices("parent_object", "record_object")
PARENT_RECORD = AliasChoices("parent_record_id", "record_id")


class CreateNoteInput(ToolInput):
    parent_object: str = Field(
        validation_alias=PARENT_OBJECT,
        description="Slug of the record's object, e.g. companies",
    )
    parent_record_id: str = Field(validation_alias=PARENT_RECORD)
    title: str | None = None
    content: str | None = None
    format: Literal["plaintext", "markdown"] = "plaintext"
    created_at: str | None = Field(default=None, description="ISO 8601; defaults to now")
    meeting_id: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CreateNoteInput:
        # Attio requires title and content; an empty note is almost surely a mistake.
        if not (self.title or self.content):
            raise ValueError("give a title or content (or both)")
        return self


class ListNotesInput(ToolInput):
    parent_object: str | None = Field(
        default=None,
        validation_alias=PARENT_OBJECT,
    )
    parent_record_id: str | None = Field(
        default=None, validation_alias=PARENT_RECORD, description="Give with parent_object"
    )
    limit: int = Field(default=10, ge=1, le=50)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _pair(self) -> ListNotesInput:
        if (self.parent_object is None) != (self.parent_record_id is None):
            raise ValueError("parent_object and parent_record_id must be given together")
        return self


class NoteInput(ToolInput):
    note_id: str


class DeleteNoteInput(NoteInput):
    dry_run: bool = False


async def create_note(ctx: ToolContext, args: CreateNoteInput) -> Any:
    data = {
        "parent_object": args.parent_object,
        "parent_record_id": args.parent_record_id,
        "title": args.title or "",
        "format": args.format,
        "content": args.content or "",
    }
    if args.created_at:
        data["created_at"] = args.created_at
    if args.meeting_id:
        data["meeting_id"] = args.meeting_id
    return await ctx.attio.call("POST", "/v2/notes", json={"data": data})


async def list_notes(ctx: ToolContext, args: ListNotesInput) -> Any:
    params: dict[str, Any] = {"limit": args.limit, "offset": args.offset}
    if args.parent_object:
        params |= {"parent_object": args.parent_object, "parent_record_id": args.parent_record_id}
    body = await ctx.attio.call("GET", "/v2/notes", params=params)
    return page(body["data"], offset=args.offset, limit=args.limit)


async def get_note(ctx: ToolContext, args: NoteInput) -> Any:
    return await ctx.attio.call("GET", attio_path("/v2/notes/{note_id}", note_id=args.note_id))


async def delete_note(ctx: ToolContext, args: DeleteNoteInput) -> Any:
    if args.dry_run:
        current = await ctx.attio.call(
            "GET", attio_path("/v2/notes/{note_id}", note_id=args.note_id)
        )
        return {"dry_run": True, "would_delete": current["data"]}
    await ctx.attio.call("DELETE", attio_path("/v2/notes/{note_id}", note_id=args.note_id))
    return {"deleted": True, "note_id": args.note_id}


def note_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    return [
        ToolSpec(
            "attio_create_note",
            "Write a note on a record (plaintext or Markdown; title or content required), "
            "optionally backdated or tied to a meeting.",
            CreateNoteInput,
            N_WRITE,
            create_note,
        ),
        ToolSpec(
            "attio_list_notes",
            "List notes, optionally of one record.",
            ListNotesInput,
            N_READ,
            list_notes,
            **read,
        ),
        ToolSpec(
            "attio_get_note",
            "Get a note: title, content (plaintext and Markdown), tags, creator.",
            NoteInput,
            N_READ,
            get_note,
            **read,
        ),
        ToolSpec(
            "attio_delete_note",
            "Permanently delete a note; dry_run previews.",
            DeleteNoteInput,
            ("note:read-write",),
            delete_note,
            destructive=True,
            idempotent=True,
        ),
    ]
