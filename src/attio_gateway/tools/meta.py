"""Schema, member and token tools (TOOLS.md 39–48, 58)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, model_validator

from attio_gateway.errors import ToolInputError, UpstreamError
from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.output import page
from attio_gateway.tools.spec import ToolInput, ToolSpec

CONFIG_READ = ("object_configuration:read",)
CONFIG_WRITE = ("object_configuration:read-write",)
STANDARD_OBJECTS = ("people", "companies", "deals", "users", "workspaces")


class NoInput(ToolInput):
    pass


class ObjectInput(ToolInput):
    object: str


class CreateObjectInput(ToolInput):
    singular_noun: str = Field(min_length=1, description="e.g. Project")
    plural_noun: str = Field(min_length=1, description="e.g. Projects")
    api_slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


class UpdateObjectInput(ObjectInput):
    api_slug: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Later calls must use it",
    )
    singular_noun: str | None = Field(default=None, min_length=1)
    plural_noun: str | None = Field(default=None, min_length=1)


class TargetInput(ToolInput):
    """Exactly one of ``object`` or ``list`` (also accepted as ``list_id``)."""

    object: str | None = None
    list: str | None = Field(default=None, validation_alias=AliasChoices("list", "list_id"))

    @model_validator(mode="after")
    def _one_target(self) -> TargetInput:
        if (self.object is None) == (self.list is None):
            raise ValueError("give exactly one of object or list")
        return self

    def path(self, template: str = "", **params: str) -> str:
        """The object's or list's path, with ``template`` (``/attributes/{attribute}``) and
        its ``params`` built on (see ``attio_path``; ``fields=None`` keeps mypy from reading
        ``**params`` as a possible ``fields``)."""
        if self.object is not None:
            return attio_path(
                "/v2/objects/{object}" + template, fields=None, object=self.object, **params
            )
        return attio_path("/v2/lists/{list}" + template, fields=None, list=str(self.list), **params)


class AttributeInput(TargetInput):
    attribute: str


class CreateAttributeInput(TargetInput):
    api_slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    type: Literal[
        "text",
        "number",
        "select",
        "multiselect",
        "status",
        "date",
        "timestamp",
        "checkbox",
        "currency",
        "record-reference",
        "actor-reference",
        "location",
        "domain",
        "email-address",
        "phone-number",
        "rating",
    ] = Field(description="multiselect: a select with is_multiselect")
    description: str | None
    is_required: bool
    is_unique: bool
    is_multiselect: bool
    config: dict[str, Any] = Field(description="{} for most types")


class UpdateAttributeInput(AttributeInput):
    """Only the fields given are sent; an explicit null clears description or default_value."""

    title: str | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, description="null clears it")
    api_slug: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="Later calls must use it"
    )
    is_required: bool | None = None
    is_unique: bool | None = None
    is_archived: bool | None = Field(default=None, description="Values are kept; false restores")
    config: dict[str, Any] | None = Field(
        default=None,
        description='e.g. {"currency": {"default_currency_code": "EUR"}} or '
        '{"record_reference": {"allowed_objects": ["companies"]}}',
    )
    default_value: dict[str, Any] | None = Field(
        default=None,
        description='{"type": "static", "template": [{"value": 5}]} or {"type": "dynamic", '
        '"template": "current-user"}; null removes it',
    )


class CreateOptionInput(AttributeInput):
    title: str = Field(min_length=1)


class UpdateOptionInput(AttributeInput):
    option: str = Field(description="Current title or UUID")
    title: str | None = Field(default=None, min_length=1)
    is_archived: bool | None = None


class CreateStatusInput(AttributeInput):
    title: str = Field(min_length=1)
    celebration_enabled: bool = False
    target_time_in_status: str | None = Field(default=None, description="ISO 8601, e.g. P14D")


class UpdateStatusInput(AttributeInput):
    status: str = Field(description="Current title or UUID")
    title: str | None = Field(default=None, min_length=1)
    celebration_enabled: bool | None = None
    target_time_in_status: str | None = Field(default=None, description="ISO 8601, e.g. P14D")
    is_archived: bool | None = None


class MembersInput(ToolInput):
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class MemberInput(ToolInput):
    workspace_member_id: str


async def list_objects(ctx: ToolContext, args: NoInput) -> Any:
    return await ctx.attio.call("GET", "/v2/objects")


async def get_object(ctx: ToolContext, args: ObjectInput) -> Any:
    body = await ctx.attio.call("GET", attio_path("/v2/objects/{object}", object=args.object))
    # Attio has no system/custom flag; this one is derived from the slug, and labelled so.
    body["data"]["is_standard_object_derived"] = body["data"]["api_slug"] in STANDARD_OBJECTS
    return body


async def create_object(ctx: ToolContext, args: CreateObjectInput) -> Any:
    body = await ctx.attio.call("POST", "/v2/objects", json={"data": args.model_dump()})
    ctx.schema.forget("objects")
    return body


async def update_object(ctx: ToolContext, args: UpdateObjectInput) -> Any:
    data = args.changes(("api_slug", "singular_noun", "plural_noun"))
    body = await ctx.attio.call(
        "PATCH", attio_path("/v2/objects/{object}", object=args.object), json={"data": data}
    )
    # The old slug keys cached attributes and appears in other objects' relationships.
    ctx.schema.forget()
    return body


async def list_attributes(ctx: ToolContext, args: TargetInput) -> Any:
    return await ctx.attio.call("GET", args.path("/attributes"))


async def get_attribute(ctx: ToolContext, args: AttributeInput) -> Any:
    return await ctx.attio.call(
        "GET", args.path("/attributes/{attribute}", attribute=args.attribute)
    )


async def create_attribute(ctx: ToolContext, args: CreateAttributeInput) -> Any:
    data = args.model_dump(exclude={"object", "list"})
    if data["type"] == "multiselect":
        data |= {"type": "select", "is_multiselect": True}
    if data["type"] == "status" and args.object:
        raise ToolInputError(
            "Attio cannot create status attributes on objects (only on lists); use a select.",
            field="type",
        )
    config = data["config"]
    if data["type"] == "record-reference" and "record_reference" not in config:
        # The document's advice, {"relationship": {"object": slug}}, is not Attio's shape.
        target = (config.get("relationship") or {}).get("object") or config.get("object")
        if not target:
            raise ToolInputError(
                "a record-reference needs the object it points at: config "
                '{"record_reference": {"allowed_objects": ["companies"]}}.',
                field="config",
            )
        data["config"] = {"record_reference": {"allowed_objects": [target]}}
    if data["type"] == "currency":
        currency = config.get("currency") or {}
        if not {"default_currency_code", "display_type"} <= set(currency):
            raise ToolInputError(
                "a currency attribute needs config "
                '{"currency": {"default_currency_code": "USD", "display_type": "symbol"}}.',
                field="config",
            )
    body = await ctx.attio.call("POST", args.path("/attributes"), json={"data": data})
    ctx.schema.forget("attributes:")
    return body


NULLABLE_ATTRIBUTE_FIELDS = ("description", "default_value")
ATTRIBUTE_FIELDS = (
    "title",
    "api_slug",
    "is_required",
    "is_unique",
    "is_archived",
    "config",
    *NULLABLE_ATTRIBUTE_FIELDS,
)


async def update_attribute(ctx: ToolContext, args: UpdateAttributeInput) -> Any:
    data = args.changes(ATTRIBUTE_FIELDS, nullable=NULLABLE_ATTRIBUTE_FIELDS)
    currency = (data.get("config") or {}).get("currency")
    if currency is not None and not {"default_currency_code", "display_type"} <= set(currency):
        raise ToolInputError(
            "Attio needs both fields of a currency config: "
            '{"currency": {"default_currency_code": "USD", "display_type": "symbol"}}.',
            field="config",
        )
    path = args.path("/attributes/{attribute}", attribute=args.attribute)
    body = await ctx.attio.call("PATCH", path, json={"data": data})
    # Slugs and titles are cached per target (by slug or id) and mirrored on the other side of
    # a relationship: drop every cached attribute, option and status list.
    for kind in ("attributes:", "options:", "statuses:"):
        ctx.schema.forget(kind)
    return body


async def list_options(ctx: ToolContext, args: AttributeInput) -> Any:
    return await ctx.attio.call(
        "GET", args.path("/attributes/{attribute}/options", attribute=args.attribute)
    )


async def list_statuses(ctx: ToolContext, args: AttributeInput) -> Any:
    return await ctx.attio.call(
        "GET",
        args.path("/attributes/{attribute}/statuses", attribute=args.attribute),
    )


def _forget_choices(ctx: ToolContext, args: AttributeInput) -> None:
    target = args.object if args.object else f"lists/{args.list}"
    for kind in ("options", "statuses", "attributes"):
        ctx.schema.forget(f"{kind}:{target}")


async def create_option(ctx: ToolContext, args: CreateOptionInput) -> Any:
    path = args.path("/attributes/{attribute}/options", attribute=args.attribute)
    body = await ctx.attio.call("POST", path, json={"data": {"title": args.title}})
    _forget_choices(ctx, args)
    return body


async def update_option(ctx: ToolContext, args: UpdateOptionInput) -> Any:
    data = args.changes(("title", "is_archived"))
    path = args.path(
        "/attributes/{attribute}/options/{option}", attribute=args.attribute, option=args.option
    )
    body = await ctx.attio.call("PATCH", path, json={"data": data})
    _forget_choices(ctx, args)
    return body


async def create_status(ctx: ToolContext, args: CreateStatusInput) -> Any:
    data = args.model_dump(
        include={"title", "celebration_enabled", "target_time_in_status"}, exclude_none=True
    )
    path = args.path("/attributes/{attribute}/statuses", attribute=args.attribute)
    body = await ctx.attio.call("POST", path, json={"data": data})
    _forget_choices(ctx, args)
    return body


async def update_status(ctx: ToolContext, args: UpdateStatusInput) -> Any:
    data = args.changes(("title", "celebration_enabled", "target_time_in_status", "is_archived"))
    path = args.path(
        "/attributes/{attribute}/statuses/{status}", attribute=args.attribute, status=args.status
    )
    body = await ctx.attio.call("PATCH", path, json={"data": data})
    _forget_choices(ctx, args)
    return body


async def list_members(ctx: ToolContext, args: MembersInput) -> Any:
    # Attio's endpoint is not paginated: fetch all, slice here.
    members = (await ctx.attio.call("GET", "/v2/workspace_members"))["data"]
    limit = args.limit or len(members) or 1
    return page(members[args.offset : args.offset + limit], offset=args.offset, limit=limit)


async def get_member(ctx: ToolContext, args: MemberInput) -> Any:
    return await ctx.attio.call(
        "GET",
        attio_path(
            "/v2/workspace_members/{workspace_member_id}",
            workspace_member_id=args.workspace_member_id,
        ),
    )


async def token_info(ctx: ToolContext, args: NoInput) -> Any:
    """The document's ``{active, workspace, actor, scopes}`` built from the flat /v2/self."""
    me = await ctx.attio.call("GET", "/v2/self")
    if not me.get("active"):
        return {"active": False, "workspace": None, "actor": None, "scopes": []}
    member_id = me.get("authorized_by_workspace_member_id")
    actor: dict[str, Any] = {
        "type": "workspace-member" if member_id else "api-token",
        "id": member_id or me.get("client_id"),
        "name": None,
        "email": None,
    }
    if member_id:
        try:
            member = (
                await ctx.attio.call(
                    "GET",
                    attio_path(
                        "/v2/workspace_members/{workspace_member_id}", workspace_member_id=member_id
                    ),
                )
            )["data"]
        except UpstreamError:
            member = None  # no user_management:read: the name and email stay unknown
        if member:
            actor["name"] = f"{member['first_name']} {member['last_name']}".strip()
            actor["email"] = member["email_address"]
    return {
        "active": True,
        "workspace": {"id": me.get("workspace_id"), "name": me.get("workspace_name")},
        "actor": actor,
        "scopes": sorted((me.get("scope") or "").split()),
    }


