"""Results that fit: a 500-company listing through MCP comes in parts within the token budget,
read to the end with attio_read_result, by its own account only; parts expire."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from attio_emulator.server import RunningEmulator
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records.models import create_record
from attio_gateway.errors import NotFoundError, ToolInputError
from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user
from attio_gateway.tools.results import CHARS_PER_TOKEN, ResultStore, split

ACTOR = {"type": "system", "id": None}


def _companies(running: RunningEmulator, count: int) -> None:
    state = running.state
    companies = get_object(state, "companies")
    with state.store.batch():
        for i in range(count):
            create_record(
                state,
                companies,
                {"name": f"Company {i:04d}", "domains": [f"c{i:04d}.example"]},
                ACTOR,
            )


async def test_a_500_company_listing_is_read_to_the_end_within_the_budget(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    _companies(running_emulator, 500)
    await connect_user(gateway, "alice")
    await connect_user(gateway, "bob")
    budget = 2_000  # tokens: small, so the compact listing takes several parts
    store = ResultStore()
    alice = Client(
        build_server(
            gateway, account_of=fixed_account("alice"), budget_tokens=budget, results=store
        )
    )
    bob = Client(
        build_server(gateway, account_of=fixed_account("bob"), budget_tokens=budget, results=store)
    )
    names: list[str] = []
    async with alice as client:
        result = await client.call_tool("attio_list_companies", {"limit": 500})
        parts = 1
        while True:
            assert not result.is_error, result.structured_content
            assert len(result.content[0].text) <= budget * CHARS_PER_TOKEN
            part = result.structured_content
            assert json.loads(result.content[0].text) == part
            names += [c["values"]["name"] for c in part["data"]]
            if part["next_cursor"] is None:
                break
            result = await client.call_tool(
                "attio_read_result",
                {"result_id": part["result_id"], "cursor": part["next_cursor"]},
            )
            parts += 1
        result_id = part["result_id"]
    assert parts >= 3
    assert names == [f"Company {i:04d}" for i in range(500)]  # every one, once, in order
    assert part["next_offset"] == 500  # the listing's own keys come with the last part
    async with bob as client:  # another account cannot read alice's result
        refused = await client.call_tool(
            "attio_read_result", {"result_id": result_id, "cursor": "1"}
        )
    assert refused.is_error and refused.structured_content["error"]["code"] == "not_found"


async def test_a_small_result_is_not_split_and_default_budget_is_8k(
    gateway: AsyncGateway, running_emulator: RunningEmulator
) -> None:
    _companies(running_emulator, 30)
    await connect_user(gateway, "alice")
    async with Client(build_server(gateway, account_of=fixed_account("alice"))) as client:
        listed = await client.call_tool("attio_list_companies", {"limit": 30})
        full = await client.call_tool("attio_list_companies", {"limit": 30, "output": "full"})
    assert (
        "result_id" not in listed.structured_content
        and len(listed.structured_content["data"]) == 30
    )
    # 30 full records are ~70 kB: past 8k tokens, so they come in parts
    assert full.structured_content["next_cursor"] == "1"
    assert len(full.content[0].text) <= 8_000 * CHARS_PER_TOKEN


def test_parts_expire_and_cursors_are_checked() -> None:
    now = [0.0]
    store = ResultStore(ttl=60, clock=lambda: now[0])
    big = {"data": [{"i": i, "pad": "x" * 100} for i in range(100)]}
    first = store.fit("alice", big, budget_tokens=500)
    assert first["next_cursor"] == "1"
    with pytest.raises(ToolInputError):
        store.read("alice", first["result_id"], "99")
    assert store.read("alice", first["result_id"], "1")["data"]
    now[0] = 61
    with pytest.raises(NotFoundError):
        store.read("alice", first["result_id"], "1")


def test_a_value_too_large_for_one_part_is_split_as_text() -> None:
    big: dict[str, Any] = {"data": {"text": "y" * 10_000}}
    parts = split(big, 2_000)
    assert len(parts) > 1 and all(len(json.dumps(p)) <= 2_000 for p in parts)
    assert json.loads("".join(p["text"] for p in parts)) == big


def _listing(n: int) -> dict[str, Any]:
    return {"data": [{"i": i, "pad": "x" * 100} for i in range(n)]}


def test_the_store_is_bounded_in_characters_least_recently_used_first() -> None:
    one = split(_listing(100), 500 * CHARS_PER_TOKEN)
    rest = sum(len(json.dumps(p, separators=(",", ":"))) for p in one[1:])
    store = ResultStore(max_chars=rest * 2 + 10)
    a = store.fit("alice", _listing(100), budget_tokens=500)
    b = store.fit("alice", _listing(100), budget_tokens=500)
    assert len(store) == 2 and store.chars <= rest * 2 + 10
    store.read("alice", a["result_id"], "1")  # a is now the most recently used
    c = store.fit("bob", _listing(100), budget_tokens=500)
    assert len(store) == 2 and store.chars <= rest * 2 + 10
    with pytest.raises(NotFoundError):
        store.read("alice", b["result_id"], "1")  # b went first
    assert store.read("alice", a["result_id"], "1")["data"]
    assert store.read("bob", c["result_id"], "1")["data"]


def test_results_are_per_account_and_counted_out_when_they_expire() -> None:
    now = [0.0]
    store = ResultStore(ttl=60, clock=lambda: now[0])
    first = store.fit("alice", _listing(100), budget_tokens=500)
    with pytest.raises(NotFoundError):
        store.read("bob", first["result_id"], "1")
    assert store.chars > 0
    now[0] = 61
    store.fit("alice", {"data": []})  # any use purges
    with pytest.raises(NotFoundError):
        store.read("alice", first["result_id"], "1")
    assert len(store) == 0 and store.chars == 0


def test_a_result_too_large_to_keep_says_so_instead_of_a_cursor() -> None:
    store = ResultStore(max_chars=1_000)
    first = store.fit("alice", _listing(100), budget_tokens=500)
    assert first["complete"] is False and first["next_cursor"] is None
    assert first["result_id"] is None and "too large to keep" in first["note"]
    assert first["data"] and len(store) == 0
