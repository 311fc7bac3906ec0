"""Every example of Attio's public REST docs for filtering and sorting and for each
attribute type (reading, writing, filtering), sent as the page writes it.

Sources (stored copies of docs.attio.com; each case names its page):

- the filtering and sorting guide, https://docs.attio.com/rest-api/how-to/filtering-and-sorting
  (also served at https://docs.attio.com/rest-api/guides/filtering-and-sorting);
- the attribute type pages, https://docs.attio.com/docs/attribute-types/attribute-types-<type>;
- the "List company records" reference, whose request example is a filter with a sort.

How an example is sent: ``body`` is the JSON text of the page's code block. A block that is a
whole request body (it starts with ``filter`` or ``sorts``, or a write's ``values``) is sent as
that body; a block that is a bare filter (the guide's comparison and logic examples) is sent
as the ``filter`` of a query, the one place a filter goes. The object (or list) is the one the
page's caption names. Placeholders the page leaves for ids (``[laurens-id]``,
``[steve-jobs-record-id]``) and example record ids that cannot exist in a fresh workspace
(``99a03ff3-…``) are replaced by ids of this test's workspace, named in ``ids``; the pages'
workspace-member ids are used as they are (the members are created with those ids). The
stored copies show only the first tab of each code group, so tabs whose text is not stored
are not cases. Pages whose example cannot work on Attio as written (a slug the object does
not have, a body without Attio's ``data`` envelope) are cases too: they check that the answer
is a clear 4xx naming the problem, and docs/emulator.md lists them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.members import models as members
from tests.emulator.helpers import create, text_attribute

GUIDE = "https://docs.attio.com/rest-api/how-to/filtering-and-sorting"
TYPES = "https://docs.attio.com/docs/attribute-types/attribute-types-"
COMPANY_LIST = "https://docs.attio.com/rest-api/endpoint-reference/companies/list-company-records"

#: Workspace members with the ids the pages use (Tom: interaction and actor-reference pages).
TOM = "50cf242c-7fa3-4cad-87d0-75b1af71c57b"
CREATED_BY_MEMBER = "ec44a06c-b690-4e4f-95b6-757fb4e2f55f"


@dataclass
class World:
    """The workspace the examples run against: record ids by label, and how to label."""

    records: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, record: dict[str, Any]) -> None:
        self.records[label] = record["id"]["record_id"]
        self.labels[record["id"]["record_id"]] = label


Check = Callable[[httpx.Response, World], None]


@dataclass(frozen=True)
class Example:
    case: str
    url: str
    target: str  # "people", "list:candidates", …
    body: str
    check: Check
    kind: str = "query"  # "query" (body), "filter" (bare filter), "write" (record values)
    ids: tuple[tuple[str, str], ...] = ()  # (text in the page, label of a record here)


def matches(*labels: str, ordered: bool = False) -> Check:
    def check(response: httpx.Response, world: World) -> None:
        assert response.status_code == 200, response.text
        rows = response.json()["data"]
        got = [
            world.entries.get(row["id"]["entry_id"], "?")
            if "entry_id" in row["id"]
            else world.labels.get(row["id"]["record_id"], "?")
            for row in rows
        ]
        if ordered:
            assert got == list(labels), got
        else:
            assert sorted(got) == sorted(labels), got

    return check


def rejected(status: int, code: str, *fragments: str) -> Check:
    def check(response: httpx.Response, world: World) -> None:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["code"] == code, body
        for fragment in fragments:
            assert fragment in body["message"], body["message"]

    return check


def stored(slug: str, **expected: Any) -> Check:
    """A write answered 200 and the attribute reads back with these properties."""

    def check(response: httpx.Response, world: World) -> None:
        assert response.status_code == 200, response.text
        values = response.json()["data"]["values"][slug]
        assert values, response.text
        for key, want in expected.items():
            got = [v[key] for v in values]
            assert got == (want if isinstance(want, list) else [want]), (key, got)

    return check


EXAMPLES: list[Example] = [
    # --- the filtering and sorting guide ---------------------------------------------------
    Example(
        "guide-shorthand",
        GUIDE,
        "people",
        '{"filter": {"name": "John Smith", "email_addresses": "john@smith.com"}}',
        matches("john"),
    ),
    Example(
        # The page posts it to companies, which have neither a personal name nor emails.
        "guide-shorthand-on-companies-as-posted",
        GUIDE,
        "companies",
        '{"filter": {"name": "John Smith", "email_addresses": "john@smith.com"}}',
        rejected(400, "filter_error", "email_addresses"),
    ),
    Example(
        "guide-verbose",
        GUIDE,
        "people",
        """{"filter": {"$and": [
             {"name": {"full_name": {"$eq": "John Smith"}}},
             {"email_addresses": {"email_address": {"$eq": "john@smith.com"}}}]}}""",
        matches("john"),
    ),
    Example(
        "guide-eq-deal-name",
        GUIDE,
        "deals",
        '{"name": {"$eq": "Contract with Apple"}}',
        matches("apple-contract"),
        kind="filter",
    ),
    Example(
        "guide-not-empty-domains",
        GUIDE,
        "companies",
        '{"domains": {"$not_empty": true}}',
        matches("apple", "apple-records", "attio", "company-com"),
        kind="filter",
    ),
    Example(
        "guide-in-record-id",
        GUIDE,
        "people",
        """{"filter": {"record_id": {"$in": ["000e8881-37cc-41d2-bc22-39fe35e76e6b",
             "592dc9d8-548b-4148-813f-1259055ca83c"]}}}""",
        matches("john", "jane"),
        ids=(
            ("000e8881-37cc-41d2-bc22-39fe35e76e6b", "john"),
            ("592dc9d8-548b-4148-813f-1259055ca83c", "jane"),
        ),
    ),
    Example(
        "guide-in-record-id-unknown-ids",
        GUIDE,
        "people",
        """{"filter": {"record_id": {"$in": ["000e8881-37cc-41d2-bc22-39fe35e76e6b",
             "592dc9d8-548b-4148-813f-1259055ca83c"]}}}""",
        matches(),
    ),
    Example(
        "guide-contains-locality",
        GUIDE,
        "companies",
        '{"primary_location": {"locality": {"$contains": "new york"}}}',
        matches("apple-records"),
        kind="filter",
    ),
    Example(
        "guide-contains-name",
        GUIDE,
        "companies",
        '{"name": {"$contains": "LTD"}}',
        matches("apple-records"),
        kind="filter",
    ),
    Example(
        "guide-starts-with-phone",
        GUIDE,
        "people",
        '{"phone_numbers": {"$starts_with": "+44"}}',
        matches("john", "ada"),
        kind="filter",
    ),
    Example(
        "guide-ends-with-job-title",
        GUIDE,
        "people",
        '{"job_title": {"$ends_with": "of things"}}',
        matches("john"),
        kind="filter",
    ),
    Example(
        "guide-starts-and-ends-with-phone",
        GUIDE,
        "people",
        '{"phone_numbers": {"$starts_with": "+44", "$ends_with": "798"}}',
        matches("john"),
        kind="filter",
    ),
    Example(
        # twitter_follower_count is enriched (read-only, empty here): nobody matches.
        "guide-gte-followers",
        GUIDE,
        "people",
        '{"twitter_follower_count": {"$gte": 1000}}',
        matches(),
        kind="filter",
    ),
    Example(
        "guide-between-followers",
        GUIDE,
        "people",
        '{"twitter_follower_count": {"$gte": 100, "$lt": 200}}',
        matches(),
        kind="filter",
    ),
    Example(
        # foundation_date is enriched (read-only, empty here): nobody matches.
        "guide-founded-in-2019",
        GUIDE,
        "companies",
        '{"foundation_date": {"$gte": "2019-01-01", "$lte": "2019-12-31"}}',
        matches(),
        kind="filter",
    ),
    Example(
        "guide-and-stage-owner",
        GUIDE,
        "deals",
        """{"$and": [{"stage": "In Progress"},
             {"owner": {"referenced_actor_type": "workspace-member",
                        "referenced_actor_id": "[laurens-id]"}}]}""",
        matches("apple-contract"),
        kind="filter",
    ),
    Example(
        "guide-or-kanban-stage",
        GUIDE,
        "list:board",
        '{"$or": [{"stage": "One"}, {"stage": "Two"}]}',
        matches("entry-one", "entry-two"),
        kind="filter",
    ),
    Example(
        "guide-not-first-name",
        GUIDE,
        "people",
        '{"$not": {"name": {"first_name": "John"}}}',
        matches("jane", "steve", "ada"),
        kind="filter",
    ),
    Example(
        "guide-not-stage",
        GUIDE,
        "deals",
        '{"$not": {"stage": "In Progress"}}',
        matches("renewal", "big-deal"),
        kind="filter",
    ),
    Example(
        "guide-and-not-root-domain",
        GUIDE,
        "companies",
        """{"$and": [{"name": {"$contains": "Apple"}},
             {"$not": {"domains": {"root_domain": "apple.com"}}}]}""",
        matches("apple-records"),
        kind="filter",
    ),
    Example(
        "guide-owner-alice-or-bob-over-500",
        GUIDE,
        "deals",
        """{"$and": [
             {"$or": [
               {"owner": {"referenced_actor_type": "workspace-member",
                          "referenced_actor_id": "[alices-id]"}},
               {"owner": {"referenced_actor_type": "workspace-member",
                          "referenced_actor_id": "[bobs-id]"}}]},
             {"value": {"$gt": 500}}]}""",
        matches("big-deal"),
        kind="filter",
    ),
    Example(
        "guide-path-parent-record-email",
        GUIDE,
        "list:candidates",
        """{"path": [["candidates", "parent_record"], ["people", "email_addresses"]],
            "constraints": {"email_domain": "apple.com"}}""",
        matches("candidate-jane"),
        kind="filter",
    ),
    Example(
        # The page names the companies object "company" in the last step.
        "guide-path-worked-with-steve-jobs",
        GUIDE,
        "list:candidates",
        """{"path": [["candidates", "parent_record"], ["people", "company"],
                     ["company", "team"]],
            "constraints": {"target_object": "people",
                            "target_record_id": "[steve-jobs-record-id]"}}""",
        matches("candidate-jane"),
        kind="filter",
    ),
    Example(
        "guide-sort-last-name-then-email",
        GUIDE,
        "people",
        """{"sorts": [{"direction": "asc", "attribute": "name", "field": "last_name"},
                      {"direction": "desc", "attribute": "email_addresses"}]}""",
        matches("jane", "steve", "ada", "john", ordered=True),
    ),
    Example(
        "guide-sort-by-company-name",
        GUIDE,
        "people",
        """{"sorts": [{"direction": "asc",
                       "path": [["people", "company"], ["companies", "name"]]}]}""",
        # Ada has no company: she sorts last; the rest by company name, then creation.
        matches("steve", "jane", "john", "ada", ordered=True),
    ),
    # --- List company records: the reference's request example -------------------------------
    Example(
        "list-company-records",
        COMPANY_LIST,
        "companies",
        """{"filter": {"$and": [{"domains": {"domain": {"$eq": "attio.com"}}},
                                {"description": {"value": {"$contains": "magic"}}}]},
            "sorts": [{"direction": "asc", "attribute": "domains", "field": "domain"}],
            "limit": 500, "offset": 0}""",
        matches("attio"),
    ),
    # --- text ----------------------------------------------------------------------------
    Example(
        "text-write",
        TYPES + "text",
        "companies",
        '{"description": "Headquartered in New York City, Waystar Royco was founded by Logan'
        ' Roy and operates in 50 countries across 4 continents"}',
        stored("description", attribute_type="text"),
        kind="write",
    ),
    Example(
        "text-filter-exact",
        TYPES + "text",
        "companies",
        '{"filter": {"description": "An exact match"}}',
        matches("apple"),
    ),
    # --- number ---------------------------------------------------------------------------
    Example(
        "number-write",
        TYPES + "number",
        "people",
        '{"a_custom_number_attribute": 3.1415}',
        stored("a_custom_number_attribute", value=3.1415, attribute_type="number"),
        kind="write",
    ),
    Example(
        "number-filter-exact",
        TYPES + "number",
        "people",
        '{"filter": {"twitter_follower_count": 14}}',
        matches(),
    ),
    # --- checkbox -------------------------------------------------------------------------
    Example(
        "checkbox-write",
        TYPES + "checkbox",
        "people",
        '{"a_custom_checkbox_attribute": true}',
        stored("a_custom_checkbox_attribute", value=True, attribute_type="checkbox"),
        kind="write",
    ),
    Example(
        "checkbox-filter",
        TYPES + "checkbox",
        "people",
        '{"filter": {"a_custom_checkbox_attribute": true}}',
        matches("john"),
    ),
    # --- currency -------------------------------------------------------------------------
    Example(
        "currency-write",
        TYPES + "currency",
        "companies",
        '{"amount_owed": 4.99}',
        stored("amount_owed", currency_value=4.99, currency_code="USD"),
        kind="write",
    ),
    Example(
        "currency-filter-exact-string",
        TYPES + "currency",
        "companies",
        '{"filter": {"amount_owed": "399.00"}}',
        matches("attio"),
    ),
    # --- date -----------------------------------------------------------------------------
    Example(
        # foundation_date is enriched and read-only on Attio (observed), whatever the
        # page's example writes; the same write on a custom date attribute is the next case.
        "date-write-foundation-date",
        TYPES + "date",
        "companies",
        '{"foundation_date": "2004-07-29"}',
        rejected(400, "system_edit_unauthorized", "foundation_date"),
        kind="write",
    ),
    Example(
        "date-write-custom",
        TYPES + "date",
        "companies",
        '{"founded_on": "2004-07-29"}',
        stored("founded_on", value="2004-07-29", attribute_type="date"),
        kind="write",
    ),
    Example(
        "date-filter-exact",
        TYPES + "date",
        "companies",
        '{"filter": {"foundation_date": "2023-11-24"}}',
        matches(),
    ),
    # --- timestamp ------------------------------------------------------------------------
    Example(
        "timestamp-write",
        TYPES + "timestamp",
        "people",
        '{"my_timestamp_attribute": "2019-01-17T15:17:48.000000000Z"}',
        stored("my_timestamp_attribute", value="2019-01-17T15:17:48.000000000Z"),
        kind="write",
    ),
    Example(
        "timestamp-filter-exact",
        TYPES + "timestamp",
        "companies",
        '{"filter": {"created_at": "2023-11-24T15:34:07.111222333Z"}}',
        matches("attio"),
    ),
    Example(
        "timestamp-filter-hour",
        TYPES + "timestamp",
        "companies",
        """{"filter": {"created_at": {"$gte": "2023-11-24T08:00:00Z",
                                      "$lt":  "2023-11-24T09:00:00Z"}}}""",
        matches("apple-records"),
    ),
    # --- rating ---------------------------------------------------------------------------
    Example(
        "rating-write",
        TYPES + "rating",
        "people",
        '{"performance": 4}',
        stored("performance", value=4, attribute_type="rating"),
        kind="write",
    ),
    Example(
        "rating-filter",
        TYPES + "rating",
        "people",
        '{"filter": {"performance": 4}}',
        matches("jane"),
    ),
    # --- status ---------------------------------------------------------------------------
    Example(
        "status-write",
        TYPES + "status",
        "deals",
        '{"stage": "Lead"}',
        stored("stage", attribute_type="status"),
        kind="write",
    ),
    Example(
        "status-filter",
        TYPES + "status",
        "deals",
        '{"filter": {"stage": "In Progress"}}',
        matches("apple-contract"),
    ),
    Example(
        "status-filter-or",
        TYPES + "status",
        "deals",
        '{"filter": {"$or": [{"stage": "In Progress"}, {"stage": "Lead"}]}}',
        matches("apple-contract", "renewal"),
    ),
    Example(
        "status-filter-active-from",
        TYPES + "status",
        "deals",
        '{"filter": {"stage": {"active_from": {"$gte": "2023-11-20"}}}}',
        matches("big-deal"),
    ),
    # --- select ---------------------------------------------------------------------------
    Example(
        "select-write",
        TYPES + "select",
        "companies",
        '{"categories": ["3D Printing"]}',
        stored("categories", attribute_type="select"),
        kind="write",
    ),
    Example(
        "select-filter",
        TYPES + "select",
        "companies",
        '{"filter": {"categories": "Aerospace & Defense"}}',
        matches("apple"),
    ),
    Example(
        "select-filter-or",
        TYPES + "select",
        "companies",
        """{"filter": {"$or": [{"categories": "Aerospace & Defense"},
                              {"categories": "Biotechnology"}]}}""",
        matches("apple", "attio"),
    ),
    Example(
        "select-filter-active-from",
        TYPES + "select",
        "companies",
        '{"filter": {"categories": {"active_from": {"$gte": "2023-11-20"}}}}',
        matches("attio"),
    ),
    # --- record reference -----------------------------------------------------------------
    Example(
        "record-reference-write-by-domains",
        TYPES + "record-reference",
        "deals",
        """{"associated_company": [{"domains": [{"domain": "company.com"}],
                                    "target_object": "companies"}]}""",
        stored("associated_company", target_object="companies"),
        kind="write",
    ),
    Example(
        "record-reference-write-by-string",
        TYPES + "record-reference",
        "deals",
        '{"associated_company": "company.com"}',
        stored("associated_company", target_object="companies"),
        kind="write",
    ),
    Example(
        "record-reference-write-by-id",
        TYPES + "record-reference",
        "deals",
        """{"associated_company": [{"target_record_id": "99a03ff3-0435-47da-95cc-76b2caeb4dab",
                                    "target_object": "companies"}]}""",
        stored("associated_company", target_object="companies"),
        kind="write",
        ids=(("99a03ff3-0435-47da-95cc-76b2caeb4dab", "company-com"),),
    ),
    Example(
        # "the write will fail if the target record does not exist"
        "record-reference-write-missing-target",
        TYPES + "record-reference",
        "deals",
        """{"associated_company": [{"target_record_id": "99a03ff3-0435-47da-95cc-76b2caeb4dab",
                                    "target_object": "companies"}]}""",
        rejected(400, "value_not_found", "99a03ff3-0435-47da-95cc-76b2caeb4dab"),
        kind="write",
    ),
    Example(
        "record-reference-filter",
        TYPES + "record-reference",
        "people",
        """{"filter": {"company": {"target_object": "companies",
                                   "target_record_id": "99a03ff3-0435-47da-95cc-76b2caeb4dab"}}}""",
        matches("john", "jane", "steve"),
        ids=(("99a03ff3-0435-47da-95cc-76b2caeb4dab", "apple"),),
    ),
    Example(
        "record-reference-filter-in",
        TYPES + "record-reference",
        "people",
        """{"filter": {"company": {"target_object": "companies",
             "target_record_id": {"$in": ["3aeb39cd-fed8-524e-94b8-1300549354ac",
                                          "8c5cd602-1297-45d2-a99c-14ae091cbac3"]}}}}""",
        matches("john", "jane", "steve"),
        ids=(
            ("3aeb39cd-fed8-524e-94b8-1300549354ac", "apple"),
            ("8c5cd602-1297-45d2-a99c-14ae091cbac3", "attio"),
        ),
    ),
    Example(
        "record-reference-path-employee-named-john",
        TYPES + "record-reference",
        "companies",
        """{"filter": {"path": [["companies", "team"], ["people", "name"]],
                       "constraints": {"first_name": {"$eq": "John"}}}}""",
        matches("apple"),
    ),
    Example(
        # The page's block has a trailing comma after the last path step (not JSON); it
        # is dropped here. "managers-manager-id" stands for Steve, Jane's manager's manager.
        "record-reference-path-managers-manager",
        TYPES + "record-reference",
        "people",
        """{"filter": {"path": [["people", "manager"], ["people", "manager"]],
                       "constraints": {"target_object": "people",
                                       "target_record_id": "managers-manager-id"}}}""",
        matches("jane"),
        ids=(("managers-manager-id", "steve"),),
    ),
    Example(
        # As written, the id is not a UUID: nothing can match it.
        "record-reference-path-managers-manager-as-written",
        TYPES + "record-reference",
        "people",
        """{"filter": {"path": [["people", "manager"], ["people", "manager"]],
                       "constraints": {"target_object": "people",
                                       "target_record_id": "managers-manager-id"}}}""",
        matches(),
    ),
    # --- actor reference ------------------------------------------------------------------
    Example(
        "actor-reference-write-email",
        TYPES + "actor-reference",
        "deals",
        '{"owner": ["tom@attio.example"]}',
        stored("owner", referenced_actor_type="workspace-member", referenced_actor_id=TOM),
        kind="write",
    ),
    Example(
        "actor-reference-write-id",
        TYPES + "actor-reference",
        "deals",
        """{"owner": [{"referenced_actor_type": "workspace-member",
                       "referenced_actor_id": "50cf242c-7fa3-4cad-87d0-75b1af71c57b"}]}""",
        stored("owner", referenced_actor_type="workspace-member", referenced_actor_id=TOM),
        kind="write",
    ),
    Example(
        "actor-reference-filter-created-by",
        TYPES + "actor-reference",
        "companies",
        """{"filter": {"created_by": {"referenced_actor_type": "workspace-member",
                       "referenced_actor_id": "ec44a06c-b690-4e4f-95b6-757fb4e2f55f"}}}""",
        matches(),
    ),
    # --- location -------------------------------------------------------------------------
    Example(
        "location-write-string",
        TYPES + "location",
        "people",
        '{"primary_location": "1 Infinite Loop, Cupertino, CA, 95014, US"}',
        stored(
            "primary_location",
            line_1="1 Infinite Loop",
            locality="Cupertino",
            region="CA",
            postcode="95014",
            country_code="US",
        ),
        kind="write",
    ),
    Example(
        "location-write-object",
        TYPES + "location",
        "people",
        """{"primary_location": {"line_1": "1 Infinite Loop", "line_2": null, "line_3": null,
             "line_4": null, "locality": "Cupertino", "region": "CA", "postcode": "95014",
             "country_code": "US", "latitude": "37.331741", "longitude": "-122.030333"}}""",
        stored("primary_location", latitude="37.331741", longitude="-122.030333"),
        kind="write",
    ),
    Example(
        "location-filter",
        TYPES + "location",
        "people",
        """{"filter": {"primary_location": {"locality": "Cupertino", "region": "CA",
                                            "country_code": "US"}}}""",
        matches("john"),
    ),
    # --- (personal) name ------------------------------------------------------------------
    Example(
        "personal-name-write-object",
        TYPES + "personal-name",
        "people",
        '{"name": {"first_name": "John", "last_name": "Smith", "full_name": "John Smith"}}',
        stored("name", first_name="John", last_name="Smith", full_name="John Smith"),
        kind="write",
    ),
    Example(
        "personal-name-write-string",
        TYPES + "personal-name",
        "people",
        '{"name": "Smith, John"}',
        stored("name", first_name="John", last_name="Smith", full_name="John Smith"),
        kind="write",
    ),
    Example(
        "personal-name-filter",
        TYPES + "personal-name",
        "people",
        '{"filter": {"name": "John Smith"}}',
        matches("john"),
    ),
    # --- domain ---------------------------------------------------------------------------
    Example(
        "domain-write",
        TYPES + "domain",
        "companies",
        '{"domains": ["app.attio.com"]}',
        stored("domains", domain="app.attio.com", root_domain="attio.com"),
        kind="write",
    ),
    Example(
        # The page filters on "domain"; the companies attribute is "domains".
        "domain-filter-as-written",
        TYPES + "domain",
        "companies",
        '{"filter": {"domain": "app.attio.com"}}',
        rejected(400, "filter_error", '"domain"'),
    ),
    # --- email address --------------------------------------------------------------------
    Example(
        # The stored copy hides the two addresses; two of company.com stand in.
        "email-address-write",
        TYPES + "email-address",
        "people",
        '{"email_addresses": ["first@company.com", "second@company.com"]}',
        stored(
            "email_addresses",
            email_address=["first@company.com", "second@company.com"],
            email_domain=["company.com", "company.com"],
            email_local_specifier=["first", "second"],
        ),
        kind="write",
    ),
    Example(
        "email-address-filter",
        TYPES + "email-address",
        "people",
        '{"filter": {"email_addresses": "person@company.com"}}',
        matches("steve"),
    ),
    # --- phone number ---------------------------------------------------------------------
    Example(
        "phone-number-write",
        TYPES + "phone-number",
        "people",
        '{"phone_numbers": ["+447777777777"]}',
        stored("phone_numbers", original_phone_number="+447777777777", country_code="GB"),
        kind="write",
    ),
    Example(
        "phone-number-filter",
        TYPES + "phone-number",
        "people",
        '{"filter": {"phone_numbers": "+15558675309"}}',
        matches("jane"),
    ),
    # --- interaction ----------------------------------------------------------------------
    Example(
        "interaction-filter-email-owner",
        TYPES + "interaction",
        "companies",
        '{"filter": {"last_email_interaction": {"owner_member_id": {"$not_empty": true}}}}',
        matches(),
    ),
]


async def create_attribute(
    client: httpx.AsyncClient, target: str, slug: str, kind: str, **extra: object
) -> None:
    response = await client.post(
        f"/v2/{target}/attributes", json=text_attribute(slug, type=kind, **extra)
    )
    assert response.status_code == 200, response.text


async def add_options(client: httpx.AsyncClient, path: str, *titles: str) -> None:
    for title in titles:
        response = await client.post(path, json={"data": {"title": title}})
        assert response.status_code == 200, response.text


@pytest.fixture
async def world(client: httpx.AsyncClient, emulator_state: EmulatorState) -> World:
    """People, companies, deals and two lists the examples' captions describe."""
    state, w = emulator_state, World()
    state.limits.enabled = False  # the set-up writes more than 25 records a second
    for label, first, last, email, member_id in (
        ("lauren", "Lauren", "Lead", "lauren@attio.example", None),
        ("alice", "Alice", "Ames", "alice@attio.example", None),
        ("bob", "Bob", "Byrne", "bob@attio.example", None),
        ("tom", "Tom", "Tate", "tom@attio.example", TOM),
        ("writer", "Wren", "Writer", "wren@attio.example", CREATED_BY_MEMBER),
    ):
        member = members.add_member(
            state,
            first_name=first,
            last_name=last,
            email_address=email,
            access_level="admin",
            member_id=member_id,
        )
        w.members[label] = member["id"]["workspace_member_id"]
    await create_attribute(client, "objects/people", "a_custom_number_attribute", "number")
    await create_attribute(client, "objects/people", "a_custom_checkbox_attribute", "checkbox")
    await create_attribute(client, "objects/people", "performance", "rating")
    await create_attribute(client, "objects/people", "my_timestamp_attribute", "timestamp")
    await create_attribute(
        client,
        "objects/people",
        "manager",
        "record-reference",
        config={"record_reference": {"allowed_objects": ["people"]}},
    )
    # The currency page's configuration, in Attio's envelope with the spec's required keys.
    await create_attribute(
        client,
        "objects/companies",
        "amount_owed",
        "currency",
        title="Amount owed",
        config={"currency": {"default_currency_code": "USD", "display_type": "symbol"}},
    )
    await create_attribute(client, "objects/companies", "founded_on", "date")
    await add_options(
        client,
        "/v2/objects/companies/attributes/categories/options",
        "3D Printing",
        "Aerospace & Defense",
        "Biotechnology",
    )

    state.clock.set(datetime(2023, 11, 1, tzinfo=UTC))
    apple = await create(
        client,
        "companies",
        {
            "name": "Apple",
            "domains": ["apple.com"],
            "description": "An exact match",
            "categories": ["Aerospace & Defense"],
        },
    )
    state.clock.set(datetime(2023, 11, 24, 8, 30, tzinfo=UTC))
    records = await create(
        client,
        "companies",
        {
            "name": "Apple Records LTD",
            "domains": ["applerecords.co.uk"],
            "primary_location": "New York, NY, US",
        },
    )
    state.clock.set(datetime(2023, 11, 24, 15, 34, 7, 111222, tzinfo=UTC))
    attio = await create(
        client,
        "companies",
        {
            "name": "Attio",
            "domains": ["attio.com"],
            "description": "Customer relationship magic",
            "amount_owed": 399,
        },
    )
    state.clock.set(None)
    # A category written later than the others (active_from after 2023-11-20).
    response = await client.patch(
        f"/v2/objects/companies/records/{attio['id']['record_id']}",
        json={"data": {"values": {"categories": ["Biotechnology"]}}},
    )
    assert response.status_code == 200, response.text
    company_com = await create(client, "companies", {"name": "Company", "domains": ["company.com"]})
    empty = await create(client, "companies", {"name": "Nameless"})
    for label, record in (
        ("apple", apple),
        ("apple-records", records),
        ("attio", attio),
        ("company-com", company_com),
        ("nameless", empty),
    ):
        w.add(label, record)

    def at(company: str) -> dict[str, str]:
        return {"target_object": "companies", "target_record_id": w.records[company]}

    people = {
        "steve": {
            "name": {"first_name": "Steve", "last_name": "Jobs", "full_name": "Steve Jobs"},
            "email_addresses": ["person@company.com"],
            "company": at("apple"),
        },
        "jane": {
            "name": {"first_name": "Jane", "last_name": "Doe", "full_name": "Jane Doe"},
            "email_addresses": ["jane@apple.com"],
            "phone_numbers": ["+15558675309"],
            "company": at("apple"),
            "performance": 4,
        },
        "john": {
            "name": {"first_name": "John", "last_name": "Smith", "full_name": "John Smith"},
            "email_addresses": ["john@smith.com"],
            "phone_numbers": ["+447700900798"],
            "job_title": "Head of things",
            "company": at("apple"),
            "primary_location": "1 Infinite Loop, Cupertino, CA, 95014, US",
            "a_custom_checkbox_attribute": True,
            "performance": 2,
        },
        "ada": {
            "name": {"first_name": "Ada", "last_name": "Lovelace", "full_name": "Ada Lovelace"},
            "email_addresses": ["ada@example.com"],
            "phone_numbers": ["+442071234567"],
        },
    }
    for label, values in people.items():
        w.add(label, await create(client, "people", values))
    # Steve manages John, who manages Jane: Jane's manager's manager is Steve.
    for person, manager in (("john", "steve"), ("jane", "john")):
        response = await client.patch(
            f"/v2/objects/people/records/{w.records[person]}",
            json={
                "data": {
                    "values": {
                        "manager": {
                            "target_object": "people",
                            "target_record_id": w.records[manager],
                        }
                    }
                }
            },
        )
        assert response.status_code == 200, response.text

    state.clock.set(datetime(2023, 6, 1, tzinfo=UTC))
    for label, name, stage, owner, value in (
        ("apple-contract", "Contract with Apple", "In Progress", "lauren", 600),
        ("renewal", "Renewal", "Lead", "alice", 400),
    ):
        deal = await create(
            client,
            "deals",
            {"name": name, "stage": stage, "owner": f"{owner}@attio.example", "value": value},
        )
        w.add(label, deal)
    state.clock.set(None)
    big = await create(
        client,
        "deals",
        {"name": "Big deal", "stage": "Won 🎉", "owner": "bob@attio.example", "value": 900},
    )
    w.add("big-deal", big)

    for slug, parent in (("candidates", "people"), ("board", "companies")):
        response = await client.post(
            "/v2/lists",
            json={
                "data": {
                    "name": slug.title(),
                    "api_slug": slug,
                    "parent_object": parent,
                    "workspace_access": "full-access",
                    "workspace_member_access": [],
                }
            },
        )
        assert response.status_code == 200, response.text
    for label, person in (("candidate-jane", "jane"), ("candidate-ada", "ada")):
        response = await client.post(
            "/v2/lists/candidates/entries",
            json={
                "data": {
                    "parent_record_id": w.records[person],
                    "parent_object": "people",
                    "entry_values": {},
                }
            },
        )
        assert response.status_code == 200, response.text
        w.entries[response.json()["data"]["id"]["entry_id"]] = label
    await create_attribute(client, "lists/board", "stage", "status")
    await add_options(client, "/v2/lists/board/attributes/stage/statuses", "One", "Two", "Three")
    for label, company, stage in (
        ("entry-one", "apple", "One"),
        ("entry-two", "attio", "Two"),
        ("entry-three", "apple-records", "Three"),
    ):
        response = await client.post(
            "/v2/lists/board/entries",
            json={
                "data": {
                    "parent_record_id": w.records[company],
                    "parent_object": "companies",
                    "entry_values": {"stage": stage},
                }
            },
        )
        assert response.status_code == 200, response.text
        w.entries[response.json()["data"]["id"]["entry_id"]] = label
    return w


