"""Google Gemini (google-genai) with the gateway's Attio tools as function declarations
(the OpenAPI subset Gemini reads; objects such as ``values`` are JSON text).

    GEMINI_API_KEY=... python examples/frameworks/gemini.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link)."""

from __future__ import annotations

import asyncio
import json
import sys

from google import genai
from google.genai import types

from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import (
    ToolCaller,
    call_as_json,
    gateway_caller,
    gemini_declarations,
)
from attio_gateway.tools.results import read_result_spec

MODEL = "gemini-2.5-flash"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


async def ask(client: genai.Client, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    declarations = [
        types.FunctionDeclaration(**d)
        for d in gemini_declarations([*catalog().search(), read_result_spec()])
    ]
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=declarations)],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    contents: list[types.Content] = [
        types.Content(role="user", parts=[types.Part.from_text(text=question)])
    ]
    for _ in range(max_turns):
        response = await client.aio.models.generate_content(
            model=MODEL, contents=contents, config=config
        )
        calls = response.function_calls or []
        if not calls or not response.candidates or response.candidates[0].content is None:
            return response.text or ""
        contents.append(response.candidates[0].content)
        parts = []
        for function_call in calls:
            name = function_call.name or ""
            text = await call_as_json(call, name, dict(function_call.args or {}))
            parts.append(
                types.Part.from_function_response(name=name, response={"result": json.loads(text)})
            )
        contents.append(types.Content(role="user", parts=parts))
    return "(no answer within the turn limit)"


async def main(identifier: str, question: str) -> None:
    async with AsyncGateway() as gateway:
        print(await ask(genai.Client(), tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
