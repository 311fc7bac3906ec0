"""The framework examples (examples/frameworks, docs/frameworks.md) run end to end: each
vendor's real client, with the model's HTTP answers replaced by fixed ones built from the
vendor package's own types — first a call of ``attio_list_companies`` with a filter, then a
final text — and the tool run by the gateway as a connected user against the emulator."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from attio_gateway.sdk import AsyncGateway
from tests.gateway.tools.conftest import USER, Run, new_company

EXAMPLES = Path(__file__).parents[3] / "examples" / "frameworks"
ANSWER = "You have one company: Acme."
TOOL = "attio_list_companies"
# What a strict OpenAI or Gemini tool sends: every parameter, free-form objects as JSON text.
STRICT_ARGS = {"filter": '{"name": "Acme"}', "sorts": None, "limit": 5, "offset": None}
PLAIN_ARGS = {"filter": {"name": "Acme"}, "limit": 5}


@pytest.fixture
def via() -> str:
    """The examples use the SDK (a connected user, the vault, the audit): the SDK runs only."""
    return "sdk"


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FixedModel:
    """The model's side of the HTTP exchange: the fixed answers in turn, and every request."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def client(self, http: Any = httpx) -> Any:
        """An async client of ``http`` (httpx, or the httpx2 a newer SDK is built on) whose
        every request gets the next fixed answer."""

        def handle(request: Any) -> Any:
            self.requests.append(json.loads(request.content or b"{}"))
            return http.Response(200, json=self.answers[len(self.requests) - 1])

        return http.AsyncClient(transport=http.MockTransport(handle))

    def tool_output(self, find: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
        """The tool result the example sent back to the model (second request)."""
        assert len(self.requests) == 2
        result: dict[str, Any] = json.loads(find(self.requests[1]))
        return result


@pytest.fixture
async def acme(run: Run, gateway: AsyncGateway | None) -> tuple[AsyncGateway, str]:
    assert gateway is not None
    await new_company(run, "Acme", "acme.com")
    await new_company(run, "Globex", "globex.com")
    return gateway, USER


def assert_listed_acme(result: dict[str, Any]) -> None:
    """The gateway ran the call: compact records of the filtered listing, Acme only."""
    assert [r["values"]["name"] for r in result["data"]] == ["Acme"]


def chat_answers(model: str) -> list[dict[str, Any]]:
    from openai.types.chat import ChatCompletion, ChatCompletionMessage
    from openai.types.chat.chat_completion import Choice
    from openai.types.chat.chat_completion_message_function_tool_call import (
        ChatCompletionMessageFunctionToolCall,
        Function,
    )

    def completion(message: ChatCompletionMessage, reason: Any) -> dict[str, Any]:
        choice = Choice(index=0, finish_reason=reason, message=message)
        done = ChatCompletion(
            id="chatcmpl-1", object="chat.completion", created=0, model=model, choices=[choice]
        )
        return done.model_dump(mode="json")

    function = Function(name=TOOL, arguments=json.dumps(STRICT_ARGS))
    call = ChatCompletionMessageFunctionToolCall(id="call_1", type="function", function=function)
    return [
        completion(ChatCompletionMessage(role="assistant", tool_calls=[call]), "tool_calls"),
        completion(ChatCompletionMessage(role="assistant", content=ANSWER), "stop"),
    ]


def responses_answers(model: str) -> list[dict[str, Any]]:
    from openai.types.responses import (
        Response,
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseOutputText,
    )

    def response(item: Any) -> dict[str, Any]:
        done = Response(
            id="resp_1",
            object="response",
            created_at=0,
            model=model,
            output=[item],
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status="completed",
        )
        return done.model_dump(mode="json")

    call = ResponseFunctionToolCall(
        type="function_call",
        id="fc_1",
        call_id="call_1",
        name=TOOL,
        arguments=json.dumps(STRICT_ARGS),
        status="completed",
    )
    text = ResponseOutputText(type="output_text", text=ANSWER, annotations=[])
    message = ResponseOutputMessage(
        type="message", id="msg_1", role="assistant", status="completed", content=[text]
    )
    return [response(call), response(message)]


def responses_tool_output(body: dict[str, Any]) -> str:
    outputs = [i for i in body["input"] if i.get("type") == "function_call_output"]
    assert [o["call_id"] for o in outputs] == ["call_1"]
    return str(outputs[0]["output"])


def chat_tool_output(body: dict[str, Any]) -> str:
    tool = [m for m in body["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool] == ["call_1"]
    return str(tool[0]["content"])


async def test_openai_chat_completions(acme: tuple[AsyncGateway, str]) -> None:
    from openai import AsyncOpenAI

    module = example("openai_chat")
    fixed = FixedModel(chat_answers(module.MODEL))
    client = AsyncOpenAI(api_key="test", http_client=fixed.client())
    answer = await module.ask(client, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER
    assert all(t["function"]["strict"] for t in fixed.requests[0]["tools"])
    assert_listed_acme(fixed.tool_output(chat_tool_output))


async def test_openai_responses(acme: tuple[AsyncGateway, str]) -> None:
    from openai import AsyncOpenAI

    module = example("openai_responses")
    fixed = FixedModel(responses_answers(module.MODEL))
    client = AsyncOpenAI(api_key="test", http_client=fixed.client())
    answer = await module.ask(client, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER
    assert_listed_acme(fixed.tool_output(responses_tool_output))


async def test_openai_agents_sdk(acme: tuple[AsyncGateway, str]) -> None:
    from agents import OpenAIResponsesModel, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)  # traces would be sent to OpenAI
    module = example("openai_agents")
    fixed = FixedModel(responses_answers(module.MODEL))
    client = AsyncOpenAI(api_key="test", http_client=fixed.client())
    model = OpenAIResponsesModel(model=module.MODEL, openai_client=client)
    answer = await module.ask(model, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER
    assert all(t["strict"] for t in fixed.requests[0]["tools"])
    assert_listed_acme(fixed.tool_output(responses_tool_output))


async def test_anthropic_messages(acme: tuple[AsyncGateway, str]) -> None:
    from anthropic import AsyncAnthropic
    from anthropic.types import Message, TextBlock, ToolUseBlock, Usage

    module = example("anthropic_messages")

    def message(block: Any, reason: Any) -> dict[str, Any]:
        usage = Usage(input_tokens=1, output_tokens=1)
        done = Message(
            id="msg_1",
            type="message",
            role="assistant",
            model=module.MODEL,
            content=[block],
            stop_reason=reason,
            usage=usage,
        )
        return done.model_dump(mode="json")

    use = ToolUseBlock(type="tool_use", id="toolu_1", name=TOOL, input=PLAIN_ARGS)
    fixed = FixedModel(
        [message(use, "tool_use"), message(TextBlock(type="text", text=ANSWER), "end_turn")]
    )
    import httpx2  # the transport anthropic is built on

    client = AsyncAnthropic(api_key="test", http_client=fixed.client(httpx2))
    answer = await module.ask(client, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER

    def tool_result(body: dict[str, Any]) -> str:
        (block,) = body["messages"][-1]["content"]
        assert (block["type"], block["tool_use_id"], block["is_error"]) == (
            "tool_result",
            "toolu_1",
            False,
        )
        return str(block["content"])

    assert_listed_acme(fixed.tool_output(tool_result))


async def test_langgraph_agent(acme: tuple[AsyncGateway, str]) -> None:
    from langchain_openai import ChatOpenAI

    module = example("langgraph_agent")
    answers = chat_answers(module.MODEL)
    # LangChain tools take the catalog's own schema: objects arrive as objects.
    call = answers[0]["choices"][0]["message"]["tool_calls"][0]["function"]
    call["arguments"] = json.dumps(PLAIN_ARGS)
    fixed = FixedModel(answers)
    model = ChatOpenAI(model=module.MODEL, api_key="test", http_async_client=fixed.client())
    answer = await module.ask(model, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER
    assert_listed_acme(fixed.tool_output(chat_tool_output))


async def test_google_gemini(acme: tuple[AsyncGateway, str]) -> None:
    from google import genai
    from google.genai import types

    module = example("gemini")

    def response(part: types.Part) -> dict[str, Any]:
        content = types.Content(role="model", parts=[part])
        done = types.GenerateContentResponse(candidates=[types.Candidate(content=content)])
        return done.model_dump(mode="json", by_alias=True, exclude_none=True)

    call = types.Part(function_call=types.FunctionCall(name=TOOL, args=STRICT_ARGS))
    fixed = FixedModel([response(call), response(types.Part(text=ANSWER))])
    options = types.HttpOptions(httpx_async_client=fixed.client())
    client = genai.Client(api_key="test", http_options=options)
    answer = await module.ask(client, module.tool_caller(*acme), "Which companies do we have?")
    assert answer == ANSWER

    def function_response(body: dict[str, Any]) -> str:
        (part,) = body["contents"][-1]["parts"]
        assert part["functionResponse"]["name"] == TOOL
        return json.dumps(part["functionResponse"]["response"]["result"])

    assert_listed_acme(fixed.tool_output(function_response))
