"""Output shaping: compact values and the size budget (pure functions, with properties)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from attio_gateway.tools.output import compact_record, page


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=300), max_size=40),
    budget=st.integers(min_value=1, max_value=2000),
    limit=st.integers(min_value=1, max_value=50),
)
def test_budgeted_pages_partition_the_items(sizes: list[int], budget: int, limit: int) -> None:
    """Walking next_offset returns every item exactly once, in order, whatever the budget."""
    items = [{"i": i, "pad": "x" * n} for i, n in enumerate(sizes)]
    seen: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        result = page(items[offset : offset + limit], offset=offset, limit=limit, budget=budget)
        assert result["data"] or offset >= len(items)  # always progress
        seen.extend(result["data"])
        offset = result["next_offset"]
        if offset is not None and offset >= len(items):
            offset = None
    assert seen == items


def test_compact_keeps_every_value_and_drops_metadata() -> None:
    meta = {"active_from": "2026-01-01", "active_until": None, "created_by_actor": {}}
    record = {
        "id": {"record_id": "r1"},
        "web_url": "https://app.attio.com/x",
        "values": {
            "email_addresses": [
                {**meta, "attribute_type": "email-address", "email_address": "a@x.com"},
                {**meta, "attribute_type": "email-address", "email_address": "b@x.com"},
            ],
            "stage": [{**meta, "attribute_type": "status", "status": {"title": "Lead"}}],
            "value": [
                {**meta, "attribute_type": "currency", "currency_value": 5, "currency_code": "USD"}
            ],
            "description": [],
        },
    }
    compact = compact_record(record)
    assert compact["values"] == {
        "email_addresses": ["a@x.com", "b@x.com"],
        "stage": "Lead",
        "value": {"amount": 5, "currency": "USD"},
    }
    assert compact_record(record, ["stage"])["values"] == {"stage": "Lead"}