def prepared(example: Example, world: World) -> Any:
    """The example's JSON with the workspace's ids in place of the page's placeholders."""
    text = example.body
    for placeholder, label in (
        ("[laurens-id]", "lauren"),
        ("[alices-id]", "alice"),
        ("[bobs-id]", "bob"),
    ):
        text = text.replace(placeholder, world.members[label])
    text = text.replace("[steve-jobs-record-id]", world.records["steve"])
    for written, label in example.ids:
        text = text.replace(written, world.records[label])
    return json.loads(text)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.case for e in EXAMPLES])
async def test_documented_example(
    example: Example, client: httpx.AsyncClient, world: World
) -> None:
    body = prepared(example, world)
    if example.kind == "write":
        obj = example.target
        values: dict[str, Any] = dict(body)
        if obj == "deals":
            # A deal needs a name, a stage and an owner; the example's own values win.
            required = {"name": "Example deal", "stage": "Lead", "owner": "alice@attio.example"}
            values = required | values
        response = await client.post(
            f"/v2/objects/{obj}/records", json={"data": {"values": values}}
        )
    else:
        payload = {"filter": body} if example.kind == "filter" else body
        if example.target.startswith("list:"):
            path = f"/v2/lists/{example.target[5:]}/entries/query"
        else:
            path = f"/v2/objects/{example.target}/records/query"
        response = await client.post(path, json=payload)
    example.check(response, world)


