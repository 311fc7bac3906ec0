"""Small builders shared by emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.members import models as members


def add_member(state: EmulatorState, email: str = "ada@example.com") -> str:
    member = members.add_member(
        state, first_name="Ada", last_name="Admin", email_address=email, access_level="admin"
    )
    member_id: str = member["id"]["workspace_member_id"]
    return member_id


async def create(client: httpx.AsyncClient, obj: str, values: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v2/objects/{obj}/records", json={"data": {"values": values}})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def query(client: httpx.AsyncClient, obj: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/v2/objects/{obj}/records/query", json=body)


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {r["id"]["record_id"] for r in response.json()["data"]}


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    assert body["code"] == code, body
    message: str = body["message"]
    return message


async def create_pipeline(client: httpx.AsyncClient) -> dict[str, Any]:
    """A list "pipeline" on companies, open to the workspace; Attio's answer's ``data``."""
    made = await client.post(
        "/v2/lists",
        json={
            "data": {
                "name": "Pipeline",
                "api_slug": "pipeline",
                "parent_object": "companies",
                "workspace_access": "full-access",
                "workspace_member_access": [],
            }
        },
    )
    assert made.status_code == 200, made.text
    data: dict[str, Any] = made.json()["data"]
    return data


def text_attribute(slug: str, **extra: object) -> dict[str, object]:
    """The body that creates a plain text attribute ``slug``."""
    return {
        "data": {
            "title": slug.title(),
            "description": None,
            "api_slug": slug,
            "type": "text",
            "is_required": False,
            "is_unique": False,
            "is_multiselect": False,
            "config": {},
            **extra,
        }
    }
