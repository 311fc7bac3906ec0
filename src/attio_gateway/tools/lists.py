"""List and entry tools (TOOLS.md 31–38) plus update/assert of a list entry."""

from __future__ import annotations

import builtins
import re
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from attio_gateway.errors import ToolInputError
from attio_gateway.proxy.paths import attio_path, check_parameter
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.filters import check_filter
from attio_gateway.tools.output import (
    compact_entry,
    compact_history,
    page,
)
from attio_gateway.tools.records import R_READ, Sort
from attio_gateway.tools.spec import ToolInput, ToolSpec
from attio_gateway.tools.values import coerce_values

E_READ = ("list_entry:read", "list_configuration:read")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")
E_WRITE = ("list_entry:read-write", "list_configuration:read")
RECORD_ENTRY_PAGE = 1000  # Attio's maximum page of a record's entries
LIST = Field(
    validation_alias=AliasChoices("list", "list_id"),
    description="Slug or UUID",
)
Access = Literal["full-access", "read-and-write", "read-only"]


class MemberAccess(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workspace_member_id: str
    level: Access


class ListListsInput(ToolInput):
    parent_record_id: str | None = Field(default=None, description="Only lists holding it")
    parent_object: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> ListListsInput:
        if (self.parent_object is None) != (self.parent_record_id is None):
            raise ValueError("parent_object and parent_record_id must be given together")
        return self


class CreateListInput(ToolInput):
    name: str = Field(min_length=1)
    api_slug: str = Field(description="snake_case, e.g. q2_outreach")
    workspace_access: Access
    workspace_member_access: list[MemberAccess] = Field(description="Overrides; [] for none")
    # Attio requires the object the list holds; the document forgot it.
    parent_object: str | None = Field(
        default=None, description="Object the list holds, e.g. deals; Attio requires it"
    )

    @field_validator("api_slug")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        # The product document's example is "q2-outreach"; Attio takes snake_case only.
        if not SNAKE_CASE.fullmatch(value):
            hint = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
            raise ValueError(
                f"api_slug must be snake_case (lowercase letters, digits, underscores, "
                f"starting with a letter), as Attio requires; got {value!r}"
                + (f" — try {hint!r}" if SNAKE_CASE.fullmatch(hint) else "")
            )
        return value


class ListInput(ToolInput):
    list: str = LIST


class UpdateListInput(ListInput):
    """Only the fields given are sent; an explicit null workspace_access makes it private."""

    name: str | None = Field(default=None, min_length=1)
    api_slug: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="Later calls must use it"
    )
    workspace_access: Access | None = Field(
        default=None, description="null: private to workspace_member_access"
    )
    # builtins.list: the class's own "list" field shadows the builtin here.
    workspace_member_access: builtins.list[MemberAccess] | None = Field(
        default=None,
        description="Replaces all; [] removes every override",
    )


