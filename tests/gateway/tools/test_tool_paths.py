"""Tool parameters cannot steer a request: ids are checked and encoded into their own path
segment (issue 14, item 1), and values JSON cannot carry are refused naming the field."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import attio_gateway.tools
from attio_emulator.app import create_app, transport
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_gateway.errors import ToolInputError, UpstreamError
from attio_gateway.proxy import AttioClient
from attio_gateway.tools import catalog, execute_tool
from tests.gateway.tools.conftest import Run, new_company, new_person

MISSING = "00000000-0000-4000-8000-000000000000"


async def test_a_traversal_task_id_is_refused_and_the_company_is_still_there(run: Run) -> None:
    company = await new_company(run)
    # Before: DELETE /v2/tasks/../objects/companies/records/<id> deleted the company.
    with pytest.raises(ToolInputError) as caught:
        await run("attio_delete_task", task_id=f"../objects/companies/records/{company}")
    assert caught.value.field == "task_id"
    got = await run("attio_get_company", record_id=company)
    assert got["data"]["id"]["record_id"] == company


@pytest.mark.parametrize(
    ("tool", "given", "field"),
    [
        ("attio_get_company", {"record_id": "a" * 100_000}, "record_id"),
        ("attio_delete_company", {"record_id": f"{MISSING}/../{MISSING}"}, "record_id"),
        ("attio_get_record", {"object": "../lists", "record_id": MISSING}, "object"),
        ("attio_delete_note", {"note_id": "%2e%2e"}, "note_id"),
        ("attio_delete_comment", {"comment_id": f"{MISSING}?x"}, "comment_id"),
        ("attio_get_thread", {"thread_id": "..\\x"}, "thread_id"),
        ("attio_delete_webhook", {"webhook_id": "../../oauth/token"}, "webhook_id"),
        ("attio_get_workspace_member", {"workspace_member_id": "\x00"}, "workspace_member_id"),
        ("attio_get_meeting", {"meeting_id": "x/y"}, "meeting_id"),
        ("attio_get_list", {"list": "sales/../../objects"}, "list"),
        ("attio_remove_from_list", {"list": "sales", "entry_id": "../x"}, "entry_id"),
        ("attio_list_attributes", {"object": "people/../../_emulator"}, "object"),
        (
            "attio_update_select_option",
            {"object": "companies", "attribute": "categories", "option": "../..", "title": "x"},
            "option",
        ),
        (
            "attio_get_call_transcript",
            {"meeting_id": MISSING, "call_recording_id": "../../../self"},
            "call_recording_id",
        ),
        (
            "attio_list_lists",
            {"parent_object": "deals", "parent_record_id": "../../x"},
            "parent_record_id",
        ),
    ],
)
async def test_an_id_attio_would_not_take_is_a_tool_input_error_naming_it(
    run: Run, tool: str, given: dict[str, Any], field: str
) -> None:
    with pytest.raises(ToolInputError) as caught:
        await run(tool, **given)
    assert caught.value.field == field
    assert field in caught.value.message


async def test_a_select_option_title_with_spaces_and_symbols_still_reaches_attio(
    run: Run,
) -> None:
    created = await run(
        "attio_create_select_option",
        object="companies",
        attribute="categories",
        title="B2B & SaaS 100%",
    )
    assert created["data"]["title"] == "B2B & SaaS 100%"
    renamed = await run(
        "attio_update_select_option",
        object="companies",
        attribute="categories",
        option="B2B & SaaS 100%",
        title="B2B?",
    )
    assert renamed["data"]["title"] == "B2B?"


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
async def test_nan_or_infinity_in_a_tool_value_is_refused_naming_it(
    run: Run, number: float
) -> None:
    person = await new_person(run)
    with pytest.raises(ToolInputError) as caught:
        await run("attio_update_person", record_id=person, values={"name": number})
    assert caught.value.field == "values.name"
    with pytest.raises(ToolInputError) as caught:
        await run("attio_list_people", filter={"name": {"$eq": [number]}})
    assert caught.value.field == "filter.name.$eq.0"


def test_no_tool_builds_an_attio_path_from_an_f_string() -> None:
    """Every path is built by ``attio_path``: no f-string in the tools holds ``/v2`` or a
    ``/<segment>/`` of Attio's API next to an interpolated value."""
    found = []
    for source in Path(attio_gateway.tools.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if "/v2" in text or "/attributes" in text or "/records" in text:
                found.append(f"{source.name}:{node.lineno}")
    assert not found, found


class Recording(httpx.AsyncBaseTransport):
    """The emulator in process, noting the method and raw path of every request sent."""

    def __init__(self) -> None:
        state = EmulatorState(store=Store())
        self.token = state.issue_token()["token"]
        self.inner = transport(create_app(state))
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.raw_path.decode()))
        return await self.inner.handle_async_request(request)


#: (tool, the parameter drawn, other input, the one request it may send).
STEERABLE = [
    ("attio_delete_task", "task_id", {}, ("DELETE", "/v2/tasks/{}")),
    ("attio_get_note", "note_id", {}, ("GET", "/v2/notes/{}")),
    (
        "attio_delete_record",
        "object",
        {"record_id": MISSING},
        ("DELETE", "/v2/objects/{}/records/" + MISSING),
    ),
    (
        "attio_delete_record",
        "record_id",
        {"object": "people"},
        ("DELETE", "/v2/objects/people/records/{}"),
    ),
    ("attio_update_task", "task_id", {"is_completed": True}, ("PATCH", "/v2/tasks/{}")),
    (
        "attio_remove_from_list",
        "entry_id",
        {"list": "sales"},
        ("DELETE", "/v2/lists/sales/entries/{}"),
    ),
    ("attio_get_list", "list", {}, ("GET", "/v2/lists/{}")),
]
ANY_ID = st.one_of(
    st.text(),
    st.uuids().map(str),
    st.uuids().map(str).flatmap(lambda u: st.text().map(lambda t: u + t)),
    st.text(alphabet="./%2eEfF\\?#", max_size=12).map(lambda t: MISSING + t),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(STEERABLE), value=ANY_ID)
def test_no_tool_parameter_changes_the_method_or_path_sent(
    case: tuple[str, str, dict[str, Any], tuple[str, str]], value: str
) -> None:
    tool, name, others, (method, template) = case
    wire = Recording()

    async def call() -> None:
        async with AttioClient(token=wire.token, transport=wire) as attio:
            # Refused before sending, or Attio's 404: either way, look at the wire.
            with contextlib.suppress(ToolInputError, UpstreamError):
                await execute_tool(
                    catalog=catalog(),
                    name=tool,
                    tool_input={name: value, **others},
                    attio=attio,
                    granted_scopes=None,
                )

    asyncio.run(call())
    want = template.split("/")
    for sent_method, sent_path in wire.sent:
        assert sent_method == method
        got = sent_path.split("?")[0].split("/")
        assert len(got) == len(want), sent_path
        for fixed, part in zip(want, got, strict=True):
            if fixed != "{}":
                assert part == fixed, sent_path
        assert re.fullmatch(r"[A-Za-z0-9_%.~-]+", got[want.index("{}")]), sent_path