def test_every_page_has_a_case() -> None:
    """Each attribute type page and the guide are covered."""
    pages = {e.url for e in EXAMPLES}
    kinds = [
        "actor-reference",
        "checkbox",
        "currency",
        "date",
        "domain",
        "email-address",
        "interaction",
        "location",
        "number",
        "personal-name",
        "phone-number",
        "rating",
        "record-reference",
        "select",
        "status",
        "text",
        "timestamp",
    ]
    for kind in kinds:
        assert TYPES + kind in pages, kind
    assert GUIDE in pages


#: Each attribute-type page's "Reading values" example
#: (https://docs.attio.com/docs/attribute-types/attribute-types-<type>#reading-values): the
#: properties it shows beside the history metadata, and values this workspace reproduces.
#: Where the page and Attio's OpenAPI description disagree the emulator follows the
#: description (API-NOTES):
#: the phone page's ``normalized_phone_number`` is ``phone_number``, the currency page's
#: ``"499.00"`` is a number, and the status and timestamp examples' ``attribute_type``
#: (``select``, ``date``) is ``status`` and ``timestamp``. Interaction values are never
#: computed here (docs/emulator.md), so that page's example has no case.
READ_SHAPES = [
    ("text", "companies", "apple", "description", {"value": "An exact match"}),
    ("number", "people", "john", "a_custom_number_attribute", {"value": 14}),
    ("checkbox", "people", "john", "a_custom_checkbox_attribute", {"value": True}),
    ("currency", "companies", "attio", "amount_owed", {"currency_code": "USD"}),
    ("date", "companies", "attio", "founded_on", {"value": "2023-11-24"}),
    ("timestamp", "companies", "attio", "created_at", {}),
    ("rating", "people", "jane", "performance", {"value": 4}),
    ("status", "deals", "apple-contract", "stage", {}),
    ("select", "companies", "apple", "categories", {}),
    ("record-reference", "people", "jane", "company", {"target_object": "companies"}),
    ("actor-reference", "deals", "apple-contract", "owner", {}),
    ("location", "people", "john", "primary_location", {"locality": "Cupertino"}),
    ("personal-name", "people", "john", "name", {"full_name": "John Smith"}),
    ("domain", "companies", "attio", "domains", {"root_domain": "attio.com"}),
    ("email-address", "people", "steve", "email_addresses", {"email_domain": "company.com"}),
    ("phone-number", "people", "jane", "phone_numbers", {"country_code": "US"}),
]
SHOWN = {
    "text": {"value"},
    "number": {"value"},
    "checkbox": {"value"},
    "currency": {"currency_value", "currency_code"},
    "date": {"value"},
    "timestamp": {"value"},
    "rating": {"value"},
    "status": {"status"},
    "select": {"option"},
    "record-reference": {"target_object", "target_record_id"},
    "actor-reference": {"referenced_actor_type", "referenced_actor_id"},
    "location": {
        "line_1",
        "line_2",
        "line_3",
        "line_4",
        "locality",
        "region",
        "postcode",
        "country_code",
        "latitude",
        "longitude",
    },
    "personal-name": {"first_name", "last_name", "full_name"},
    "domain": {"domain", "root_domain"},
    "email-address": {
        "email_address",
        "original_email_address",
        "email_domain",
        "email_root_domain",
        "email_local_specifier",
    },
    "phone-number": {"original_phone_number", "phone_number", "country_code"},
}
METADATA = {"active_from", "active_until", "created_by_actor", "attribute_type"}


