"""LangGraph with the gateway's Attio tools as LangChain tools: a model node and a ToolNode
in a loop (LangGraph's own agent graph). Any LangChain chat model with tool calling fits;
this one is langchain-openai's.

    OPENAI_API_KEY=... python examples/frameworks/langgraph_agent.py user_123 "Our companies?"

``user_123`` must have connected Attio through the gateway (its authorization link). A
failed tool call reaches the model as a ToolMessage with status "error" and the JSON error."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from attio_gateway.sdk import AsyncGateway
from attio_gateway.tools import catalog
from attio_gateway.tools.adapters import ToolCaller, gateway_caller, langchain_tools
from attio_gateway.tools.results import read_result_spec

MODEL = "gpt-4.1-mini"


def tool_caller(gateway: AsyncGateway, identifier: str) -> ToolCaller:
    """Run a tool as the user: compact output, each result within 8k tokens (a larger one
    in parts, read on with attio_read_result)."""
    return gateway_caller(gateway.actions, identifier=identifier)


def build_graph(model: BaseChatModel, call: ToolCaller) -> Any:
    tools = langchain_tools([*catalog().search(), read_result_spec()], call)
    bound = model.bind_tools(tools)

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)  # tool calls → tools, else the end
    graph.add_edge("tools", "agent")
    return graph.compile()


async def ask(model: BaseChatModel, call: ToolCaller, question: str, max_turns: int = 8) -> str:
    graph = build_graph(model, call)
    state = await graph.ainvoke(
        {"messages": [("user", question)]}, {"recursion_limit": 2 * max_turns + 1}
    )
    return str(state["messages"][-1].content)


async def main(identifier: str, question: str) -> None:
    async with AsyncGateway() as gateway:
        print(await ask(ChatOpenAI(model=MODEL), tool_caller(gateway, identifier), question))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
