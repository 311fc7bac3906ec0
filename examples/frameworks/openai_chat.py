"""OpenAI Chat Completions with the gateway's Attio tools (strict function tools).

    OPENAI_API_KEY=... python examples/frameworks/openai_chat.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link); the
gateway's state comes from the environment as for ``AsyncGateway()`` (README)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from openai import AsyncOpenAI

from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import ToolCaller, call_as_json, gateway_caller, openai_tools
from attio_gateway.tools.results import read_result_spec

MODEL = "gpt-4.1-mini"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


async def ask(client: AsyncOpenAI, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    tools: list[Any] = openai_tools([*catalog().search(), read_result_spec()])
    messages: list[Any] = [{"role": "user", "content": question}]
    for _ in range(max_turns):
        completion = await client.chat.completions.create(
            model=MODEL, messages=messages, tools=tools
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(mode="json", exclude_none=True))
        for tool_call in message.tool_calls:
            if tool_call.type != "function":
                continue
            # Strict tools send every parameter (null when left out) and free-form objects
            # as JSON text: call_as_json reads both back, and answers an error as JSON the
            # model can correct its call from.
            arguments = json.loads(tool_call.function.arguments or "{}")
            text = await call_as_json(call, tool_call.function.name, arguments)
            messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": text})
    return "(no answer within the turn limit)"


async def main(identifier: str, question: str) -> None:
    async with AsyncGateway() as gateway:
        print(await ask(AsyncOpenAI(), tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