class ListEntriesInput(ListInput):
    filter: dict[str, Any] | None = Field(
        default=None, description="On list attributes: {slug: value or {$operator: value}}"
    )
    sorts: list[Sort] | None = None
    limit: int = Field(default=500, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
    fields: list[str] | None = Field(
        default=None, description="Compact output only: entry attribute slugs to keep"
    )


class EntryInput(ListInput):
    entry_id: str = Field(description="The entry's id, not the record's")


class EntryAttributeValuesInput(EntryInput):
    attribute: str = Field(description="e.g. stage")
    show_historic: bool = False
    limit: int | None = Field(default=None, ge=1, description="Default all")
    offset: int = Field(default=0, ge=0)


class RemoveEntryInput(EntryInput):
    dry_run: bool = False


class AddToListInput(ListInput):
    record_id: str
    entry_values: dict[str, Any] | None = Field(
        default=None, description="{list attribute slug: value}, on the entry, not the record"
    )
    parent_object: str | None = Field(
        default=None, description="Only for a list of several objects"
    )


class AssertEntryInput(AddToListInput):
    pass


class UpdateEntryInput(EntryInput):
    entry_values: dict[str, Any] = Field(description='e.g. {"stage": "Qualified"}')
    mode: Literal["append", "overwrite"] = Field(
        default="append", description="overwrite replaces multi-value attributes"
    )


class RecordEntriesInput(ToolInput):
    object: str
    record_id: str


async def list_lists(ctx: ToolContext, args: ListListsInput) -> Any:
    # GET /v2/lists takes no filter: keep the record's lists here, with its entry ids.
    lists = (await ctx.attio.call("GET", "/v2/lists"))["data"]
    if not args.parent_record_id:
        return {"data": lists}
    entries = await _record_entries(
        ctx,
        str(args.parent_object),
        args.parent_record_id,
        fields={"object": "parent_object", "record_id": "parent_record_id"},
    )
    by_list: dict[str, list[str]] = {}
    for entry in entries:
        by_list.setdefault(entry["list_id"], []).append(entry["entry_id"])
    return {
        "data": [
            {**lst, "entry_ids": by_list[lst["id"]["list_id"]]}
            for lst in lists
            if lst["id"]["list_id"] in by_list
        ]
    }


async def create_list(ctx: ToolContext, args: CreateListInput) -> Any:
    if args.parent_object is None:  # optional in the document's table, required by Attio
        raise ToolInputError(
            "parent_object is needed: a list holds records of one object (e.g. people, "
            "companies, deals); say which.",
            field="parent_object",
        )
    data = args.model_dump(mode="json")
    return await ctx.attio.call("POST", "/v2/lists", json={"data": data})


async def get_list(ctx: ToolContext, args: ListInput) -> Any:
    return await ctx.attio.call("GET", attio_path("/v2/lists/{list}", list=args.list))


LIST_FIELDS = ("name", "api_slug", "workspace_access", "workspace_member_access")


async def update_list(ctx: ToolContext, args: UpdateListInput) -> Any:
    # null is meaningful for workspace_access only: it makes the list private.
    data = args.changes(LIST_FIELDS, nullable=("workspace_access",))
    body = await ctx.attio.call(
        "PATCH", attio_path("/v2/lists/{list}", list=args.list), json={"data": data}
    )
    # The list's attributes, options and statuses are cached under its old slug (or its id).
    for kind in ("attributes", "options", "statuses"):
        ctx.schema.forget(f"{kind}:lists/")
    return body


def _shape(ctx: ToolContext, entry: dict[str, Any], fields: list[str] | None = None) -> Any:
    return compact_entry(entry, fields) if ctx.output == "compact" else entry


async def list_entries(ctx: ToolContext, args: ListEntriesInput) -> Any:
    path = attio_path("/v2/lists/{list}/entries/query", list=args.list)
    body: dict[str, Any] = {"limit": args.limit, "offset": args.offset}
    checked = await check_filter(ctx.schema, f"lists/{args.list}", args.filter)
    if checked:
        body["filter"] = checked
    if args.sorts:
        body["sorts"] = [s.model_dump(exclude_none=True) for s in args.sorts]
    result = await ctx.attio.call("POST", path, json=body)
    entries = [_shape(ctx, e, args.fields) for e in result["data"]]
    return page(entries, offset=args.offset, limit=args.limit)


async def get_entry(ctx: ToolContext, args: EntryInput) -> Any:
    path = attio_path("/v2/lists/{list}/entries/{entry_id}", list=args.list, entry_id=args.entry_id)
    body = await ctx.attio.call("GET", path)
    return {"data": _shape(ctx, body["data"])}


async def entry_attribute_values(ctx: ToolContext, args: EntryAttributeValuesInput) -> Any:
    path = attio_path(
        "/v2/lists/{list}/entries/{entry_id}/attributes/{attribute}/values",
        list=args.list,
        entry_id=args.entry_id,
        attribute=args.attribute,
    )
    params: dict[str, Any] = {
        "show_historic": "true" if args.show_historic else "false",
        "offset": args.offset,
    }
    if args.limit is not None:
        params["limit"] = args.limit
    body = await ctx.attio.call("GET", path, params=params)
    if ctx.output == "compact":
        return {"data": compact_history(body["data"])}
    return body


async def _parent_object(ctx: ToolContext, list_: str, given: str | None) -> str:
    """The list's object (Attio needs it on every new entry; the document omits it)."""
    lst = (await ctx.attio.call("GET", attio_path("/v2/lists/{list}", list=list_)))["data"]
    parents = [str(p) for p in lst["parent_object"]]
    if given is not None:
        if given not in parents:
            raise ToolInputError(
                f"list '{list_}' holds {', '.join(parents)}, not '{given}'.", field="parent_object"
            )
        return given
    if len(parents) != 1:
        raise ToolInputError(
            f"list '{list_}' holds several objects ({', '.join(parents)}): give parent_object.",
            field="parent_object",
        )
    return parents[0]


async def _entry_data(ctx: ToolContext, args: AddToListInput) -> dict[str, Any]:
    check_parameter("record_id", args.record_id)
    parent = await _parent_object(ctx, args.list, args.parent_object)
    values = {}
    if args.entry_values:
        values = await coerce_values(
            ctx.schema, f"lists/{args.list}", args.entry_values, field_name="entry_values"
        )
    return {"parent_record_id": args.record_id, "parent_object": parent, "entry_values": values}


async def add_to_list(ctx: ToolContext, args: AddToListInput) -> Any:
    data = await _entry_data(ctx, args)
    path = attio_path("/v2/lists/{list}/entries", list=args.list)
    body = await ctx.attio.call("POST", path, json={"data": data})
    return {"data": _shape(ctx, body["data"])}


async def assert_entry(ctx: ToolContext, args: AssertEntryInput) -> Any:
    data = await _entry_data(ctx, args)
    path = attio_path("/v2/lists/{list}/entries", list=args.list)
    body = await ctx.attio.call("PUT", path, json={"data": data})
    return {"data": _shape(ctx, body["data"])}


async def update_entry(ctx: ToolContext, args: UpdateEntryInput) -> Any:
    path = attio_path("/v2/lists/{list}/entries/{entry_id}", list=args.list, entry_id=args.entry_id)
    values = await coerce_values(
        ctx.schema, f"lists/{args.list}", args.entry_values, field_name="entry_values"
    )
    method = "PATCH" if args.mode == "append" else "PUT"
    body = await ctx.attio.call(method, path, json={"data": {"entry_values": values}})
    return {"data": _shape(ctx, body["data"])}


async def remove_from_list(ctx: ToolContext, args: RemoveEntryInput) -> Any:
    path = attio_path("/v2/lists/{list}/entries/{entry_id}", list=args.list, entry_id=args.entry_id)
    if args.dry_run:
        current = await ctx.attio.call("GET", path)
        return {"dry_run": True, "would_remove": current["data"]}
    await ctx.attio.call("DELETE", path)
    return {"removed": True, "list": args.list, "entry_id": args.entry_id}


async def _record_entries(
    ctx: ToolContext, obj: str, record_id: str, *, fields: dict[str, str] | None = None
) -> list[Any]:
    path = attio_path(
        "/v2/objects/{object}/records/{record_id}/entries",
        fields=fields,
        object=obj,
        record_id=record_id,
    )
    entries: list[Any] = []
    while True:
        body = await ctx.attio.call(
            "GET",
            path,
            params={"limit": RECORD_ENTRY_PAGE, "offset": len(entries)},
        )
        entries.extend(body["data"])
        if len(body["data"]) < RECORD_ENTRY_PAGE:
            return entries


async def list_record_entries(ctx: ToolContext, args: RecordEntriesInput) -> Any:
    return {"data": await _record_entries(ctx, args.object, args.record_id)}


def list_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    return [
        ToolSpec(
            "attio_list_lists",
            "List the workspace's lists; with parent_object + parent_record_id, only those "
            "holding that record (with its entry_ids).",
            ListListsInput,
            ("list_configuration:read",),
            list_lists,
            **read,
        ),
        ToolSpec(
            "attio_create_list",
            "Create a list (e.g. a pipeline); then attio_create_attribute adds its attributes "
            "and attio_add_to_list its records.",
            CreateListInput,
            ("list_configuration:read-write",),
            create_list,
        ),
        ToolSpec(
            "attio_get_list",
            "Get a list: name, parent object, access.",
            ListInput,
            ("list_configuration:read",),
            get_list,
            **read,
        ),
        ToolSpec(
            "attio_update_list",
            "Rename a list or change its api_slug or access; give only what changes (its object "
            "cannot).",
            UpdateListInput,
            ("list_configuration:read-write",),
            update_list,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_entries",
            "List a list's entries with their list-level values (e.g. stage).",
            ListEntriesInput,
            E_READ,
            list_entries,
            **read,
        ),
        ToolSpec(
            "attio_get_list_entry",
            "Get a list entry with its list-level values.",
            EntryInput,
            E_READ,
            get_entry,
            **read,
        ),
        ToolSpec(
            "attio_get_list_entry_attribute_values",
            "One attribute's values on a list entry; show_historic adds past values oldest "
            "first (e.g. a deal's stage history).",
            EntryAttributeValuesInput,
            E_READ,
            entry_attribute_values,
            **read,
        ),
        ToolSpec(
            "attio_add_to_list",
            "Add a record to a list, optionally with entry values (e.g. stage). Each call adds "
            "an entry; keep its entry_id.",
            AddToListInput,
            E_WRITE,
            add_to_list,
        ),
        ToolSpec(
            "attio_remove_from_list",
            "Remove an entry from a list (the record stays); dry_run previews.",
            RemoveEntryInput,
            E_WRITE,
            remove_from_list,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_record_entries",
            "A record's entries across all lists (list_id, entry_id, created_at).",
            RecordEntriesInput,
            (*R_READ, "list_entry:read"),
            list_record_entries,
            **read,
        ),
        ToolSpec(
            "attio_update_list_entry",
            "Update a list entry's values, e.g. move a deal to another stage.",
            UpdateEntryInput,
            E_WRITE,
            update_entry,
            idempotent=True,
        ),
        ToolSpec(
            "attio_assert_list_entry",
            "Upsert a record's list entry: add it, or update its entry if already there.",
            AssertEntryInput,
            E_WRITE,
            assert_entry,
            idempotent=True,
        ),
    ]
