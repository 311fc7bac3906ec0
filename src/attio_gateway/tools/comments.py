"""Comment and thread tools (TOOLS.md 27–30) and ``attio_get_thread``."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, model_validator

from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.spec import ToolInput, ToolSpec

# Attio's own scopes for comments; reading or commenting on a record also needs the record
# scopes, on a list entry the list-entry scopes (API-NOTES §2): see ``target_scopes``. A
# comment or thread fetched by id names its target only in Attio's answer.
C_READ = ("comment:read",)
C_WRITE = ("comment:read-write",)
RECORD_SCOPES = ("object_configuration:read", "record_permission:read")
ENTRY_SCOPES = ("list_configuration:read", "list_entry:read")
THREAD_PAGE = 50  # Attio's maximum page of threads


class _Target(ToolInput):
    """A record pair or an entry pair, each complete (or neither)."""

    record_object: str | None = Field(default=None, description="e.g. companies")
    record_id: str | None = None
    list_id: str | None = Field(
        default=None, validation_alias=AliasChoices("list_id", "list"), description="Slug or UUID"
    )
    entry_id: str | None = None

    def target_scopes(self) -> tuple[str, ...]:
        if self.record_id:
            return RECORD_SCOPES
        if self.entry_id:
            return ENTRY_SCOPES
        return ()  # a reply: the thread's target is known to Attio only

    def _check_pairs(self, *, required: bool) -> None:
        record = (self.record_object, self.record_id)
        entry = (self.list_id, self.entry_id)
        for pair, names in (
            (record, "record_object and record_id"),
            (entry, "list_id and entry_id"),
        ):
            if (pair[0] is None) != (pair[1] is None):
                raise ValueError(f"{names} must be given together")
        if self.record_id and self.entry_id:
            raise ValueError(
                "give a record (record_object, record_id) or an entry (list_id, entry_id), not both"
            )
        if required and not (self.record_id or self.entry_id):
            raise ValueError("give record_object and record_id, or list_id and entry_id")


class CreateCommentInput(_Target):
    author_actor_id: str = Field(
        validation_alias=AliasChoices("author_actor_id", "author_id"),
        description="The author's workspace_member_id (attio_list_workspace_members)",
    )
    content: str = Field(min_length=1)
    thread_id: str | None = Field(default=None, description="To reply; omit to start a thread")

    @model_validator(mode="after")
    def _one_target(self) -> CreateCommentInput:
        if self.thread_id is not None:
            if self.record_id or self.entry_id or self.record_object or self.list_id:
                raise ValueError("a reply (thread_id) takes no record or entry")
            return self
        self._check_pairs(required=True)
        return self


class ListThreadsInput(_Target):
    @model_validator(mode="after")
    def _pairs(self) -> ListThreadsInput:
        self._check_pairs(required=False)
        return self


class CommentInput(ToolInput):
    comment_id: str


class DeleteCommentInput(CommentInput):
    dry_run: bool = False


class ThreadInput(ToolInput):
    thread_id: str


async def create_comment(ctx: ToolContext, args: CreateCommentInput) -> Any:
    data: dict[str, Any] = {
        "format": "plaintext",
        "content": args.content,
        "author": {"type": "workspace-member", "id": args.author_actor_id},
    }
    if args.thread_id:
        data["thread_id"] = args.thread_id
    elif args.record_id:
        data["record"] = {"object": args.record_object, "record_id": args.record_id}
    else:
        data["entry"] = {"list": args.list_id, "entry_id": args.entry_id}
    return await ctx.attio.call("POST", "/v2/comments", json={"data": data})


async def get_comment(ctx: ToolContext, args: CommentInput) -> Any:
    return await ctx.attio.call(
        "GET", attio_path("/v2/comments/{comment_id}", comment_id=args.comment_id)
    )


async def delete_comment(ctx: ToolContext, args: DeleteCommentInput) -> Any:
    if args.dry_run:
        current = await ctx.attio.call(
            "GET", attio_path("/v2/comments/{comment_id}", comment_id=args.comment_id)
        )
        return {"dry_run": True, "would_delete": current["data"]}
    await ctx.attio.call(
        "DELETE", attio_path("/v2/comments/{comment_id}", comment_id=args.comment_id)
    )
    return {"deleted": True, "comment_id": args.comment_id}


async def list_threads(ctx: ToolContext, args: ListThreadsInput) -> Any:
    # The document promises all threads; Attio pages them (≤ 50), so walk every page.
    params: dict[str, Any] = {"limit": THREAD_PAGE}
    if args.record_id:
        params |= {"object": args.record_object, "record_id": args.record_id}
    if args.entry_id:
        params |= {"list": args.list_id, "entry_id": args.entry_id}
    threads: list[Any] = []
    while True:
        body = await ctx.attio.call("GET", "/v2/threads", params={**params, "offset": len(threads)})
        threads.extend(body["data"])
        if len(body["data"]) < THREAD_PAGE:
            return {"data": threads}


async def get_thread(ctx: ToolContext, args: ThreadInput) -> Any:
    return await ctx.attio.call(
        "GET", attio_path("/v2/threads/{thread_id}", thread_id=args.thread_id)
    )


def comment_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    return [
        ToolSpec(
            "attio_create_comment",
            "Comment (plaintext) on a record (record_object + record_id) or a list entry "
            "(list_id + entry_id), or reply in a thread (thread_id).",
            CreateCommentInput,
            C_WRITE,
            create_comment,
        ),
        ToolSpec(
            "attio_get_comment",
            "Get a comment: content, author, thread, resolution.",
            CommentInput,
            C_READ,
            get_comment,
            **read,
        ),
        ToolSpec(
            "attio_delete_comment",
            "Permanently delete a comment (a thread's first comment takes the whole thread); "
            "dry_run previews.",
            DeleteCommentInput,
            ("comment:read-write",),
            delete_comment,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_threads",
            "List all comment threads on a record or list entry, with their comments.",
            ListThreadsInput,
            C_READ,
            list_threads,
            **read,
        ),
        ToolSpec(
            "attio_get_thread",
            "Get a comment thread with all its comments.",
            ThreadInput,
            C_READ,
            get_thread,
            **read,
        ),
    ]
