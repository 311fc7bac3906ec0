"""Value coercion with the workspace schema read from the emulator (TOOLS.md §A.1)."""

from __future__ import annotations

from typing import Any

import pytest

from attio_gateway.errors import ToolInputError, UpstreamError
from attio_gateway.proxy import AttioClient
from attio_gateway.tools.schema import WorkspaceSchema
from attio_gateway.tools.values import coerce_values
from tests.gateway.tools.conftest import Run, new_company


@pytest.fixture
def schema(attio: AttioClient) -> WorkspaceSchema:
    return WorkspaceSchema(attio, {})


async def test_attios_exact_shapes_pass_unchanged(schema: WorkspaceSchema, member_id: str) -> None:
    exact: dict[str, Any] = {
        "name": [{"value": "Big"}],
        "stage": [{"status": "In Progress"}],
        "owner": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": member_id}],
        "associated_company": [
            {
                "target_object": "companies",
                "target_record_id": "1f1b2d5e-0000-4000-8000-000000000001",
            }
        ],
    }
    assert await coerce_values(schema, "deals", exact) == exact


async def test_llm_forms_are_coerced(schema: WorkspaceSchema, member_id: str) -> None:
    company = "1f1b2d5e-0000-4000-8000-000000000001"
    coerced = await coerce_values(
        schema,
        "deals",
        {"name": "Big", "stage": "lead", "owner": member_id, "associated_company": company},
    )
    assert coerced == {
        "name": ["Big"],
        "stage": [{"status": "Lead"}],
        "owner": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": member_id}],
        "associated_company": [{"target_object": "companies", "target_record_id": company}],
    }
    people = await coerce_values(
        schema,
        "people",
        {"name": "Alice Smith", "email_addresses": "a@b.com"},
    )
    assert people["name"] == [
        {"first_name": "Alice", "last_name": "Smith", "full_name": "Alice Smith"}
    ]
    assert people["email_addresses"] == ["a@b.com"]


async def test_name_object_gets_its_full_name(schema: WorkspaceSchema) -> None:
    coerced = await coerce_values(
        schema, "people", {"name": [{"first_name": "Alice", "last_name": "Smith"}]}
    )
    assert coerced["name"] == [
        {"first_name": "Alice", "last_name": "Smith", "full_name": "Alice Smith"}
    ]


async def test_seed_example_extras_are_stripped(schema: WorkspaceSchema) -> None:
    coerced = await coerce_values(
        schema,
        "deals",
        {"value": [{"currency_value": 50000, "currency_code": "USD"}]},
    )
    assert coerced == {"value": [{"currency_value": 50000}]}
    people = await coerce_values(
        schema,
        "people",
        {"email_addresses": [{"email_address": "a@b.com", "attribute_type": "email"}]},
    )
    assert people == {"email_addresses": [{"email_address": "a@b.com"}]}


async def test_other_currency_is_refused_not_converted(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match="USD") as caught:
        await coerce_values(
            schema, "deals", {"value": [{"currency_value": 5, "currency_code": "EUR"}]}
        )
    assert caught.value.field == "values.value"


async def test_unknown_stage_fails_loudly_never_a_default(schema: WorkspaceSchema) -> None:
    # PRODUCT.md complaint 1: a wrapper once wrote the default stage for an unknown one.
    with pytest.raises(ToolInputError) as caught:
        await coerce_values(schema, "deals", {"stage": "Disqualified"})
    assert caught.value.field == "values.stage"
    assert "'Disqualified'" in caught.value.message
    assert "Lead, In Progress" in caught.value.message


async def test_status_id_is_accepted(schema: WorkspaceSchema, run: Run) -> None:
    stages = await run("attio_list_attribute_statuses", object="deals", attribute="stage")
    lost = next(s for s in stages["data"] if s["title"] == "Lost")
    coerced = await coerce_values(
        schema, "deals", {"stage": {"status_id": lost["id"]["status_id"]}}
    )
    assert coerced == {"stage": [{"status": "Lost"}]}


