"""``RemoteGateway.triggers`` against a served gateway: the embedded methods over the JSON
API, the same models and errors; the app receives what a remote subscription asked for."""

from __future__ import annotations

import asyncio
import time

import pytest

from attio_emulator.server import RunningEmulator
from attio_gateway.config import Settings
from attio_gateway.errors import InvalidInputError, MissingScopesError, NotFoundError
from attio_gateway.events.signing import verify
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.remote import RemoteGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.triggers.conftest import SCOPES, App


async def test_remote_triggers_subscribe_receive_pull_and_delete(
    settings: Settings, gateway_server: str, emulator_a: RunningEmulator, app_server: App
) -> None:
    async with AsyncGateway(settings.model_copy(update={"trigger_worker": False})) as local:
        await create_emulator_connection(local, emulator_a.base_url, name="a", scopes=SCOPES)
        await create_emulator_connection(
            local, emulator_a.base_url, name="plain", scopes=SCOPES[:2], app_name="plain"
        )
        await connect_user(local, "alice", connection_name="a")
        await connect_user(local, "dora", connection_name="plain")
        credentials = await create_api_client(
            local, name="app", scopes=["accounts:read", "accounts:write", "tools:execute"]
        )

    def remote_work() -> None:
        with RemoteGateway(
            gateway_server, credentials.client_id, credentials.client_secret
        ) as remote:
            with pytest.raises(MissingScopesError) as missing:
                remote.triggers.subscribe(
                    connection_name="plain", identifier="dora", events=["record.created"]
                )
            assert missing.value.missing == ["webhook:read-write"]
            with pytest.raises(InvalidInputError) as bad:
                remote.triggers.subscribe(
                    connection_name="a", identifier="alice", events=["record.changed"]
                )
            assert bad.value.field == "events"
            sub = remote.triggers.subscribe(
                connection_name="a",
                identifier="alice",
                events=["record.created"],
                target_url=f"{app_server.url}/alice",
                include_record=True,
            )
            assert [s.id for s in remote.triggers.list_subscriptions()] == [sub.id]
            assert remote.triggers.get(sub.id).include_record
            created = remote.actions.execute_tool(
                tool_name="attio_create_company",
                identifier="alice",
                connection_name="a",
                tool_input={"values": {"name": "Acme"}},
            )
            record_id = created.data["data"]["id"]["record_id"]
            deadline = time.monotonic() + 90
            while not app_server.accepted("/alice"):
                assert time.monotonic() < deadline, "the event did not reach the app"
                time.sleep(0.05)
            (received,) = app_server.accepted("/alice")
            assert verify(
                sub.secret,
                received.headers["x-attio-gateway-signature"],
                received.body,
                now=time.time(),
            )
            assert received.json["record"]["values"]["name"][0]["value"] == "Acme"
            page = remote.triggers.events(connection_name="a", identifier="alice")
            assert [e.event["id"]["record_id"] for e in page.events] == [record_id]
            while remote.triggers.deliveries(sub.id)[0].state != "delivered":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            (delivery,) = remote.triggers.deliveries(sub.id, state="delivered")
            assert remote.triggers.replay(delivery.id).state == "pending"
            remote.triggers.delete(sub.id)
            with pytest.raises(NotFoundError):
                remote.triggers.get(sub.id)

    await asyncio.to_thread(remote_work)
    assert list(emulator_a.state.store.table("webhooks").values()) == []
