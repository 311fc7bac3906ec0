"""Record queries: each operator per type, logic, record_id, paths, sorts, pages, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import add_member, create, error, ids, query


@pytest.fixture
async def people(client: httpx.AsyncClient, emulator_state: EmulatorState) -> dict[str, str]:
    """Three people at two companies, with names, emails, phones, locations and titles."""
    add_member(emulator_state, "owner@example.com")
    acme = await create(client, "companies", {"name": "Acme", "domains": ["acme.com"]})
    beta = await create(client, "companies", {"name": "Beta", "domains": ["beta.io"]})
    rows = {
        "ada": (
            {"first_name": "Ada", "last_name": "Lovelace"},
            "ada@acme.com",
            acme,
            "CTO",
            "+442071234567",
            "London",
        ),
        "alan": (
            {"first_name": "Alan", "last_name": "Turing"},
            "alan@beta.io",
            beta,
            "Researcher",
            "+15555550123",
            "Boston",
        ),
        "grace": (
            {"first_name": "Grace", "last_name": "Hopper"},
            "grace@acme.com",
            acme,
            None,
            None,
            None,
        ),
    }
    made = {}
    for key, (name, email, company, title, phone, city) in rows.items():
        values: dict[str, Any] = {
            "name": name,
            "email_addresses": [email],
            "company": {
                "target_object": "companies",
                "target_record_id": company["id"]["record_id"],
            },
        }
        if title:
            values["job_title"] = title
        if phone:
            values["phone_numbers"] = [phone]
        if city:
            values["primary_location"] = city
        made[key] = (await create(client, "people", values))["id"]["record_id"]
    made["acme"] = acme["id"]["record_id"]
    return made


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({}, {"ada", "alan", "grace"}),
        ({"email_addresses": "ada@acme.com"}, {"ada"}),
        ({"email_addresses": {"email_domain": {"$eq": "acme.com"}}}, {"ada", "grace"}),
        ({"email_addresses": {"email_address": {"$starts_with": "AL"}}}, {"alan"}),
        ({"email_addresses": {"email_local_specifier": {"$ends_with": "ce"}}}, {"grace"}),
        ({"name": "Ada Lovelace"}, {"ada"}),
        ({"name": {"first_name": "Grace"}}, {"grace"}),
        ({"name": {"last_name": {"$contains": "UR"}}}, {"alan"}),
        ({"job_title": {"$in": ["CTO", "Researcher"]}}, {"ada", "alan"}),
        ({"job_title": {"$contains": "search"}}, {"alan"}),
        ({"phone_numbers": {"country_code": {"$eq": "GB"}}}, {"ada"}),
        ({"phone_numbers": {"phone_number": {"$starts_with": "+1"}}}, {"alan"}),
        ({"primary_location": {"locality": {"$eq": "Boston"}}}, {"alan"}),
        (
            {"$or": [{"name": {"first_name": "Ada"}}, {"name": {"first_name": "Alan"}}]},
            {"ada", "alan"},
        ),
        (
            {
                "$and": [
                    {"email_addresses": {"email_domain": "acme.com"}},
                    {"$not": {"name": {"last_name": {"$starts_with": "Ho"}}}},
                ]
            },
            {"ada"},
        ),
        (
            {
                "path": [["people", "company"], ["companies", "domains"]],
                "constraints": {"root_domain": "beta.io"},
            },
            {"alan"},
        ),
        (
            {
                "path": [["people", "company"], ["companies", "name"]],
                "constraints": {"$eq": "Acme"},
            },
            {"ada", "grace"},
        ),
    ],
)
async def test_person_filters(
    client: httpx.AsyncClient, people: dict[str, str], filter_: Any, expected: set[str]
) -> None:
    response = await query(client, "people", {"filter": filter_})
    assert ids(response) == {people[k] for k in expected}


# Operators written on a multi-property attribute apply to its main property. Attio's guide
# (https://docs.attio.com/rest-api/guides/filtering-and-sorting) shows "Companies which have at
# least one domain" as {"domains": {"$not_empty": true}} and deals worth more than 500 as
# {"value": {"$gt": 500}}; a published MCP server's people search sends
# {"email_addresses": {"$eq": …}}.
@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"email_addresses": {"$eq": "ada@acme.com"}}, {"ada"}),
        ({"email_addresses": {"$contains": "@ACME."}}, {"ada", "grace"}),
        ({"email_addresses": {"$not_empty": True}}, {"ada", "alan", "grace"}),
        ({"phone_numbers": {"$starts_with": "+44"}}, {"ada"}),
        ({"phone_numbers": {"$not_empty": True}}, {"ada", "alan"}),
        ({"name": {"$contains": "lace"}}, {"ada"}),
        ({"name": {"$eq": "Grace Hopper"}}, {"grace"}),
        ({"name": {"$not_empty": True, "first_name": {"$starts_with": "A"}}}, {"ada", "alan"}),
        ({"primary_location": {"$eq": "Boston"}}, {"alan"}),
        ({"job_title": {"$not_empty": True}}, {"ada", "alan"}),
        ({"$not": {"phone_numbers": {"$not_empty": True}}}, {"grace"}),
    ],
)
async def test_operator_on_attribute_applies_to_main_property(
    client: httpx.AsyncClient, people: dict[str, str], filter_: Any, expected: set[str]
) -> None:
    response = await query(client, "people", {"filter": filter_})
    assert ids(response) == {people[k] for k in expected}


async def test_operator_on_domains_and_deal_value(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    bare = await create(client, "companies", {"name": "No domain"})
    with_domains = {people["acme"]}
    having = ids(await query(client, "companies", {"filter": {"domains": {"$not_empty": True}}}))
    assert bare["id"]["record_id"] not in having and with_domains <= having
    contains = await query(client, "companies", {"filter": {"domains": {"$contains": "acme"}}})
    assert ids(contains) == with_domains
    small = await create(
        client, "deals", {"name": "S", "stage": "Lead", "owner": "owner@example.com", "value": 100}
    )
    big = await create(
        client, "deals", {"name": "B", "stage": "Lead", "owner": "owner@example.com", "value": 900}
    )
    over = await query(client, "deals", {"filter": {"value": {"$gt": 500}}})
    assert ids(over) == {big["id"]["record_id"]}
    ranged = await query(client, "deals", {"filter": {"value": {"$gte": 100, "$lt": 500}}})
    assert ids(ranged) == {small["id"]["record_id"]}


async def test_record_id_and_reference_filters(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    by_id = await query(client, "people", {"filter": {"record_id": {"$in": [people["ada"]]}}})
    assert ids(by_id) == {people["ada"]}
    by_company = await query(
        client,
        "people",
        {
            "filter": {
                "company": {
                    "target_object": "companies",
                    "target_record_id": {"$in": [people["acme"]]},
                }
            }
        },
    )
    assert ids(by_company) == {people["ada"], people["grace"]}


async def test_number_currency_date_checkbox_status_select_operators(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    add_member(emulator_state, "owner@example.com")
    for slug, type_ in (
        ("employees", "number"),
        ("founded", "date"),
        ("public", "checkbox"),
        ("seen", "timestamp"),
        ("score", "rating"),
    ):
        body = {
            "title": slug,
            "description": None,
            "api_slug": slug,
            "type": type_,
            "is_required": False,
            "is_unique": False,
            "is_multiselect": False,
            "config": {},
        }
        assert (
            await client.post("/v2/objects/companies/attributes", json={"data": body})
        ).status_code == 200
    small = await create(
        client,
        "companies",
        {
            "name": "Small",
            "employees": 10,
            "founded": "2020-01-01",
            "public": False,
            "seen": "2026-01-01T00:00:00Z",
            "score": 2,
            "categories": ["SaaS"],
        },
    )
    big = await create(
        client,
        "companies",
        {
            "name": "Big",
            "employees": 5000,
            "founded": "1999-05-01",
            "public": True,
            "seen": "2026-06-01T12:00:00Z",
            "score": 5,
            "categories": ["B2B", "Finance"],
        },
    )
    s, b = small["id"]["record_id"], big["id"]["record_id"]
    cases: list[tuple[Any, set[str]]] = [
        ({"employees": {"$gt": 100}}, {b}),
        ({"employees": {"$gte": 10, "$lt": 5000}}, {s}),
        ({"employees": 10}, {s}),
        ({"founded": {"$lt": "2000-01-01"}}, {b}),
        ({"public": True}, {b}),
        ({"seen": {"$gte": "2026-03-01T00:00:00Z"}}, {b}),
        ({"score": {"$lte": 3}}, {s}),
        ({"categories": "Finance"}, {b}),
        ({"categories": {"$eq": "SaaS"}}, {s}),
    ]
    for filter_, expected in cases:
        assert ids(await query(client, "companies", {"filter": filter_})) == expected, filter_
    await create(
        client, "deals", {"name": "D1", "stage": "Lead", "owner": "owner@example.com", "value": 100}
    )
    won = await create(
        client,
        "deals",
        {"name": "D2", "stage": "Won 🎉", "owner": "owner@example.com", "value": 2500.5},
    )
    by_stage = await query(client, "deals", {"filter": {"stage": "Won 🎉"}})
    assert ids(by_stage) == {won["id"]["record_id"]}
    by_value = await query(
        client, "deals", {"filter": {"value": {"currency_value": {"$gt": 1000}}}}
    )
    assert ids(by_value) == {won["id"]["record_id"]}


@pytest.mark.parametrize(
    ("filter_", "needle"),
    [
        ({"first_name": "Ada"}, 'Unknown attribute "first_name"'),
        ({"email_addresses": [{"email_address": {"$eq": "a@b.co"}}]}, "is an array"),
        ({"job_title": {"$gt": "a"}}, 'Operator "$gt" is not supported'),
        ({"name": {"$gt": "x"}}, 'not supported on "name.full_name"'),
        ({"email_addresses": {"$not_empty": "yes"}}, "takes true"),
        ({"name": {"middle_name": "x"}}, "not a filterable field"),
        ({"$nor": []}, "Unknown logical operator"),
        ({"$and": []}, "non-empty array"),
        ({"email_addresses": {"email_address": {"$in": "x"}}}, "not supported"),
        ({"path": [["companies", "team"]], "constraints": {}}, "must start at"),
        ({"path": [["people", "name"], ["x", "y"]], "constraints": {}}, "path step"),
        ("not an object", "must be an object"),
    ],
)
async def test_invalid_filters_are_filter_errors(
    client: httpx.AsyncClient, people: dict[str, str], filter_: Any, needle: str
) -> None:
    response = await query(client, "people", {"filter": filter_})
    assert needle.lower() in error(response, 400, "filter_error").lower()


async def test_sorts_and_pagination(client: httpx.AsyncClient, people: dict[str, str]) -> None:
    body = {"sorts": [{"direction": "asc", "attribute": "name", "field": "last_name"}]}
    ordered = (await query(client, "people", body)).json()["data"]
    assert [r["id"]["record_id"] for r in ordered] == [
        people["grace"],
        people["ada"],
        people["alan"],
    ]
    desc = {"sorts": [{"direction": "desc", "attribute": "job_title"}]}
    titles = [
        r["values"]["job_title"] for r in (await query(client, "people", desc)).json()["data"]
    ]
    assert [t[0]["value"] if t else None for t in titles] == ["Researcher", "CTO", None]
    page = await query(client, "people", {**body, "limit": 2.0, "offset": 1})
    assert [r["id"]["record_id"] for r in page.json()["data"]] == [people["ada"], people["alan"]]
    bad = await query(client, "people", {"limit": "many"})
    error(bad, 400, "validation_type")
    bad_sort = await query(client, "people", {"sorts": [{"direction": "up", "attribute": "name"}]})
    error(bad_sort, 400, "validation_type")


async def test_sort_by_path_through_a_reference(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    by_company = {
        "sorts": [
            {"direction": "desc", "path": [["people", "company"], ["companies", "name"]]},
            {"direction": "asc", "attribute": "name", "field": "first_name"},
        ]
    }
    ordered = (await query(client, "people", by_company)).json()["data"]
    # Beta (Alan) before Acme (Ada, Grace), then first names within Acme.
    assert [r["id"]["record_id"] for r in ordered] == [
        people["alan"],
        people["ada"],
        people["grace"],
    ]
    bad = {"sorts": [{"direction": "asc", "path": [["people", "job_title"], ["x", "y"]]}]}
    assert "not a record reference" in error(
        await query(client, "people", bad), 400, "filter_error"
    )


async def test_unsorted_pages_follow_creation_order(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    firsts = [
        (await query(client, "people", {"limit": 1, "offset": offset})).json()["data"]
        for offset in range(4)
    ]
    assert [page[0]["id"]["record_id"] for page in firsts[:3]] == [
        people["ada"],
        people["alan"],
        people["grace"],
    ]
    assert firsts[3] == []


async def test_unfiltered_pages_skip_deleted_records(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    """An unfiltered, unsorted page is cut straight from the creation order (the bulk
    export path); a deleted record leaves no gap and is never returned."""
    deleted = await client.delete(f"/v2/objects/people/records/{people['alan']}")
    assert deleted.status_code == 200
    for body in ({"limit": 2}, {"limit": 2, "filter": {}}):
        page = (await query(client, "people", body)).json()["data"]
        assert [r["id"]["record_id"] for r in page] == [people["ada"], people["grace"]]
    rest = (await query(client, "people", {"limit": 5, "offset": 1})).json()["data"]
    assert [r["id"]["record_id"] for r in rest] == [people["grace"]]


async def test_eq_through_the_value_index_matches_case_insensitively(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    response = await query(client, "people", {"filter": {"email_addresses": "GRACE@acme.com"}})
    assert ids(response) == {people["grace"]}
    both = {"filter": {"$and": [{"email_addresses": "ada@acme.com"}, {"job_title": "CTO"}]}}
    assert ids(await query(client, "people", both)) == {people["ada"]}
    neither = {"filter": {"$and": [{"email_addresses": "ada@acme.com"}, {"job_title": "x"}]}}
    assert ids(await query(client, "people", neither)) == set()


async def test_search(client: httpx.AsyncClient, people: dict[str, str]) -> None:
    body = {
        "query": "acme",
        "objects": ["companies", "people"],
        "request_as": {"type": "workspace"},
    }
    found = (await client.post("/v2/objects/records/search", json=body)).json()["data"]
    assert {item["object_slug"] for item in found} == {"companies", "people"}
    company = next(item for item in found if item["object_slug"] == "companies")
    assert company["domains"] == ["acme.com"] and company["record_text"] == "Acme"
    limited = await client.post("/v2/objects/records/search", json={**body, "limit": 1})
    assert len(limited.json()["data"]) == 1
    too_many = await client.post("/v2/objects/records/search", json={**body, "limit": 26})
    error(too_many, 400, "validation_type")
    no_request_as = {"query": "a", "objects": ["people"]}
    error(
        await client.post("/v2/objects/records/search", json=no_request_as), 400, "validation_type"
    )


async def test_status_active_from_filters(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    """https://docs.attio.com/docs/attribute-types/attribute-types-status: status attributes
    "can also be filtered based on when they were modified, using the active_from property"
    with $lt, $lte, $gt, $gte."""
    add_member(emulator_state, "owner@example.com")
    emulator_state.clock.set(datetime(2026, 1, 10, tzinfo=UTC))
    early = await create(
        client, "deals", {"name": "E", "stage": "Lead", "owner": "owner@example.com"}
    )
    late = await create(
        client, "deals", {"name": "L", "stage": "Lead", "owner": "owner@example.com"}
    )
    emulator_state.clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    moved = await client.patch(
        f"/v2/objects/deals/records/{late['id']['record_id']}",
        json={"data": {"values": {"stage": "Won 🎉"}}},
    )
    assert moved.status_code == 200, moved.text
    since = {"stage": {"active_from": {"$gte": "2026-02-01T00:00:00Z"}}}
    assert ids(await query(client, "deals", {"filter": since})) == {late["id"]["record_id"]}
    before = {"stage": {"active_from": {"$lt": "2026-02-01T00:00:00.000000000Z"}}}
    assert ids(await query(client, "deals", {"filter": before})) == {early["id"]["record_id"]}
    both = {"$and": [{"stage": "Won 🎉"}, since]}
    assert ids(await query(client, "deals", {"filter": both})) == {late["id"]["record_id"]}
    no_eq = await query(client, "deals", {"filter": {"stage": {"active_from": {"$eq": "x"}}}})
    assert "not supported" in error(no_eq, 400, "filter_error")
