"""Anthropic's Messages API with the gateway's Attio tools (``input_schema`` as the catalog
defines it: objects such as ``values`` are sent as objects).

    ANTHROPIC_API_KEY=... python examples/frameworks/anthropic_messages.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from anthropic import AsyncAnthropic

from attio_gateway.errors import GatewayError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import (
    ToolCaller,
    anthropic_tools,
    error_json,
    gateway_caller,
    result_json,
)
from attio_gateway.tools.results import read_result_spec

MODEL = "claude-sonnet-4-5"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


async def ask(client: AsyncAnthropic, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    tools: list[Any] = anthropic_tools([*catalog().search(), read_result_spec()])
    messages: list[Any] = [{"role": "user", "content": question}]
    for _ in range(max_turns):
        reply = await client.messages.create(
            model=MODEL, max_tokens=2048, tools=tools, messages=messages
        )
        uses = [block for block in reply.content if block.type == "tool_use"]
        if not uses:
            return "".join(block.text for block in reply.content if block.type == "text")
        messages.append({"role": "assistant", "content": [b.model_dump() for b in reply.content]})
        results = []
        for use in uses:
            try:  # Claude sends objects as objects: the input goes to the tool as it is
                text, failed = result_json(await call(use.name, dict(use.input))), False
            except GatewayError as exc:  # code, message and the field to correct
                text, failed = error_json(exc), True
            results.append(
                {"type": "tool_result", "tool_use_id": use.id, "content": text, "is_error": failed}
            )
        messages.append({"role": "user", "content": results})
    return "(no answer within the turn limit)"


async def main(identifier: str, question: str) -> None:
    async with AsyncGateway() as gateway:
        print(await ask(AsyncAnthropic(), tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
