"""``GET /scim/v2/Schemas`` and the limits clients send over a documented maximum."""

from __future__ import annotations

import httpx

from attio_emulator.core.state import EmulatorState
from tests.emulator.helpers import create, create_note, error


async def test_scim_schemas_is_a_list_response(
    client: httpx.AsyncClient, emulator_state: EmulatorState
) -> None:
    """Attio's description: GET /scim/v2/Schemas, scope scim_management:read-write, answers
    {schemas, totalResults, startIndex, itemsPerPage, Resources} (checked against the spec by
    the ``client`` fixture)."""
    listing = await client.get("/scim/v2/Schemas")
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert body["totalResults"] == len(body["Resources"]) == body["itemsPerPage"]
    assert {r["name"] for r in body["Resources"]} == {"User", "Group"}
    reader = emulator_state.issue_token(scopes=["record_permission:read"])["token"]
    refused = await client.get("/scim/v2/Schemas", headers={"Authorization": f"Bearer {reader}"})
    assert "scim_management:read-write" in error(refused, 403, "missing_scopes")


async def test_notes_and_threads_serve_a_limit_over_the_maximum(
    client: httpx.AsyncClient,
) -> None:
    """Clients send GET /v2/notes?limit=100 (the documented maximum is 50): Attio's answer is
    unconfirmed, and the emulator serves the maximum rather than a 400."""
    company = await create(client, "companies", {"name": "Acme"})
    for index in range(3):
        await create_note(client, company, title=f"n{index}")
    notes = await client.get("/v2/notes", params={"limit": 100})
    assert notes.status_code == 200, notes.text
    assert len(notes.json()["data"]) == 3
    threads = await client.get("/v2/threads", params={"limit": 100})
    assert threads.status_code == 200, threads.text
    error(await client.get("/v2/notes", params={"limit": 0}), 400, "validation_type")