async def test_several_values_for_a_single_value_attribute_fail(schema: WorkspaceSchema) -> None:
    # Never keep the first and drop the rest silently.
    with pytest.raises(ToolInputError, match="single value but 2") as caught:
        await coerce_values(schema, "people", {"job_title": ["CEO", "CTO"]})
    assert caught.value.field == "values.job_title"


async def test_unknown_attribute_suggests_the_right_slug(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match="did you mean 'email_addresses'") as caught:
        await coerce_values(schema, "people", {"email_address": "a@b.com"})
    assert caught.value.field == "values.email_address"


async def test_empty_values_are_refused(schema: WorkspaceSchema) -> None:
    with pytest.raises(ToolInputError, match="non-empty"):
        await coerce_values(schema, "people", {})


async def test_select_titles_are_case_insensitive_and_listed_on_failure(run: Run) -> None:
    await run(
        "attio_create_select_option", object="companies", attribute="categories", title="Robotics"
    )
    created = await run("attio_create_company", values={"name": "Acme", "categories": "ROBOTICS"})
    assert created["data"]["values"]["categories"][0]["option"]["title"] == "Robotics"
    with pytest.raises(ToolInputError) as caught:
        await run("attio_create_company", values={"name": "Acme", "categories": ["Quantum pies"]})
    assert "'Quantum pies'" in caught.value.message and "Robotics" in caught.value.message
    assert caught.value.field == "values.categories"


async def test_a_new_option_is_found_after_a_cache_miss(run: Run, attio: AttioClient) -> None:
    await new_company(run)  # warms the cache with the attribute list
    # Somebody adds an attribute in Attio behind the gateway's back: the miss re-reads.
    await attio.call(
        "POST",
        "/v2/objects/companies/attributes",
        json={
            "data": {
                "title": "Tier",
                "description": None,
                "api_slug": "tier",
                "type": "text",
                "is_required": False,
                "is_unique": False,
                "is_multiselect": False,
                "config": {},
            }
        },
    )
    created = await run("attio_create_company", values={"name": "B", "tier": "gold"})
    assert created["data"]["values"]["tier"][0]["value"] == "gold"


async def test_reference_to_several_objects_needs_target_object(
    run: Run, attio: AttioClient
) -> None:
    await attio.call(
        "POST",
        "/v2/objects/companies/attributes",
        json={
            "data": {
                "title": "Related",
                "description": None,
                "api_slug": "related",
                "type": "record-reference",
                "is_required": False,
                "is_unique": False,
                "is_multiselect": True,
                "config": {"record_reference": {"allowed_objects": ["people", "deals"]}},
            }
        },
    )
    with pytest.raises(ToolInputError, match="target_object") as caught:
        await run(
            "attio_create_company",
            values={"name": "A", "related": "1f1b2d5e-0000-4000-8000-000000000001"},
        )
    assert caught.value.field == "values.related"


async def test_a_refused_write_refreshes_the_cached_options(run: Run, attio: AttioClient) -> None:
    option = await run(
        "attio_create_select_option", object="companies", attribute="categories", title="Robotics"
    )
    await run("attio_create_company", values={"name": "A", "categories": "robotics"})  # cached
    option_id = option["data"]["id"]["option_id"]
    await attio.call(  # archived in Attio, behind the gateway's back
        "PATCH",
        f"/v2/objects/companies/attributes/categories/options/{option_id}",
        json={"data": {"is_archived": True}},
    )
    with pytest.raises(UpstreamError) as refused:
        await run("attio_create_company", values={"name": "B", "categories": "robotics"})
    assert refused.value.status_code == 400
    with pytest.raises(ToolInputError, match="'robotics' is not an option") as local:
        await run("attio_create_company", values={"name": "B", "categories": "robotics"})
    assert local.value.field == "values.categories"
