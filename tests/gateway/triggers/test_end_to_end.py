"""Triggers end to end, on SQLite and PostgreSQL: two users in two workspaces (two
emulators over HTTP), the gateway served over HTTP receiving Attio's signed deliveries,
and an app's endpoint receiving the gateway's."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from attio_emulator.server import RunningEmulator
from attio_gateway.events.signing import verify
from attio_gateway.sdk import AsyncGateway
from attio_gateway.storage.queries import triggers as tq
from tests.gateway.triggers.conftest import App, eventually


async def create_company(gw: AsyncGateway, identifier: str, connection: str, name: str) -> str:
    result = await gw.actions.execute_tool(
        {"values": {"name": name}},
        "attio_create_company",
        identifier=identifier,
        connection_name=connection,
    )
    return str(result.data["data"]["id"]["record_id"])


def webhooks(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return list(emulator.state.store.table("webhooks").values())


async def test_a_record_change_reaches_the_app_once_tagged_and_signed(
    gateway: AsyncGateway,
    gateway_server: str,
    app_server: App,
    emulator_a: RunningEmulator,
    emulator_b: RunningEmulator,
) -> None:
    alice = await gateway.triggers.subscribe(
        connection_name="a",
        identifier="alice",
        events=["record.created"],
        target_url=f"{app_server.url}/alice",
    )
    bob = await gateway.triggers.subscribe(
        connection_name="b",
        identifier="bob",
        events=["record.created"],
        target_url=f"{app_server.url}/bob",
    )
    # One webhook in each workspace, pointing at the gateway's inbound URL.
    (hook_a,) = webhooks(emulator_a)
    (hook_b,) = webhooks(emulator_b)
    assert hook_a["target_url"].startswith(f"{gateway_server}/triggers/attio/")
    assert hook_a["subscriptions"] == [{"event_type": "record.created", "filter": None}]
    assert hook_b["target_url"] != hook_a["target_url"]

    record_id = await create_company(gateway, "alice", "a", "Acme")

    async def alices() -> list[Any]:
        return app_server.accepted("/alice")

    (received,) = await eventually(alices, "alice's event at the app")
    event = received.json
    assert event["identifier"] == "alice"
    assert event["connection_name"] == "a"
    assert event["workspace_id"] == hook_a["id"]["workspace_id"]
    assert event["event_type"] == "record.created"
    assert event["event"]["id"]["record_id"] == record_id
    assert event["subscription_id"] == alice.id
    header = received.headers["x-attio-gateway-signature"]
    assert verify(alice.secret, header, received.body, now=time.time())
    assert not verify(bob.secret, header, received.body, now=time.time())

    # Attio's delivery sent again (same Idempotency-Key): acknowledged, not delivered twice.
    ((attio_delivery, _),) = emulator_a.state.store.table("webhook_deliveries").items()
    hook = await tq.get_webhook_of_workspace(gateway.db, workspace_id=event["workspace_id"])
    assert hook is not None
    secret = gateway.credentials.trigger_webhook_secret(hook.id, hook.secret_sealed)
    body = json.dumps({"webhook_id": hook.attio_webhook_id, "events": [event["event"]]}).encode()
    signature = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    inbound = f"{gateway_server}/triggers/attio/{hook.id}"
    async with httpx.AsyncClient() as http:
        again = await http.post(
            inbound,
            content=body,
            headers={"Attio-Signature": signature, "Idempotency-Key": attio_delivery},
        )
        assert again.status_code == 200, again.text
        assert again.json() == {"stored": 0, "duplicates": 1, "dropped": 0}
        # Forged: signed with another secret, or not signed at all: refused, nothing stored.
        forged = hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()
        for headers in ({"Attio-Signature": forged}, {}):
            refused = await http.post(
                inbound, content=body, headers={**headers, "Idempotency-Key": "forged-1"}
            )
            assert refused.status_code == 401, refused.text
            assert refused.json()["error"]["code"] == "unauthenticated"
        unknown = await http.post(
            f"{gateway_server}/triggers/attio/no-such-hook",
            content=body,
            headers={"Attio-Signature": signature},
        )
        assert unknown.status_code == 404

    # Nothing reached bob; alice's event came once.
    await asyncio.sleep(1.0)
    assert app_server.accepted("/bob") == []
    assert len(app_server.accepted("/alice")) == 1
    log = await gateway.triggers.deliveries(alice.id)
    assert [(d.state, d.attempts) for d in log] == [("delivered", 1)]

    # Pulled by alice: the same event, and only hers; bob has none.
    page = await gateway.triggers.events(connection_name="a", identifier="alice")
    assert [e.event["id"]["record_id"] for e in page.events] == [record_id]
    assert (
        await gateway.triggers.events(
            connection_name="a", identifier="alice", since=page.next_cursor
        )
    ).events == []
    assert (await gateway.triggers.events(connection_name="b", identifier="bob")).events == []

    # The last subscription of a workspace gone: its Attio webhook is deleted.
    await gateway.triggers.delete(alice.id)
    assert webhooks(emulator_a) == []
    assert len(webhooks(emulator_b)) == 1


async def test_an_app_down_for_a_while_then_up_receives_everything_in_order(
    gateway: AsyncGateway, gateway_server: str, app_server: App
) -> None:
    bob = await gateway.triggers.subscribe(
        connection_name="b",
        identifier="bob",
        events=["record.created"],
        target_url=f"{app_server.url}/bob",
    )
    app_server.status = 503
    created = []
    for n in range(4):
        created.append(await create_company(gateway, "bob", "b", f"Company {n}"))

        async def stored(count: int = n + 1) -> bool:
            return len(await gateway.triggers.deliveries(bob.id)) == count

        # Each stored before the next is made, so the order received is the order made.
        await eventually(stored, f"event {n} stored")

    async def failed_twice() -> bool:
        (head, *_) = await gateway.triggers.deliveries(bob.id)
        return head.attempts >= 2 and head.last_status == 503

    await eventually(failed_twice, "two failed attempts")
    assert app_server.accepted() == []
    app_server.status = 200

    async def all_four() -> bool:
        return len(app_server.accepted("/bob")) == 4

    await eventually(all_four, "the four events at the app")
    order = [r.json["event"]["id"]["record_id"] for r in app_server.accepted("/bob")]
    assert order == created
    log = await gateway.triggers.deliveries(bob.id)
    assert [d.state for d in log] == ["delivered"] * 4
    assert log[0].attempts >= 3  # two refused, then delivered
