"""Record tools: people, companies, deals, users, workspaces and any object (TOOLS.md 1–18,
49–53), plus the update and assert tools agents need."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from attio_gateway.errors import GatewayError, ToolInputError
from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.filters import check_filter
from attio_gateway.tools.output import compact_record, page
from attio_gateway.tools.spec import ObjectCopy, ToolInput, ToolSpec
from attio_gateway.tools.values import coerce_values

R_READ = ("record_permission:read", "object_configuration:read")
R_WRITE = ("record_permission:read-write", "object_configuration:read")

RecordId = Field()
Values = Field(
    description="{attribute slug: value}; multi-value attributes take arrays. Slugs: "
    "attio_list_attributes"
)


class Sort(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attribute: str
    direction: Literal["asc", "desc"]
    field: str | None = Field(default=None, description="Sub-field, e.g. last_name")


class ListInput(ToolInput):
    filter: dict[str, Any] | None = Field(
        default=None,
        description="{attribute slug: value or {$operator: value}}; $and/$or combine",
    )
    sorts: list[Sort] | None = None
    limit: int = Field(default=500, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
    fields: list[str] | None = Field(
        default=None, description="Compact output only: attribute slugs to keep"
    )


class GenericListInput(ListInput):
    object: str


class CreateInput(ToolInput):
    values: dict[str, Any] = Values


class GenericCreateInput(CreateInput):
    object: str = Field(description="Slug, e.g. people; attio_list_objects has them all")


class RecordInput(ToolInput):
    record_id: str = RecordId


class DeleteInput(RecordInput):
    dry_run: bool = False


class GenericRecordInput(RecordInput):
    object: str


class GenericDeleteInput(DeleteInput):
    object: str


class SearchInput(ToolInput):
    object: str
    query: str = Field(max_length=256, description="Empty: Attio's default set")
    limit: int = Field(default=20, ge=1, le=25)
    offset: int = Field(default=0, ge=0, le=24)


class AttributeValuesInput(GenericRecordInput):
    attribute: str
    show_historic: bool = False


class UpdateInput(GenericRecordInput):
    values: dict[str, Any] = Values
    mode: Literal["append", "overwrite"] = Field(
        default="append",
        description="overwrite replaces multi-value attributes",
    )


class AssertInput(GenericCreateInput):
    matching_attribute: str = Field(description="Unique attribute slug, e.g. domains")


class FixedUpdateInput(RecordInput):
    values: dict[str, Any] = Values
    mode: Literal["append", "overwrite"] = Field(
        default="append",
        description="overwrite replaces multi-value attributes",
    )


def _shape(ctx: ToolContext, record: dict[str, Any], fields: list[str] | None = None) -> Any:
    return compact_record(record, fields) if ctx.output == "compact" else record


#: At most this many referenced records are named per result (one query per object).
NAMED_TARGETS = 100


async def _name_targets(ctx: ToolContext, compacted: list[dict[str, Any]]) -> None:
    """Compact record references gain their target's ``name`` where that is cheap: one query
    per referenced object for all the targets of this result (up to ``NAMED_TARGETS``). A
    target without a text name, or a query Attio refuses, leaves the reference as it is."""
    refs = [
        ref
        for record in compacted
        for value in record["values"].values()
        for ref in (value if isinstance(value, list) else [value])
        if isinstance(ref, dict) and set(ref) == {"object", "record_id"}
    ]
    by_object: dict[str, set[str]] = {}
    for ref in refs[:NAMED_TARGETS]:
        by_object.setdefault(str(ref["object"]), set()).add(str(ref["record_id"]))
    names: dict[str, str] = {}
    for obj, ids in by_object.items():
        path = attio_path("/v2/objects/{object}/records/query", object=obj)
        query = {"filter": {"record_id": {"$in": sorted(ids)}}, "limit": len(ids)}
        try:
            found = await ctx.attio.call("POST", path, json=query)
        except GatewayError:
            continue
        for target in found.get("data", []):
            name = compact_record(target, ["name"])["values"].get("name")
            if isinstance(name, str):
                names[target["id"]["record_id"]] = name
    for ref in refs:
        if ref["record_id"] in names:
            ref["name"] = names[ref["record_id"]]


async def _create(ctx: ToolContext, obj: str, values: dict[str, Any]) -> Any:
    path = attio_path("/v2/objects/{object}/records", object=obj)
    coerced = await coerce_values(ctx.schema, obj, values)
    body = await ctx.attio.call("POST", path, json={"data": {"values": coerced}})
    return {"data": _shape(ctx, body["data"])}


async def _list(ctx: ToolContext, obj: str, args: ListInput) -> Any:
    path = attio_path("/v2/objects/{object}/records/query", object=obj)
    body: dict[str, Any] = {"limit": args.limit, "offset": args.offset}
    checked = await check_filter(ctx.schema, obj, args.filter)
    if checked:
        body["filter"] = checked
    if args.sorts:
        body["sorts"] = [s.model_dump(exclude_none=True) for s in args.sorts]
    result = await ctx.attio.call("POST", path, json=body)
    records = [_shape(ctx, r, args.fields) for r in result["data"]]
    if ctx.output == "compact":
        await _name_targets(ctx, records)
    return page(records, offset=args.offset, limit=args.limit)


async def _get(ctx: ToolContext, obj: str, record_id: str) -> Any:
    path = attio_path("/v2/objects/{object}/records/{record_id}", object=obj, record_id=record_id)
    body = await ctx.attio.call("GET", path)
    shaped = _shape(ctx, body["data"])
    if ctx.output == "compact":
        await _name_targets(ctx, [shaped])
    return {"data": shaped}


async def _delete(ctx: ToolContext, obj: str, record_id: str, dry_run: bool) -> Any:
    path = attio_path("/v2/objects/{object}/records/{record_id}", object=obj, record_id=record_id)
    if dry_run:
        current = await ctx.attio.call("GET", path)
        return {"dry_run": True, "would_delete": compact_record(current["data"])}
    await ctx.attio.call("DELETE", path)
    return {"deleted": True, "object": obj, "record_id": record_id}


def _fixed_object_tools(obj: str, noun: str, ops: tuple[str, ...]) -> list[ToolSpec]:
    """The per-object copies of the generic record tools: same parameters less ``object``,
    described once on the generic tool (``copy_of``)."""
    tools: list[ToolSpec] = []
    if "create" in ops:

        async def create(ctx: ToolContext, args: CreateInput) -> Any:
            return await _create(ctx, obj, args.values)

        tools.append(
            ObjectCopy(
                name=f"attio_create_{noun}",
                description=f"attio_create_record with object={obj}.",
                input_model=CreateInput,
                scopes=R_WRITE,
                handler=create,
                generic="attio_create_record",
            )
        )
    if "list" in ops:

        async def list_(ctx: ToolContext, args: ListInput) -> Any:
            return await _list(ctx, obj, args)

        plural = {"person": "people", "company": "companies"}.get(noun, f"{noun}s")
        tools.append(
            ObjectCopy(
                name=f"attio_list_{plural}",
                description=f"attio_list_records with object={obj}.",
                input_model=ListInput,
                scopes=R_READ,
                handler=list_,
                read_only=True,
                idempotent=True,
                generic="attio_list_records",
            )
        )
    if "get" in ops:

        async def get(ctx: ToolContext, args: RecordInput) -> Any:
            return await _get(ctx, obj, args.record_id)

        tools.append(
            ObjectCopy(
                name=f"attio_get_{noun}",
                description=f"attio_get_record with object={obj}.",
                input_model=RecordInput,
                scopes=R_READ,
                handler=get,
                read_only=True,
                idempotent=True,
                generic="attio_get_record",
            )
        )
    if "delete" in ops:

        async def delete(ctx: ToolContext, args: DeleteInput) -> Any:
            return await _delete(ctx, obj, args.record_id, args.dry_run)

        tools.append(
            ObjectCopy(
                name=f"attio_delete_{noun}",
                description=f"attio_delete_record with object={obj}.",
                input_model=DeleteInput,
                scopes=R_WRITE,
                handler=delete,
                destructive=True,
                idempotent=True,
                generic="attio_delete_record",
            )
        )
    if "update" in ops:

        async def update(ctx: ToolContext, args: FixedUpdateInput) -> Any:
            return await _update(ctx, obj, args.record_id, args.values, args.mode)

        tools.append(
            ObjectCopy(
                name=f"attio_update_{noun}",
                description=f"attio_update_record with object={obj}.",
                input_model=FixedUpdateInput,
                scopes=R_WRITE,
                handler=update,
                generic="attio_update_record",
            )
        )
    return tools


async def _update(
    ctx: ToolContext, obj: str, record_id: str, values: dict[str, Any], mode: str
) -> Any:
    path = attio_path("/v2/objects/{object}/records/{record_id}", object=obj, record_id=record_id)
    coerced = await coerce_values(ctx.schema, obj, values)
    body = await ctx.attio.call(
        "PATCH" if mode == "append" else "PUT", path, json={"data": {"values": coerced}}
    )
    return {"data": _shape(ctx, body["data"])}


async def create_record(ctx: ToolContext, args: GenericCreateInput) -> Any:
    return await _create(ctx, args.object, args.values)


async def list_records(ctx: ToolContext, args: GenericListInput) -> Any:
    return await _list(ctx, args.object, args)


async def get_record(ctx: ToolContext, args: GenericRecordInput) -> Any:
    return await _get(ctx, args.object, args.record_id)


async def delete_record(ctx: ToolContext, args: GenericDeleteInput) -> Any:
    return await _delete(ctx, args.object, args.record_id, args.dry_run)


async def search_records(ctx: ToolContext, args: SearchInput) -> Any:
    # Attio's search takes no offset and at most 25 results: fetch offset+limit, then slice.
    if args.offset + args.limit > 25:
        raise ToolInputError(
            f"search reaches at most 25 results (offset {args.offset} + limit {args.limit} "
            "> 25); narrow the query or use attio_list_records with a filter.",
            field="offset",
        )
    body = {
        "query": args.query,
        "objects": [args.object],
        "request_as": {"type": "workspace"},
        "limit": args.offset + args.limit,
    }
    result = await ctx.attio.call("POST", "/v2/objects/records/search", json=body)
    items = result["data"][args.offset : args.offset + args.limit]
    return {"data": items}


async def record_attribute_values(ctx: ToolContext, args: AttributeValuesInput) -> Any:
    path = attio_path(
        "/v2/objects/{object}/records/{record_id}/attributes/{attribute}/values",
        object=args.object,
        record_id=args.record_id,
        attribute=args.attribute,
    )
    params = {"show_historic": "true" if args.show_historic else "false"}
    return await ctx.attio.call("GET", path, params=params)


async def update_record(ctx: ToolContext, args: UpdateInput) -> Any:
    return await _update(ctx, args.object, args.record_id, args.values, args.mode)


async def assert_record(ctx: ToolContext, args: AssertInput) -> Any:
    path = attio_path("/v2/objects/{object}/records", object=args.object)
    coerced = await coerce_values(ctx.schema, args.object, args.values)
    attribute = await ctx.schema.attribute(
        args.object, args.matching_attribute, field_name="matching_attribute"
    )
    if not attribute["is_unique"]:
        raise ToolInputError(
            f"'{args.matching_attribute}' is not unique on '{args.object}', so it cannot match "
            "one record; use a unique attribute such as email_addresses or domains.",
            field="matching_attribute",
        )
    body = await ctx.attio.call(
        "PUT",
        path,
        params={"matching_attribute": attribute["api_slug"]},
        json={"data": {"values": coerced}},
    )
    return {"data": _shape(ctx, body["data"])}


def record_tools() -> list[ToolSpec]:
    tools = [
        *_fixed_object_tools("people", "person", ("create", "list", "get", "delete", "update")),
        *_fixed_object_tools("companies", "company", ("create", "list", "get", "delete", "update")),
        *_fixed_object_tools("deals", "deal", ("create", "list", "get", "delete", "update")),
        ToolSpec(
            name="attio_create_record",
            description="Create a record of any object. A unique value already taken is an "
            "error (attio_assert_record upserts).",
            input_model=GenericCreateInput,
            scopes=R_WRITE,
            handler=create_record,
        ),
        ToolSpec(
            name="attio_list_records",
            description="List records of an object, filtered exactly by attribute values. "
            "For fuzzy lookups use attio_search_records.",
            input_model=GenericListInput,
            scopes=R_READ,
            handler=list_records,
            read_only=True,
            idempotent=True,
        ),
        ToolSpec(
            name="attio_search_records",
            description="Fuzzy search of records by names, emails and domains (at most 25 "
            "results in all).",
            input_model=SearchInput,
            scopes=R_READ,
            handler=search_records,
            read_only=True,
            idempotent=True,
        ),
        ToolSpec(
            name="attio_get_record",
            description="Get a record with all its attribute values.",
            input_model=GenericRecordInput,
            scopes=R_READ,
            handler=get_record,
            read_only=True,
            idempotent=True,
        ),
        ToolSpec(
            name="attio_delete_record",
            description="Permanently delete a record; dry_run previews.",
            input_model=GenericDeleteInput,
            scopes=R_WRITE,
            handler=delete_record,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            name="attio_get_record_attribute_values",
            description="One attribute's values on a record; show_historic adds past values "
            "(active_from/active_until).",
            input_model=AttributeValuesInput,
            scopes=R_READ,
            handler=record_attribute_values,
            read_only=True,
            idempotent=True,
        ),
        *_fixed_object_tools("users", "user_record", ("list", "get", "delete")),
        *_fixed_object_tools("workspaces", "workspace_record", ("list", "get", "delete")),
        ToolSpec(
            name="attio_update_record",
            description="Update a record's values; attributes not given stay as they are.",
            input_model=UpdateInput,
            scopes=R_WRITE,
            handler=update_record,
            idempotent=False,
        ),
        ToolSpec(
            name="attio_assert_record",
            description="Upsert: update the record matched by a unique attribute (e.g. a company "
            "by domains), or create it.",
            input_model=AssertInput,
            scopes=R_WRITE,
            handler=assert_record,
            idempotent=True,
        ),
    ]
    return tools
