"""``attio_trigger_events``: the bound user's trigger events since a cursor, for an agent
without a public endpoint (offered with ``build_server(..., trigger_events=True)``,
``attio-gateway mcp --trigger-events``)."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from attio_gateway.errors import GatewayError, ToolInputError
from attio_gateway.mcp_server.definitions import AccountBinding, error_dict, error_result
from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools.results import dumps

__all__ = ["TRIGGER_EVENTS", "call_trigger_events", "trigger_events_tool"]

TRIGGER_EVENTS = "attio_trigger_events"
DESCRIPTION = (
    "What changed in the user's Attio workspace: the events of their trigger subscriptions "
    "(record.updated, note.created, ...) after the cursor `since` (0: from the start), "
    "oldest first, ids only. Pass the answer's next_cursor as since to read on."
)


class TriggerEventsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: int = Field(default=0, ge=0, description="The cursor to read after (0: the start).")
    limit: int = Field(default=50, ge=1, le=200, description="At most this many events.")


def trigger_events_tool() -> types.Tool:
    return types.Tool(
        name=TRIGGER_EVENTS,
        description=DESCRIPTION,
        input_schema=TriggerEventsInput.model_json_schema(),
        annotations=types.ToolAnnotations(read_only_hint=True),
    )


async def call_trigger_events(
    gateway: AsyncGateway, binding: AccountBinding, arguments: dict[str, Any]
) -> types.CallToolResult:
    try:
        args = TriggerEventsInput.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        return error_result(
            error_dict(ToolInputError(f"{TRIGGER_EVENTS}: '{field}' {first['msg']}", field=field))
        )
    try:
        page = await gateway.triggers.events(
            connection_name=binding.connection_name,
            identifier=binding.identifier,
            connected_account_id=binding.connected_account_id,
            since=args.since,
            limit=args.limit,
        )
    except GatewayError as exc:
        return error_result(error_dict(exc))
    body = page.model_dump(mode="json")
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=dumps(body))], structured_content=body
    )
