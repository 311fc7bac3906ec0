"""Compact output keeps each attribute type's meaning: one test per Attio attribute type,
written through the tools to the emulator and read back compact (a record, a listing or a
list entry), against what the default output holds."""

from __future__ import annotations

from typing import Any

import pytest

from attio_emulator.core import values as emulator_values
from tests.gateway.conftest import Emulator
from tests.gateway.tools.conftest import Run, attribute_fields, new_company, new_deal, new_person


@pytest.fixture
def via() -> str:
    """Compact shaping is the tools' own: the direct runs (in-process emulator) suffice."""
    return "direct"


async def roundtrip(
    run: Run, type_: str, value: Any, *, slug: str = "probe", **attribute: Any
) -> tuple[Any, list[dict[str, Any]]]:
    """A ``type_`` attribute on companies, a company holding ``value`` in it; the compact
    value read back (from attio_get_company) and the default output's values."""
    options = attribute.pop("options", ())
    await run(
        "attio_create_attribute",
        **attribute_fields(object="companies", api_slug=slug, title=slug, type=type_, **attribute),
    )
    for title in options:
        await run("attio_create_select_option", object="companies", attribute=slug, title=title)
    return await read_back(run, slug, value)


async def read_back(run: Run, slug: str, value: Any) -> tuple[Any, list[dict[str, Any]]]:
    created = await run("attio_create_company", values={"name": "Probe Co", slug: value})
    record_id = created["data"]["id"]["record_id"]
    compact = await run("attio_get_company", record_id=record_id, output="compact")
    full = await run("attio_get_company", record_id=record_id)
    # A listing is shaped the same way as one record.
    listed = await run("attio_list_companies", output="compact", fields=[slug])
    mine = [r for r in listed["data"] if r["record_id"] == record_id]
    assert mine == [{"record_id": record_id, "values": {slug: compact["data"]["values"][slug]}}]
    return compact["data"]["values"][slug], full["data"]["values"][slug]


async def test_text(run: Run) -> None:
    compact, _ = await roundtrip(run, "text", "Makes anvils")
    assert compact == "Makes anvils"


async def test_number(run: Run) -> None:
    compact, _ = await roundtrip(run, "number", 42.5)
    assert compact == 42.5


async def test_checkbox(run: Run) -> None:
    compact, _ = await roundtrip(run, "checkbox", False)
    assert compact is False  # a false value is a value, not an empty attribute


async def test_currency(run: Run) -> None:
    config = {"currency": {"default_currency_code": "EUR", "display_type": "symbol"}}
    compact, _ = await roundtrip(run, "currency", 1250.5, config=config)
    assert compact == {"amount": 1250.5, "currency": "EUR"}


async def test_date(run: Run) -> None:
    compact, _ = await roundtrip(run, "date", "2026-03-01")
    assert compact == "2026-03-01"


async def test_timestamp(run: Run) -> None:
    compact, full = await roundtrip(run, "timestamp", "2026-03-01T10:00:00.000Z")
    assert compact == full[0]["value"] and compact.startswith("2026-03-01T10:00:00")


async def test_rating(run: Run) -> None:
    compact, _ = await roundtrip(run, "rating", 4)
    assert compact == 4


async def test_status_titles_on_records_and_entries(run: Run, member_id: str) -> None:
    deal = await new_deal(run, member_id, stage="In Progress")
    compact = await run("attio_get_deal", record_id=deal, output="compact")
    assert compact["data"]["values"]["stage"] == "In Progress"  # the title, not the status
    await run(
        "attio_create_list",
        name="Pipeline",
        api_slug="pipeline",
        workspace_access="full-access",
        workspace_member_access=[],
        parent_object="deals",
    )
    await run(
        "attio_create_attribute",
        **attribute_fields(list="pipeline", api_slug="step", title="Step", type="status"),
    )
    await run("attio_create_status", list="pipeline", attribute="step", title="Qualified")
    added = await run(
        "attio_add_to_list", list="pipeline", record_id=deal, entry_values={"step": "Qualified"}
    )
    entry = added["data"]["id"]["entry_id"]
    got = await run("attio_get_list_entry", list="pipeline", entry_id=entry, output="compact")
    assert got["data"]["values"]["step"] == "Qualified"
    listed = await run("attio_list_entries", list="pipeline", output="compact")
    assert [e["values"]["step"] for e in listed["data"]] == ["Qualified"]


