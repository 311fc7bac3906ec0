"""OpenAI Responses API with the gateway's Attio tools (strict function tools).

    OPENAI_API_KEY=... python examples/frameworks/openai_responses.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from openai import AsyncOpenAI

from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import (
    ToolCaller,
    call_as_json,
    gateway_caller,
    openai_response_tool,
)
from attio_gateway.tools.results import read_result_spec

MODEL = "gpt-4.1-mini"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


async def ask(client: AsyncOpenAI, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    tools: list[Any] = [
        openai_response_tool(spec) for spec in [*catalog().search(), read_result_spec()]
    ]
    items: list[Any] = [{"role": "user", "content": question}]
    for _ in range(max_turns):
        response = await client.responses.create(model=MODEL, input=items, tools=tools)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text
        items += [item.model_dump(mode="json", exclude_none=True) for item in response.output]
        for item in calls:
            arguments = json.loads(item.arguments or "{}")
            text = await call_as_json(call, item.name, arguments)
            items.append({"type": "function_call_output", "call_id": item.call_id, "output": text})
    return "(no answer within the turn limit)"


async def main(identifier: str, question: str) -> None:
    async with AsyncGateway() as gateway:
        print(await ask(AsyncOpenAI(), tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
