"""The OpenAI Agents SDK with the gateway's Attio tools: every tool a strict FunctionTool
(the SDK's default strict mode accepts all of them).

    OPENAI_API_KEY=... python examples/frameworks/openai_agents.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from agents import Agent, FunctionTool, Model, OpenAIResponsesModel, Runner
from agents.tool_context import ToolContext
from openai import AsyncOpenAI

from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import (
    ToolCaller,
    call_as_json,
    gateway_caller,
    openai_strict_schema,
)
from attio_gateway.tools.results import read_result_spec
from attio_gateway.tools.spec import ToolSpec

MODEL = "gpt-4.1-mini"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


def function_tool(spec: ToolSpec, call: ToolCaller) -> FunctionTool:
    async def invoke(context: ToolContext[Any], arguments: str) -> str:
        # a failed call comes back as JSON the model can correct its call from
        return await call_as_json(call, spec.name, json.loads(arguments or "{}"))

    return FunctionTool(
        name=spec.name,
        description=spec.description,
        params_json_schema=openai_strict_schema(spec),
        on_invoke_tool=invoke,
        strict_json_schema=True,
    )


async def ask(model: Model, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    agent = Agent(
        name="Attio assistant",
        instructions="Answer with the user's Attio CRM data; use the tools to read and change it.",
        model=model,
        tools=[function_tool(spec, call) for spec in [*catalog().search(), read_result_spec()]],
    )
    result = await Runner.run(agent, question, max_turns=max_turns)
    return str(result.final_output)


async def main(identifier: str, question: str) -> None:
    model = OpenAIResponsesModel(model=MODEL, openai_client=AsyncOpenAI())
    async with AsyncGateway() as gateway:
        print(await ask(model, tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
