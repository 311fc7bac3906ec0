"""Small builders shared by emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from attio_emulator.core.clock import new_id
from attio_emulator.core.state import EmulatorState


def add_member(state: EmulatorState, email: str = "ada@example.com") -> str:
    member_id = new_id()
    state.store.table("workspace_members").put(
        member_id,
        {
            "id": {"workspace_id": state.workspace.workspace_id, "workspace_member_id": member_id},
            "first_name": "Ada",
            "last_name": "Admin",
            "avatar_url": None,
            "email_address": email,
            "created_at": state.clock.timestamp(),
            "access_level": "admin",
        },
    )
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
