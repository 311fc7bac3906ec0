"""``execute_tool`` and ``list_tools`` for the SDK: the catalog bound to a connected account."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from attio_gateway.errors import GatewayError, ToolInputError
from attio_gateway.sdk import models
from attio_gateway.storage import queries as q
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.runner import run_tool

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway


async def execute(
    gateway: AsyncGateway,
    *,
    tool_input: dict[str, Any],
    tool_name: str,
    identifier: str | None,
    connected_account_id: str | None,
    connection_name: str | None,
    output: str,
) -> models.ExecuteToolResponse:
    spec = tool_catalog().get(tool_name)  # unknown tool: fails before touching the account
    connection, account = await gateway.account_for_call(
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
    )
    execution_id = gateway.new_execution_id()
    started = time.perf_counter()
    outcome, error_code = "error", None
    client = gateway.attio_client(connection, account)
    try:
        data = await run_tool(
            spec,
            tool_input,
            attio=client,
            granted_scopes=frozenset(account.granted_scopes),
            output=output,
            schema_cache=gateway.schema_cache(account.workspace_id or account.id),
            on_secret=lambda name, secret: gateway.keep_account_secret(account, name, secret),
        )
        outcome = "success"
        await gateway.touch_last_used(account.id)
        return models.ExecuteToolResponse(data=data, execution_id=execution_id)
    except GatewayError as exc:
        error_code = exc.code
        status = getattr(exc, "status_code", None)
        if status == 401 and await gateway.check_revoked(connection, account):
            refreshed = await q.get_account(gateway.db, account_id=account.id)
            raise await gateway._not_active(connection, refreshed or account) from exc
        raise
    finally:
        await gateway.audit(
            event_id=execution_id,
            kind="tool",
            outcome=outcome,
            connection_name=connection.name,
            identifier=account.identifier,
            tool_name=spec.name,
            duration_ms=int((time.perf_counter() - started) * 1000),
            error_code=error_code,
        )


async def list_tools(
    gateway: AsyncGateway,
    *,
    connection_name: str | None,
    identifier: str | None,
    tool_name: str | None,
    query: str | None,
    page_size: int | None,
    page_token: str | None,
) -> dict[str, Any]:
    """``{"tools": [{"definition": {...}, "usable": bool, "missing_scopes": [...]}], ...}``."""
    granted: frozenset[str] | None = None
    if identifier:
        _, account = await gateway.find_account(
            connection_name=connection_name, identifier=identifier
        )
        granted = frozenset(account.granted_scopes)
    specs = tool_catalog().search(name=tool_name, query=query)
    if page_token and not page_token.isdigit():
        raise ToolInputError("page_token is not one this API returned.", field="page_token")
    offset = int(page_token) if page_token else 0
    size = min(max(page_size or 100, 1), 500)
    page = specs[offset : offset + size]
    tools = []
    for spec in page:
        missing = spec.missing_scopes(granted) if granted is not None else []
        tools.append(
            {"definition": spec.definition(), "usable": not missing, "missing_scopes": missing}
        )
    return {
        "tools": tools,
        "next_page_token": str(offset + size) if offset + size < len(specs) else None,
        "total_size": len(specs),
    }