def meta_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    return [
        ToolSpec(
            "attio_list_objects",
            "List the workspace's objects (standard and custom): slugs and names.",
            NoInput,
            CONFIG_READ,
            list_objects,
            **read,
        ),
        ToolSpec(
            "attio_get_object",
            "Get an object by slug or UUID.",
            ObjectInput,
            CONFIG_READ,
            get_object,
            **read,
        ),
        ToolSpec(
            "attio_create_object",
            "Create a custom object; then attio_create_attribute adds its attributes.",
            CreateObjectInput,
            CONFIG_WRITE,
            create_object,
        ),
        ToolSpec(
            "attio_update_object",
            "Rename an object or change its api_slug; give only what changes.",
            UpdateObjectInput,
            CONFIG_WRITE,
            update_object,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_attributes",
            "List an object's or a list's attributes: slugs, types, flags, config.",
            TargetInput,
            CONFIG_READ,
            list_attributes,
            **read,
        ),
        ToolSpec(
            "attio_get_attribute",
            "Get an attribute of an object or list.",
            AttributeInput,
            CONFIG_READ,
            get_attribute,
            **read,
        ),
        ToolSpec(
            "attio_create_attribute",
            "Create an attribute (a field) on an object or list; interaction attributes cannot "
            "be created.",
            CreateAttributeInput,
            CONFIG_WRITE,
            create_attribute,
        ),
        ToolSpec(
            "attio_update_attribute",
            "Change or archive an attribute; give only what changes (not type or "
            "is_multiselect; system attributes cannot be edited).",
            UpdateAttributeInput,
            CONFIG_WRITE,
            update_attribute,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_attribute_options",
            "List the options of a select attribute.",
            AttributeInput,
            CONFIG_READ,
            list_options,
            **read,
        ),
        ToolSpec(
            "attio_list_attribute_statuses",
            "List the statuses of a status attribute (e.g. deal stages).",
            AttributeInput,
            CONFIG_READ,
            list_statuses,
            **read,
        ),
        ToolSpec(
            "attio_create_select_option",
            "Add an option to a select attribute.",
            CreateOptionInput,
            CONFIG_WRITE,
            create_option,
        ),
        ToolSpec(
            "attio_update_select_option",
            "Rename or archive an option of a select attribute.",
            UpdateOptionInput,
            CONFIG_WRITE,
            update_option,
            idempotent=True,
        ),
        ToolSpec(
            "attio_create_status",
            "Add a status to a status attribute (e.g. a new deal stage).",
            CreateStatusInput,
            CONFIG_WRITE,
            create_status,
        ),
        ToolSpec(
            "attio_update_status",
            "Rename, archive or reconfigure a status.",
            UpdateStatusInput,
            CONFIG_WRITE,
            update_status,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_workspace_members",
            "List the workspace's members (names, emails, access levels).",
            MembersInput,
            ("user_management:read",),
            list_members,
            **read,
        ),
        ToolSpec(
            "attio_get_workspace_member",
            "Get one workspace member.",
            MemberInput,
            ("user_management:read",),
            get_member,
            **read,
        ),
        ToolSpec(
            "attio_get_current_token_info",
            "The current token: active or not, its workspace, who authorized it, its scopes.",
            NoInput,
            (),
            token_info,
            **read,
        ),
    ]
