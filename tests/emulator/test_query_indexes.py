"""The cached sort orders and text columns answer exactly as the plain scan does, and follow
every write. Each query is asked twice: as written (served from ``columns``) and in a form the
caches do not serve (a filter wrapped in ``$or``, a sort given twice), which runs the
predicate over every record and ``sort_rows``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.helpers import create, query

PEOPLE = [
    ("Ada", "Lovelace", ["ada@acme.com", "countess@analytical.org"], "CTO"),
    ("Alan", "Turing", ["alan@bletchley.uk"], "Researcher"),
    ("Grace", "Hopper", ["grace@navy.mil"], None),
    ("Ada", "Byron", [], "CTO"),
    ("Edsger", "Dijkstra", ["ewd@utexas.edu"], "Researcher"),
    ("Barbara", "Liskov", ["liskov@mit.edu"], "Professor"),
    ("ada", "lovelace", ["second.ada@acme.com"], None),
]


@pytest.fixture
async def people(client: httpx.AsyncClient) -> list[str]:
    made = []
    for first, last, emails, title in PEOPLE:
        values: dict[str, Any] = {
            "name": {"first_name": first, "last_name": last, "full_name": f"{first} {last}"},
            "email_addresses": emails,
        }
        if title:
            values["job_title"] = title
        made.append((await create(client, "people", values))["id"]["record_id"])
    return made


async def order(client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
    response = await query(client, "people", body)
    assert response.status_code == 200, response.text
    return [r["id"]["record_id"] for r in response.json()["data"]]


async def same_as_scan(client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
    """The answer, after checking it equals the uncached plan's."""
    plain = dict(body)
    if "filter" in plain:
        plain["filter"] = {"$or": [plain["filter"]]}
    if "sorts" in plain:
        plain["sorts"] = plain["sorts"] * 2
    served = await order(client, body)
    assert served == await order(client, plain), body
    return served


SORTS = [
    {"direction": direction, "attribute": attribute, **({"field": field} if field else {})}
    for direction in ("asc", "desc")
    for attribute, field in (
        ("name", "last_name"),
        ("name", "first_name"),
        ("name", None),
        ("job_title", None),
        ("email_addresses", None),
        ("created_at", None),
    )
]
FILTERS: list[Any] = [
    {"name": {"full_name": {"$contains": "ADA"}}},
    {"name": {"$contains": "love"}},
    {"name": {"first_name": {"$starts_with": "a"}}},
    {"name": {"last_name": {"$ends_with": "ER"}}},
    {"email_addresses": {"email_address": {"$contains": "acme"}}},
    {"email_addresses": {"$ends_with": ".edu"}},
    {"email_addresses": {"email_domain": {"$starts_with": "m"}}},
    {"job_title": {"$contains": "search"}},
    {"$and": [{"job_title": {"$contains": "c"}}, {"name": {"first_name": "Ada"}}]},
    {"name": {"full_name": {"$contains": "nobody at all"}}},
    {"name": {"full_name": {"$contains": "a l"}}},  # across first and last name
    {"name": {"full_name": {"$contains": "e\u0000"}}},  # a separator in the needle
]


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: f"{s['attribute']}.{s.get('field')}")
async def test_sorted_pages_match_the_scan(
    client: httpx.AsyncClient, people: list[str], sort: dict[str, Any]
) -> None:
    everything = await same_as_scan(client, {"sorts": [sort]})
    assert sorted(everything) == sorted(people)
    for offset, limit in ((0, 2), (3, 3), (6, 5), (20, 1)):
        page = await same_as_scan(client, {"sorts": [sort], "offset": offset, "limit": limit})
        assert page == everything[offset : offset + limit]


@pytest.mark.parametrize("filter_", FILTERS)
async def test_text_filters_match_the_scan(
    client: httpx.AsyncClient, people: list[str], filter_: Any
) -> None:
    await same_as_scan(client, {"filter": filter_})
    await same_as_scan(client, {"filter": filter_, "limit": 1, "offset": 1})
    for sort in SORTS[:2]:
        await same_as_scan(client, {"filter": filter_, "sorts": [sort]})


async def test_caches_follow_every_write(client: httpx.AsyncClient, people: list[str]) -> None:
    by_last = {"sorts": [{"direction": "asc", "attribute": "name", "field": "last_name"}]}
    contains = {"filter": {"email_addresses": {"$contains": "zed"}}}
    before = await same_as_scan(client, by_last)
    assert await same_as_scan(client, contains) == []
    # An update moves a record in the order and into the text column.
    moved = await client.patch(
        f"/v2/objects/people/records/{people[1]}",
        json={"data": {"values": {"name": "Aaronson, Zed", "email_addresses": ["zed@x.io"]}}},
    )
    assert moved.status_code == 200, moved.text
    after = await same_as_scan(client, by_last)
    assert after[0] == people[1] and after != before
    assert await same_as_scan(client, contains) == [people[1]]
    # A new record and a deleted one.
    added = await create(
        client, "people", {"name": "Zuse, Konrad", "email_addresses": ["z@zed.de"]}
    )
    assert (await client.delete(f"/v2/objects/people/records/{people[0]}")).status_code == 200
    final = await same_as_scan(client, by_last)
    assert added["id"]["record_id"] in final and people[0] not in final
    assert await same_as_scan(client, contains) == [people[1], added["id"]["record_id"]]


async def test_value_index_follows_shared_values(
    client: httpx.AsyncClient, people: list[str]
) -> None:
    """The value index keeps one id for a value one record holds and a set once several do;
    both forms must follow writes (CTO: two holders → one → none → one again)."""
    cto = {"filter": {"job_title": "CTO"}}
    assert await same_as_scan(client, cto) == [people[0], people[3]]
    for record_id, title, expected in (
        (people[0], "CEO", [people[3]]),
        (people[3], "CEO", []),
        (people[1], "CTO", [people[1]]),
    ):
        changed = await client.patch(
            f"/v2/objects/people/records/{record_id}",
            json={"data": {"values": {"job_title": title}}},
        )
        assert changed.status_code == 200, changed.text
        assert await same_as_scan(client, cto) == expected
        await same_as_scan(client, {"filter": {"job_title": "CEO"}})