@pytest.mark.parametrize("shape", READ_SHAPES, ids=[s[0] for s in READ_SHAPES])
async def test_documented_read_shape(
    shape: tuple[str, str, str, str, dict[str, Any]], client: httpx.AsyncClient, world: World
) -> None:
    kind, obj, label, slug, shown = shape
    record_id = world.records[label]
    if slug in ("a_custom_number_attribute", "founded_on"):
        value: Any = 14 if slug == "a_custom_number_attribute" else "2023-11-24"
        patched = await client.patch(
            f"/v2/objects/{obj}/records/{record_id}",
            json={"data": {"values": {slug: value}}},
        )
        assert patched.status_code == 200, patched.text
    response = await client.get(f"/v2/objects/{obj}/records/{record_id}")
    assert response.status_code == 200, response.text
    values = response.json()["data"]["values"][slug]
    assert values, slug
    value = values[0]
    assert set(value) == METADATA | SHOWN[kind], sorted(value)
    assert value["attribute_type"] == kind
    for key, want in shown.items():
        assert value[key] == want, (key, value[key])
    if kind == "status":
        assert set(value["status"]) == {
            "id",
            "title",
            "is_archived",
            "target_time_in_status",
            "celebration_enabled",
        }
        assert "status_id" in value["status"]["id"]
    if kind == "select":
        assert set(value["option"]) == {"id", "title", "is_archived"}
        assert "option_id" in value["option"]["id"]
