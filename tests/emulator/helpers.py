"""Small builders shared by emulator tests."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.members import models as members
from attio_emulator.services.webhooks.models import drain


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


async def create_note(
    client: httpx.AsyncClient,
    company: dict[str, Any],
    *,
    title: str = "t",
    content: str = "c",
    format: str = "plaintext",
) -> dict[str, Any]:
    """A note on ``company`` (a record as ``create`` returns it)."""
    body = {
        "parent_object": "companies",
        "parent_record_id": company["id"]["record_id"],
        "title": title,
        "format": format,
        "content": content,
    }
    response = await client.post("/v2/notes", json={"data": body})
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


def mentor_relationship() -> dict[str, object]:
    """The body that creates people.mentor ↔ people.mentees (one mentor, many mentees)."""
    return text_attribute(
        "mentor",
        type="record-reference",
        config={"record_reference": {"allowed_objects": ["people"]}},
        relationship={
            "object": "people",
            "title": "Mentees",
            "api_slug": "mentees",
            "is_multiselect": True,
        },
    )


# --- webhooks: a local receiver (fixture ``receiver`` in conftest) --------------------------


class Receiver:
    """A real HTTP server on 127.0.0.1 that records POSTs and fails the first ``fail`` ones."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                status = 500 if receiver.fail > 0 else 200
                receiver.fail -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


async def subscribe(client: httpx.AsyncClient, url: str, *events: str, **filt: Any) -> Any:
    subs = [{"event_type": e, "filter": filt.get("filter")} for e in events]
    # A local http:// target is the emulator's documented deviation (Attio's spec says
    # ^https://), so that one answer is not checked against the spec.
    raw = httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=client.headers
    )
    async with raw:
        response = await raw.post(
            "/v2/webhooks", json={"data": {"target_url": url, "subscriptions": subs}}
        )
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def events_of(state: EmulatorState, receiver: Receiver) -> list[dict[str, Any]]:
    """Every event delivered so far (deliveries run concurrently: order is not guaranteed)."""
    await drain(state)
    return [event for _, body in receiver.received for event in json.loads(body)["events"]]
