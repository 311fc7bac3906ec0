"""The MCP server generated from the tool catalog, on the official SDK's low-level ``Server``.

Every request is answered through the gateway SDK: ``actions.list_tools`` gives the tool
definitions (exact input schemas and annotations), ``actions.execute_tool`` runs a call as
the bound connected account, and ``actions.request`` reads the workspace schema for the
resources. Who a request acts as is decided by an ``AccountOf`` function: a fixed account
over stdio, the session token's account over streamable HTTP (see ``http.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from attio_gateway import __version__
from attio_gateway.errors import (
    AccountNotActiveError,
    GatewayError,
    NotFoundError,
    ToolInputError,
)
from attio_gateway.mcp_server.definitions import (
    ERROR_KEYS,
    AccountBinding,
    AccountOf,
    error_dict,
    error_result,
    fixed_account,
    mcp_tool,
    offered_tools,
    owner_of,
    read_result_tool,
    to_json,
)
from attio_gateway.mcp_server.triggers import (
    TRIGGER_EVENTS,
    call_trigger_events,
    trigger_events_tool,
)
from attio_gateway.sdk import AccountStatus, AsyncGateway, attio_path
from attio_gateway.sdk.models import ConnectedAccount
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.results import (
    DEFAULT_BUDGET_TOKENS,
    READ_RESULT,
    ReadResultInput,
    ResultStore,
    dumps,
)
from attio_gateway.tools.search import (
    CALL_TOOL,
    DESCRIBE_TOOL,
    SEARCH_TOOLS,
    DescribeToolInput,
    SearchToolsInput,
    ToolIndex,
    readiness,
    search_mode_definitions,
)
from attio_gateway.tools.spec import ToolInput

#: What a call may ask for with an ``output`` argument (``full`` is Attio's own data).
OUTPUTS = {"compact": "compact", "full": "default", "default": "default"}

__all__ = [
    "ERROR_KEYS",
    "SERVER_NAME",
    "AccountBinding",
    "AccountOf",
    "build_server",
    "fixed_account",
    "offered_tools",
]

logger = logging.getLogger(__name__)

SERVER_NAME = "attio-gateway"
SCHEMA_URI = "attio://schema/objects"
OBJECT_URI_PREFIX = SCHEMA_URI + "/"
#: JSON-RPC "resource not found" (MCP spec, resources: error handling).
RESOURCE_NOT_FOUND = -32002
#: Attribute types whose allowed values live behind their own endpoint.
OPTION_ENDPOINTS = {"select": "options", "status": "statuses"}


def build_server(
    gateway: AsyncGateway,
    *,
    account_of: AccountOf,
    read_only: bool = False,
    tools: Sequence[str] | None = None,
    output: str = "compact",
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    results: ResultStore | None = None,
    tool_search: bool = False,
    derive_idempotency_keys: bool = False,
    toolset: str | None = None,
    trigger_events: bool = False,
) -> Server[Any]:
    """An MCP server offering the catalog's tools and the workspace schema as resources.

    ``read_only`` keeps only tools annotated read-only; ``tools`` keeps only the named ones
    (an unknown name is reported when the tools are first listed; ``offered_tools`` checks
    it up front). Results are ``output`` (``compact`` unless a call passes
    ``output: "full"``) and at most ``budget_tokens``: a larger one comes in parts, read
    with ``attio_read_result`` from ``results`` (this process's memory). ``tool_search``
    lists only the meta-tools (search, describe, call) instead of every tool. ``toolset``
    offers and runs only that toolset's tools (docs/permissions.md).
    ``derive_idempotency_keys`` (opt-in) treats this server as one run (over stdio: one
    process, one client): a write sent twice with the same arguments is sent to Attio
    once (docs/idempotency.md); a ``_meta`` key or run id of the call's own comes first.
    ``trigger_events`` also offers ``attio_trigger_events`` (docs/triggers.md).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {sorted(OUTPUTS)}")
    store = results or ResultStore()
    cache: dict[str, dict[str, types.Tool]] = {}
    # The run of derive_idempotency_keys: this server, i.e. one stdio process and its client.
    server_run = f"mcp-{uuid.uuid4()}"

    async def catalog() -> dict[str, types.Tool]:
        # Fetched on first use: the catalog is fixed for the life of the process.
        if "tools" not in cache:
            cache["tools"] = await offered_tools(
                gateway, read_only=read_only, only=tools, toolset=toolset
            )
        return cache["tools"]

    async def not_connected(binding: AccountBinding, exc: NotFoundError) -> dict[str, Any]:
        """A user the gateway has never seen gets a link to connect, like an expired one."""
        if binding.identifier is None:
            return error_dict(exc)
        try:
            await gateway.actions.get_connected_account_details(
                connection_name=binding.connection_name, identifier=binding.identifier
            )
            return error_dict(exc)  # the account exists: something else was not found
        except NotFoundError:
            pass
        try:
            link = await gateway.actions.get_authorization_link(
                identifier=binding.identifier, connection_name=binding.connection_name
            )
        except GatewayError:
            return error_dict(exc)
        return error_dict(
            AccountNotActiveError(
                f"{binding.identifier!r} has not connected their Attio account yet; send the "
                "user the authorization link.",
                status="PENDING_AUTH",
                authorization_link=link.link,
            )
        )

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        extra = [read_result_tool(), *([trigger_events_tool()] if trigger_events else [])]
        if tool_search:
            meta = [mcp_tool(d) for d in search_mode_definitions()]
            return types.ListToolsResult(tools=[*meta, *extra])
        return types.ListToolsResult(tools=[*(await catalog()).values(), *extra])

    async def ready_of(ctx: ServerRequestContext[Any, Any]) -> Callable[[str], dict[str, Any]]:
        """This user's readiness per tool name: connected, and the scopes each lacks (from
        the account's granted scopes, whether the binding names it by identifier or id)."""
        account = await active_account(await account_of(ctx))
        granted = frozenset(account.granted_scopes) if account is not None else None

        def ready(name: str) -> dict[str, Any]:
            if granted is None:
                return readiness([], connected=False)
            return readiness(tool_catalog().get(name).missing_scopes(granted), connected=True)

        return ready

    async def meta_tool(
        ctx: ServerRequestContext[Any, Any], name: str, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        offered = await catalog()
        model: type[ToolInput] = SearchToolsInput if name == SEARCH_TOOLS else DescribeToolInput
        try:
            args: Any = model.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            return error_result(
                error_dict(ToolInputError(f"{name}: '{field}' {first['msg']}", field=field))
            )
        ready = await ready_of(ctx)
        specs = [s for s in tool_catalog().search() if s.name in offered]
        if name == SEARCH_TOOLS:
            found = ToolIndex(specs).search(args.query, limit=args.limit)
            body: dict[str, Any] = {
                "tools": [
                    {"name": s.name, "description": s.description, **ready(s.name)} for s in found
                ]
            }
        else:
            if args.name not in offered:
                return error_result(
                    error_dict(NotFoundError(f"No tool named {args.name!r}; search first."))
                )
            spec = tool_catalog().get(args.name)
            # The schema as offered: a toolset's fixed arguments are left out.
            schema = offered[args.name].input_schema
            body = {**spec.definition(), "input_schema": schema, **ready(spec.name)}
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=dumps(body))], structured_content=body
        )

    async def read_result(
        ctx: ServerRequestContext[Any, Any], arguments: dict[str, Any]
    ) -> types.CallToolResult:
        try:
            args = ReadResultInput.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            return error_result(
                error_dict(ToolInputError(f"{READ_RESULT}: '{field}' {first['msg']}", field=field))
            )
        try:
            part = store.read(owner_of(await account_of(ctx)), args.result_id, args.cursor)
        except GatewayError as exc:
            return error_result(error_dict(exc))
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=dumps(part))], structured_content=part
        )

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        # An idempotency key rides in the call's _meta (docs/idempotency.md).
        meta = params.meta if isinstance(params.meta, dict) else {}
        idempotency_key = meta.get("idempotency_key")
        run_id = meta.get("run_id")
        agent_run_id = meta.get("agent_run_id")
        if derive_idempotency_keys and idempotency_key is None and run_id is None:
            run_id = server_run
        # So does the id of an approval a person gave (docs/permissions.md).
        approval_id = meta.get("approval_id")
        if params.name == READ_RESULT:
            return await read_result(ctx, arguments)
        if trigger_events and params.name == TRIGGER_EVENTS:
            return await call_trigger_events(gateway, await account_of(ctx), arguments)
        if tool_search and params.name in (SEARCH_TOOLS, DESCRIBE_TOOL):
            return await meta_tool(ctx, params.name, arguments)
        if tool_search and params.name == CALL_TOOL:
            inner = arguments.get("name")
            if not isinstance(inner, str) or not isinstance(arguments.get("arguments"), dict):
                return error_result(
                    error_dict(
                        ToolInputError(
                            f"{CALL_TOOL} takes name (a tool) and arguments (an object).",
                            field="name" if not isinstance(inner, str) else "arguments",
                        )
                    )
                )
            params = types.CallToolRequestParams(name=inner, arguments=arguments["arguments"])
            arguments = dict(arguments["arguments"])
        if params.name not in await catalog():
            return error_result(
                dict.fromkeys(ERROR_KEYS)
                | {
                    "code": "unknown_tool",
                    "message": f"This server has no tool named {params.name!r}.",
                    "field": "name",
                    "hint": "List the tools to see what this server offers.",
                }
            )
        wanted = arguments.pop("output", output)
        if wanted not in OUTPUTS:
            return error_result(
                error_dict(
                    ToolInputError(
                        f"output must be compact or full, got {wanted!r}.", field="output"
                    )
                )
            )
        binding = AccountBinding()
        try:
            binding = await account_of(ctx)
            response = await gateway.actions.execute_tool(
                tool_input=arguments,
                tool_name=params.name,
                identifier=binding.identifier,
                connection_name=binding.connection_name,
                connected_account_id=binding.connected_account_id,
                output=OUTPUTS[wanted],
                idempotency_key=None if idempotency_key is None else str(idempotency_key),
                run_id=None if run_id is None else str(run_id),
                agent_run_id=None if agent_run_id is None else str(agent_run_id),
                toolset=toolset,
                approval_id=None if approval_id is None else str(approval_id),
            )
        except NotFoundError as exc:
            return error_result(await not_connected(binding, exc))
        except GatewayError as exc:
            return error_result(error_dict(exc))
        except Exception:
            # A bug must not end the session; the model gets a plain failure, the log the trace.
            logger.exception("tool %s failed unexpectedly", params.name)
            return error_result(
                dict.fromkeys(ERROR_KEYS)
                | {"code": "internal_error", "message": f"{params.name} failed unexpectedly."}
            )
        # The tool's own result, not wrapped again; the execution id rides in _meta.
        fitted = store.fit(owner_of(binding), response.data, budget_tokens=budget_tokens)
        structured = fitted if isinstance(fitted, dict) else {"result": fitted}
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=dumps(fitted))],
            structured_content=structured,
            meta={"execution_id": response.execution_id},
        )

    async def active_account(binding: AccountBinding) -> ConnectedAccount | None:
        try:
            details = await gateway.actions.get_connected_account_details(
                connection_name=binding.connection_name,
                identifier=binding.identifier,
                connected_account_id=binding.connected_account_id,
            )
        except GatewayError:
            return None
        account = details.connected_account
        return account if account.status == AccountStatus.ACTIVE else None

    async def is_active(binding: AccountBinding) -> bool:
        return await active_account(binding) is not None

    async def attio_get(ctx: ServerRequestContext[Any, Any], path: str) -> Any:
        """GET an Attio path as the bound account; failures become MCP errors with our shape."""
        try:
            binding = await account_of(ctx)
            response = await gateway.actions.request(
                path=path,
                method="GET",
                identifier=binding.identifier,
                connection_name=binding.connection_name,
                connected_account_id=binding.connected_account_id,
            )
        except GatewayError as exc:
            raise MCPError(types.INTERNAL_ERROR, exc.message, data=error_dict(exc)) from exc
        if response.status_code == 404:
            raise MCPError(RESOURCE_NOT_FOUND, f"Attio has no {path}.", data=response.json())
        if not response.ok:
            raise MCPError(
                types.INTERNAL_ERROR,
                f"Attio answered HTTP {response.status_code} for {path}.",
                data=response.json(),
            )
        return response.json()["data"]

    async def object_schema(ctx: ServerRequestContext[Any, Any], slug: str) -> dict[str, Any]:
        """One object with its attributes, and each select/status attribute's allowed values."""
        try:  # the slug comes from the resource URI: built, never concatenated
            obj_path = attio_path("/v2/objects/{object}", object=slug)
        except ToolInputError as exc:
            raise MCPError(RESOURCE_NOT_FOUND, exc.message, data=error_dict(exc)) from exc
        obj = await attio_get(ctx, obj_path)
        attributes = await attio_get(ctx, obj_path + "/attributes")
        for attribute in attributes:
            endpoint = OPTION_ENDPOINTS.get(attribute.get("type", ""))
            if endpoint:
                attribute[endpoint] = await attio_get(
                    ctx,
                    obj_path
                    + attio_path("/attributes/{attribute}", attribute=attribute["api_slug"])
                    + f"/{endpoint}",
                )
        return {"object": obj, "attributes": attributes}

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resources = [
            types.Resource(
                name="objects",
                title="Attio objects",
                uri=SCHEMA_URI,
                description="Every object in the workspace: slugs, singular and plural names.",
                mime_type="application/json",
            )
        ]
        objects: list[dict[str, Any]] = []
        # Only an active account's objects are listed; otherwise reading the objects resource
        # answers with the link (listing must not mint a new link on every call).
        if await is_active(await account_of(ctx)):
            try:
                objects = await attio_get(ctx, "/v2/objects")
            except MCPError:
                objects = []
        for obj in objects:
            slug = obj.get("api_slug")
            if not slug:
                continue
            resources.append(
                types.Resource(
                    name=f"object:{slug}",
                    title=f"{obj.get('plural_noun') or slug} — attributes",
                    uri=OBJECT_URI_PREFIX + slug,
                    description=(
                        f"Attributes of {slug} (slugs, titles, types) with select options "
                        "and statuses."
                    ),
                    mime_type="application/json",
                )
            )
        return types.ListResourcesResult(resources=resources)

    async def list_resource_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name="object",
                    title="An Attio object's attributes",
                    uri_template=OBJECT_URI_PREFIX + "{object}",
                    description="Attributes of an object (by slug or id), with options/statuses.",
                    mime_type="application/json",
                )
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri == SCHEMA_URI:
            content: Any = await attio_get(ctx, "/v2/objects")
        elif uri.startswith(OBJECT_URI_PREFIX) and "/" not in uri[len(OBJECT_URI_PREFIX) :]:
            content = await object_schema(ctx, uri[len(OBJECT_URI_PREFIX) :])
        else:
            raise MCPError(RESOURCE_NOT_FOUND, f"No resource {uri!r}; see resources/list.")
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(
                    uri=uri, mime_type="application/json", text=to_json(content)
                )
            ]
        )

    return Server(
        SERVER_NAME,
        version=__version__,
        instructions=(
            "Tools act on the user's Attio CRM workspace. Read the attio://schema resources for "
            "object and attribute slugs. If a tool answers with an authorization_link, ask the "
            "user to open it to connect Attio, then retry. Results are compact (pass "
            '"output": "full" for Attio\'s own data); a large one comes in parts: read on with '
            "attio_read_result."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=read_resource,
    )