async def test_select_single_gives_the_option_title(run: Run) -> None:
    compact, full = await roundtrip(run, "select", "Gold", options=("Gold", "Silver"))
    assert compact == "Gold"
    assert full[0]["option"]["title"] == "Gold"  # the default output keeps the option object


async def test_select_multi_gives_every_option_title(run: Run) -> None:
    compact, _ = await roundtrip(
        run, "select", ["Gold", "Silver"], is_multiselect=True, options=("Gold", "Silver")
    )
    assert sorted(compact) == ["Gold", "Silver"]


async def test_record_reference_names_the_target(run: Run) -> None:
    person = await new_person(run, "grace@example.com")
    config = {"record_reference": {"allowed_objects": ["people"]}}
    compact, _ = await roundtrip(run, "record-reference", person, config=config)
    # one query per referenced object names every target of the record or page
    assert compact == {"object": "people", "record_id": person, "name": "Alice Smith"}


async def test_actor_reference_keeps_the_actor_type(run: Run, member_id: str) -> None:
    compact, _ = await roundtrip(run, "actor-reference", member_id)
    assert compact == {"type": "workspace-member", "id": member_id}


async def test_location_keeps_the_given_parts(run: Run) -> None:
    parts = dict.fromkeys(
        ("line_2", "line_3", "line_4", "region", "latitude", "longitude"), None
    ) | {"line_1": "1 Main St", "locality": "London", "postcode": "EC1A 1BB", "country_code": "GB"}
    compact, _ = await roundtrip(run, "location", parts)
    assert compact == {
        "line_1": "1 Main St",
        "locality": "London",
        "postcode": "EC1A 1BB",
        "country_code": "GB",
    }


async def test_domain(run: Run) -> None:
    company = await new_company(run, "Acme", "acme.com")
    compact = await run("attio_get_company", record_id=company, output="compact")
    assert compact["data"]["values"]["domains"] == "acme.com"


async def test_email_address(run: Run) -> None:
    person = await new_person(run, "Grace@Example.com")
    compact = await run("attio_get_person", record_id=person, output="compact")
    assert compact["data"]["values"]["email_addresses"].lower() == "grace@example.com"


async def test_phone_number(run: Run) -> None:
    compact, _ = await roundtrip(run, "phone-number", "+442079460000")
    assert compact == "+442079460000"


async def test_personal_name(run: Run) -> None:
    created = await run(
        "attio_create_person",
        values={"name": {"first_name": "Grace", "last_name": "Hopper"}},
    )
    person = created["data"]["id"]["record_id"]
    compact = await run("attio_get_person", record_id=person, output="compact")
    assert compact["data"]["values"]["name"] == "Grace Hopper"


async def test_interaction(run: Run, emulator: Emulator, member_id: str) -> None:
    """Attio fills interaction attributes itself (email and calendar sync) and no API call
    writes them, so the value is put into the emulator's store as its sync would."""
    company = await new_company(run, "Acme", "acme.com")
    objects = emulator.state.store.table("objects")
    companies = next(o for o in objects if o["api_slug"] == "companies")
    attribute = next(
        a
        for a in emulator.state.store.table("attributes")
        if a["id"]["object_id"] == companies["id"]["object_id"]
        and a["api_slug"] == "last_interaction"
    )
    owner = {"type": "workspace-member", "id": member_id}
    body = {
        "interaction_type": "email",
        "interacted_at": "2026-03-01T15:00:00.000000000Z",
        "owner_actor": owner,
    }
    records = emulator.state.store.table("records")
    record = records.get(company)
    assert record is not None
    value = emulator_values.stored(body, attribute, owner, "2026-03-01T15:00:00.000000000Z")
    record["values"][attribute["id"]["attribute_id"]] = [value]
    records.put(company, record)
    compact = await run("attio_get_company", record_id=company, output="compact")
    assert compact["data"]["values"]["last_interaction"] == {
        "interaction_type": "email",
        "interacted_at": "2026-03-01T15:00:00.000000000Z",
        "owner_actor": owner,
    }
