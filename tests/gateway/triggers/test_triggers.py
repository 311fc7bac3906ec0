"""Triggers in one gateway (its worker in the test's loop) against the emulator over HTTP:
scopes and bad input refused, one Attio webhook shared per workspace, dead letters and
replay, a failing app holding back only its own subscription, a crashed process's claim
taken over, pull-only subscriptions; and the signing scheme and filters alone."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers

from attio_emulator.server import RunningEmulator
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.errors import (
    AuthenticationError,
    InvalidInputError,
    MissingScopesError,
    NotFoundError,
)
from attio_gateway.events.signing import signature_header, verify
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.storage.queries import triggers as tq
from attio_gateway.triggers.filters import attio_subscriptions, matches
from tests.gateway.triggers.conftest import SCOPES, App, eventually


@pytest.fixture
async def gw(
    tmp_path: Path, database_url: str, emulator_a: RunningEmulator
) -> AsyncIterator[AsyncGateway]:
    """alice and carol in workspace A (connection ``a``); dora on connection ``plain``,
    whose grant lacks ``webhook:read-write``."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_url="http://127.0.0.1:9",
        trigger_retry_base=0.1,
        trigger_poll_interval=0.1,
        trigger_max_attempts=3,
    )
    async with AsyncGateway(settings) as gateway:
        await create_emulator_connection(gateway, emulator_a.base_url, name="a", scopes=SCOPES)
        await connect_user(gateway, "alice", connection_name="a")
        await connect_user(gateway, "carol", connection_name="a")
        await create_emulator_connection(
            gateway, emulator_a.base_url, name="plain", scopes=SCOPES[:2], app_name="plain"
        )
        await connect_user(gateway, "dora", connection_name="plain")
        yield gateway


async def deliver(gw: AsyncGateway, workspace_id: str, event: dict[str, Any], key: str) -> Any:
    """What Attio would post for ``event``, signed with the workspace webhook's secret."""
    hook = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace_id)
    assert hook is not None
    secret = gw.credentials.trigger_webhook_secret(hook.id, hook.secret_sealed)
    body = json.dumps({"webhook_id": hook.attio_webhook_id, "events": [event]}).encode()
    signature = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    headers = Headers({"Attio-Signature": signature, "Idempotency-Key": key})
    return await gw.triggers.receive(hook.id, body, headers)


def record_event(workspace_id: str, n: int, object_id: str = "companies") -> dict[str, Any]:
    return {
        "event_type": "record.created",
        "id": {"workspace_id": workspace_id, "object_id": object_id, "record_id": f"rec-{n}"},
        "actor": {"type": "api-token", "id": "t"},
    }


def hooks(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return list(emulator.state.store.table("webhooks").values())


async def test_bad_input_and_missing_scope_are_refused_naming_what(gw: AsyncGateway) -> None:
    with pytest.raises(MissingScopesError, match="webhook:read-write") as missing:
        await gw.triggers.subscribe(
            connection_name="plain", identifier="dora", events=["note.created"]
        )
    assert missing.value.http_status == 403
    cases: list[tuple[dict[str, Any], str]] = [
        ({"events": ["record.changed"]}, "events"),
        ({"events": []}, "events"),
        ({"events": ["note.created"], "target_url": "ftp://x"}, "target_url"),
        ({"events": ["note.created"], "filter": {"$xor": []}}, "filter"),
        (
            {"events": ["note.created"], "filter": {"$and": [{"field": "id", "operator": "gt"}]}},
            "filter",
        ),
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidInputError) as refused:
            await gw.triggers.subscribe(connection_name="a", identifier="alice", **arguments)
        assert refused.value.field == field
        assert refused.value.http_status == 400
    assert await gw.triggers.list_subscriptions() == []


async def test_one_webhook_per_workspace_shared_then_removed_with_the_last(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    only_people = {"$and": [{"field": "id.object_id", "operator": "equals", "value": "people"}]}
    alice = await gw.triggers.subscribe(
        connection_name="a", identifier="alice", events=["record.created", "note.created"]
    )
    carol = await gw.triggers.subscribe(
        connection_name="a", identifier="carol", events=["record.created"], filter=only_people
    )
    (hook,) = hooks(emulator_a)
    assert hook["subscriptions"] == [
        {"event_type": "note.created", "filter": None},
        {"event_type": "record.created", "filter": None},
    ]
    workspace = hook["id"]["workspace_id"]
    assert hook["target_url"].startswith("http://127.0.0.1:9/triggers/attio/")

    # An event of the workspace goes to whoever wants it, the filter applied per subscription.
    result = await deliver(gw, workspace, record_event(workspace, 1), "k1")
    assert (result.stored, result.dropped) == (1, 0)
    result = await deliver(gw, workspace, record_event(workspace, 2, "people"), "k2")
    assert result.stored == 1
    alices = await gw.triggers.events(connection_name="a", identifier="alice")
    carols = await gw.triggers.events(connection_name="a", identifier="carol")
    assert [e.event["id"]["record_id"] for e in alices.events] == ["rec-1", "rec-2"]
    assert [e.event["id"]["record_id"] for e in carols.events] == ["rec-2"]
    assert {e.identifier for e in carols.events} == {"carol"}
    # Pull-only subscriptions: kept as "stored", never sent, not replayable.
    stored = await gw.triggers.deliveries(alice.id)
    assert [d.state for d in stored] == ["stored", "stored"]
    with pytest.raises(InvalidInputError, match="only a dead or delivered"):
        await gw.triggers.replay(stored[0].id)
    # Read on from the cursor.
    later = await gw.triggers.events(
        connection_name="a", identifier="alice", since=alices.events[0].delivery_id
    )
    assert [e.event["id"]["record_id"] for e in later.events] == ["rec-2"]

    # An event nobody wants is acknowledged and dropped; a duplicate is dropped.
    task = {"event_type": "task.created", "id": {"workspace_id": workspace, "task_id": "t"}}
    assert (await deliver(gw, workspace, task, "k3")).dropped == 1
    assert (await deliver(gw, workspace, record_event(workspace, 1), "k1")).duplicates == 1
    # Forged: refused, nothing stored.
    hook_row = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace)
    assert hook_row is not None
    with pytest.raises(AuthenticationError):
        await gw.triggers.receive(
            hook_row.id, b'{"events": []}', Headers({"Attio-Signature": "00" * 32})
        )
    # Signed but not Attio's shape: 400.
    body = b'{"events": "nope"}'
    secret = gw.credentials.trigger_webhook_secret(hook_row.id, hook_row.secret_sealed)
    signature = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256)
    with pytest.raises(InvalidInputError):
        await gw.triggers.receive(
            hook_row.id, body, Headers({"Attio-Signature": signature.hexdigest()})
        )

    await gw.triggers.delete(alice.id)
    (hook,) = hooks(emulator_a)
    assert hook["subscriptions"] == [{"event_type": "record.created", "filter": only_people}]
    await gw.triggers.delete(carol.id)
    assert hooks(emulator_a) == []
    assert await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace) is None


async def test_a_failing_app_goes_dead_without_holding_back_others_and_is_replayed(
    gw: AsyncGateway, app_server: App, emulator_a: RunningEmulator
) -> None:
    failing = await gw.triggers.subscribe(
        connection_name="a",
        identifier="alice",
        events=["record.created"],
        target_url=f"{app_server.url}/broken",
    )
    working = await gw.triggers.subscribe(
        connection_name="a",
        identifier="carol",
        events=["record.created"],
        target_url=f"{app_server.url}/ok",
    )
    unreachable = await gw.triggers.subscribe(
        connection_name="a",
        identifier="carol",
        events=["record.created"],
        target_url="http://127.0.0.1:9/nothing-listens",
    )
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    app_server.down.add("/broken")
    for n in range(2):
        await deliver(gw, workspace, record_event(workspace, n), f"key-{n}")

    async def settled() -> bool:
        states = [d.state for d in await gw.triggers.deliveries(failing.id)]
        return states == ["dead", "dead"] and len(app_server.accepted("/ok")) == 2

    await eventually(settled, "the failing deliveries dead, the working ones delivered")
    log = await gw.triggers.deliveries(failing.id)
    assert [(d.attempts, d.last_status) for d in log] == [(3, 500), (3, 500)]
    assert [d.state for d in await gw.triggers.deliveries(working.id)] == ["delivered"] * 2
    (first, *_) = await gw.triggers.deliveries(unreachable.id)
    assert first.last_error and "could not be reached" in first.last_error
    assert first.last_status is None
    assert await gw.triggers.deliveries(failing.id, state="dead") == log

    app_server.down.clear()
    replayed = await gw.triggers.replay(log[1].id)
    assert (replayed.state, replayed.attempts) == ("pending", 0)

    async def delivered() -> bool:
        return len(app_server.accepted("/broken")) == 1

    await eventually(delivered, "the replayed delivery at the app")
    (received,) = app_server.accepted("/broken")
    assert received.json["event"]["id"]["record_id"] == "rec-1"
    assert received.headers["x-attio-gateway-delivery"] == str(log[1].id)
    with pytest.raises(NotFoundError):
        await gw.triggers.replay(log[1].id + 10_000)


async def test_a_delivery_held_by_a_crashed_process_is_sent_by_another(
    gw: AsyncGateway, app_server: App, emulator_a: RunningEmulator
) -> None:
    sub = await gw.triggers.subscribe(
        connection_name="a",
        identifier="alice",
        events=["record.created"],
        target_url=f"{app_server.url}/alice",
    )
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    # Another process claimed both (as it does before sending) and died: nothing sent yet.
    await gw.services.trigger_worker.close()
    for n in range(2):
        await deliver(gw, workspace, record_event(workspace, n), f"key-{n}")
    now = gw.clock.now()
    for delivery in await gw.triggers.deliveries(sub.id):
        assert await tq.claim_delivery(
            gw.db,
            delivery_id=delivery.id,
            owner="a-process-that-died",
            now=now,
            until=now + timedelta(seconds=1),
        )
    gw.services.trigger_worker.start()

    async def both() -> bool:
        return len(app_server.accepted("/alice")) == 2

    await eventually(both, "both events, once the dead process's lease passed")
    assert [r.json["event"]["id"]["record_id"] for r in app_server.accepted()] == ["rec-0", "rec-1"]
    assert [d.state for d in await gw.triggers.deliveries(sub.id)] == ["delivered"] * 2


async def test_the_http_api_and_its_errors(gw: AsyncGateway, emulator_a: RunningEmulator) -> None:
    app = create_app(gw.settings)
    async with app.router.lifespan_context(app):
        gateway: AsyncGateway = app.state.gateway
        credentials = await create_api_client(
            gateway, name="app", scopes=["accounts:read", "accounts:write"]
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as client:
            token = await client.post(
                "/api/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": credentials.client_id,
                    "client_secret": credentials.client_secret,
                },
            )
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            base = "/api/v1/triggers"
            missing = await client.post(
                f"{base}/subscriptions",
                json={"connection_name": "plain", "identifier": "dora", "events": ["note.created"]},
                headers=auth,
            )
            assert missing.status_code == 403
            assert missing.json()["error"]["missing"] == ["webhook:read-write"]
            bad = await client.post(
                f"{base}/subscriptions",
                json={"connection_name": "a", "identifier": "alice", "events": ["nope"]},
                headers=auth,
            )
            assert bad.status_code == 400 and bad.json()["error"]["field"] == "events"
            created = await client.post(
                f"{base}/subscriptions",
                json={"connection_name": "a", "identifier": "alice", "events": ["note.created"]},
                headers=auth,
            )
            assert created.status_code == 201, created.text
            subscription = created.json()
            assert subscription["secret"].startswith("whsec_")
            listed = await client.get(f"{base}/subscriptions", headers=auth)
            assert [s["id"] for s in listed.json()["subscriptions"]] == [subscription["id"]]
            assert "secret" not in listed.json()["subscriptions"][0]
            events = await client.get(
                f"{base}/events",
                params={"connection_name": "a", "identifier": "alice"},
                headers=auth,
            )
            assert events.json() == {"events": [], "next_cursor": 0}
            log = await client.get(
                f"{base}/subscriptions/{subscription['id']}/deliveries", headers=auth
            )
            assert log.json() == {"deliveries": []}
            unauthenticated = await client.get(f"{base}/subscriptions")
            assert unauthenticated.status_code == 401
            unknown = await client.post("/triggers/attio/nope", content=b"{}")
            assert unknown.status_code == 404
            (hook,) = hooks(emulator_a)
            row = await tq.get_webhook_of_workspace(
                gateway.db, workspace_id=hook["id"]["workspace_id"]
            )
            assert row is not None
            forged = await client.post(
                f"/triggers/attio/{row.id}", content=b"{}", headers={"Attio-Signature": "ab"}
            )
            assert forged.status_code == 401
            deleted = await client.delete(
                f"{base}/subscriptions/{subscription['id']}", headers=auth
            )
            assert deleted.status_code == 204
            gone = await client.get(f"{base}/subscriptions/{subscription['id']}", headers=auth)
            assert gone.status_code == 404
    assert hooks(emulator_a) == []


def test_the_gateway_signature_scheme() -> None:
    body = b'{"event_type": "record.created"}'
    header = signature_header("whsec_1", body, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    expected = hmac.new(b"whsec_1", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("whsec_1", header, body, now=1_700_000_100)
    assert not verify("whsec_1", header, body, now=1_700_000_000 + 301)  # too old
    assert not verify("whsec_2", header, body, now=1_700_000_000)
    assert not verify("whsec_1", header, body + b" ", now=1_700_000_000)
    assert not verify("whsec_1", None, body, now=1_700_000_000)
    assert not verify("whsec_1", "v1=" + expected, body, now=1_700_000_000)  # no timestamp


def test_filters_and_the_webhook_they_make() -> None:
    people = {"$and": [{"field": "id.object_id", "operator": "equals", "value": "people"}]}
    not_people = {"$or": [{"field": "id.object_id", "operator": "not_equals", "value": "people"}]}
    event = {"event_type": "record.created", "id": {"object_id": "people"}}
    assert matches(event, people) and not matches(event, not_people) and matches(event, None)
    merged = attio_subscriptions(
        [(["record.created"], people), (["record.created"], not_people), (["note.created"], None)]
    )
    assert merged == [
        {"event_type": "note.created", "filter": None},
        {"event_type": "record.created", "filter": people},
        {"event_type": "record.created", "filter": not_people},
    ]
    assert attio_subscriptions([(["record.created"], people), (["record.created"], None)]) == [
        {"event_type": "record.created", "filter": None}
    ]


async def test_deleting_accounts_hands_the_webhook_on_then_deletes_it(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    await gw.triggers.subscribe(connection_name="a", identifier="alice", events=["note.created"])
    carol = await gw.triggers.subscribe(
        connection_name="a", identifier="carol", events=["task.created"]
    )
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    row = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace)
    assert row is not None
    _, alice = await gw.find_account(connection_name="a", identifier="alice")
    assert row.account_id == alice.id

    await gw.actions.delete_connected_account(connection_name="a", identifier="alice")
    (hook,) = hooks(emulator_a)
    assert hook["subscriptions"] == [{"event_type": "task.created", "filter": None}]
    row = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace)
    assert row is not None and row.account_id == carol.connected_account_id
    assert [s.id for s in await gw.triggers.list_subscriptions()] == [carol.id]
    # Carol's events still arrive.
    task = {"event_type": "task.created", "id": {"workspace_id": workspace, "task_id": "t1"}}
    assert (await deliver(gw, workspace, task, "k1")).stored == 1

    await gw.actions.delete_connected_account(connection_name="a", identifier="carol")
    assert hooks(emulator_a) == []
    assert await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace) is None


async def test_the_mcp_tool_pulls_the_bound_users_events(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    from mcp import Client

    from attio_gateway.mcp_server import build_server, fixed_account

    await gw.triggers.subscribe(connection_name="a", identifier="alice", events=["record.created"])
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    for n in range(3):
        await deliver(gw, workspace, record_event(workspace, n), f"k{n}")
    plain = Client(build_server(gw, account_of=fixed_account("alice", "a")))
    async with plain as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "attio_trigger_events" not in names  # offered only when asked for
    server = build_server(gw, account_of=fixed_account("alice", "a"), trigger_events=True)
    async with Client(server) as client:
        tool = {t.name: t for t in (await client.list_tools()).tools}["attio_trigger_events"]
        assert tool.annotations is not None and tool.annotations.read_only_hint
        first = await client.call_tool("attio_trigger_events", {"limit": 2})
        assert not first.is_error
        page = first.structured_content
        assert [e["event"]["id"]["record_id"] for e in page["events"]] == ["rec-0", "rec-1"]
        assert {e["identifier"] for e in page["events"]} == {"alice"}
        rest = await client.call_tool("attio_trigger_events", {"since": page["next_cursor"]})
        assert [e["event"]["id"]["record_id"] for e in rest.structured_content["events"]] == [
            "rec-2"
        ]
        bad = await client.call_tool("attio_trigger_events", {"since": -1})
        assert bad.is_error and bad.structured_content["error"]["field"] == "since"
    nobody = build_server(gw, account_of=fixed_account("nobody", "a"), trigger_events=True)
    async with Client(nobody) as client:
        missing = await client.call_tool("attio_trigger_events", {})
        assert missing.is_error and missing.structured_content["error"]["code"] == "not_found"


async def test_include_record_posts_the_record_as_it_is_now(
    gw: AsyncGateway, app_server: App, emulator_a: RunningEmulator
) -> None:
    sub = await gw.triggers.subscribe(
        connection_name="a",
        identifier="carol",
        events=["record.created", "record.deleted"],
        target_url=f"{app_server.url}/carol",
        include_record=True,
    )
    assert sub.include_record
    created = await gw.actions.execute_tool(
        {"values": {"name": "Acme"}},
        "attio_create_company",
        identifier="alice",
        connection_name="a",
    )
    ids = created.data["data"]["id"]
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    event = {"event_type": "record.created", "id": ids, "actor": {"type": "api-token", "id": "t"}}
    await deliver(gw, workspace, event, "k-created")
    await deliver(gw, workspace, {**event, "event_type": "record.deleted"}, "k-deleted")

    async def both() -> bool:
        return len(app_server.accepted("/carol")) == 2

    await eventually(both, "both events at the app")
    with_record, deleted = (r.json for r in app_server.accepted("/carol"))
    assert with_record["record"]["id"]["record_id"] == ids["record_id"]
    assert with_record["record"]["values"]["name"][0]["value"] == "Acme"
    assert deleted["record"] is None
    # Read through the call path, as carol: audited like any proxied call.
    audited = await gw.audit_events(identifier="carol", kind="proxy")
    assert any(e.path and ids["record_id"] in e.path for e in audited)


async def test_the_dashboard_page_subscribes_shows_the_log_replays_and_deletes(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    import re

    from attio_gateway.sdk.operators import set_operator_password
    from tests.gateway.dashboard.conftest import log_in

    app = create_app(gw.settings)
    async with app.router.lifespan_context(app):
        gateway: AsyncGateway = app.state.gateway
        await set_operator_password(gateway, "admin", "correct horse battery")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:9"
        ) as browser:
            assert (await log_in(browser, "admin", "correct horse battery")).status_code == 303
            page = await browser.get("/dashboard/triggers")
            assert page.status_code == 200 and "No subscriptions yet" in page.text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            form = {
                "csrf_token": csrf.group(1),
                "identifier": "alice",
                "connection_name": "a",
                "events": ["record.created", "note.created"],
                "target_url": "",
            }
            created = await browser.post("/dashboard/triggers", data=form)
            assert created.status_code == 200
            secret = re.search(
                r'id="subscription-secret" readonly value="(whsec_[0-9a-f]+)"', created.text
            )
            assert secret, created.text[-2000:]
            (subscription,) = await gateway.triggers.list_subscriptions()
            (hook,) = hooks(emulator_a)
            workspace = hook["id"]["workspace_id"]
            await deliver(gateway, workspace, record_event(workspace, 1), "k1")
            listed = await browser.get("/dashboard/triggers")
            assert subscription.id in listed.text and "stored" in listed.text
            assert secret.group(1) not in listed.text  # shown once only
            refused = await browser.post(
                "/dashboard/triggers", data={**form, "events": ["nope"]}, follow_redirects=False
            )
            assert refused.status_code == 303 and "error=" in refused.headers["location"]
            forged = await browser.post(
                f"/dashboard/triggers/{subscription.id}/delete", data={"csrf_token": "x"}
            )
            assert forged.status_code == 400
            deleted = await browser.post(
                f"/dashboard/triggers/{subscription.id}/delete",
                data={"csrf_token": csrf.group(1)},
                follow_redirects=False,
            )
            assert deleted.status_code == 303 and "notice=" in deleted.headers["location"]
    assert hooks(emulator_a) == []


async def test_a_webhook_gone_at_attio_is_made_again_when_the_user_authorizes_again(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    await gw.triggers.subscribe(connection_name="a", identifier="alice", events=["note.created"])
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    before = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace)
    assert before is not None
    await deliver(gw, workspace, record_event(workspace, 0) | {"event_type": "note.created"}, "k0")
    # Checked and left alone while Attio has it as the gateway made it.
    assert await gw.triggers.repair(connection_name="a", identifier="alice") is False
    emulator_a.state.store.table("webhooks").delete(hook["id"]["webhook_id"])

    await connect_user(gw, "alice", connection_name="a")  # re-authorized

    (again,) = hooks(emulator_a)
    assert again["id"]["webhook_id"] != hook["id"]["webhook_id"]
    assert again["target_url"] == hook["target_url"]  # the same inbound URL
    assert again["subscriptions"] == [{"event_type": "note.created", "filter": None}]
    after = await tq.get_webhook_of_workspace(gw.db, workspace_id=workspace)
    assert after is not None and after.id == before.id
    assert after.attio_webhook_id == again["id"]["webhook_id"]
    # Signed with the new secret, received; the events kept from before are still there.
    note = {"event_type": "note.created", "id": {"workspace_id": workspace, "note_id": "n1"}}
    assert (await deliver(gw, workspace, note, "k1")).stored == 1
    page = await gw.triggers.events(connection_name="a", identifier="alice")
    assert len(page.events) == 2

    # Changed at Attio behind the gateway's back: put right.
    emulator_a.state.store.table("webhooks").put(
        again["id"]["webhook_id"], {**again, "subscriptions": []}
    )
    assert await gw.triggers.repair(connection_name="a", identifier="alice") is False
    (fixed,) = hooks(emulator_a)
    assert fixed["subscriptions"] == [{"event_type": "note.created", "filter": None}]


async def test_settled_events_are_purged_after_the_retention_unsettled_ones_kept(
    gw: AsyncGateway, emulator_a: RunningEmulator
) -> None:
    await gw.triggers.subscribe(connection_name="a", identifier="alice", events=["record.created"])
    failing = await gw.triggers.subscribe(
        connection_name="a",
        identifier="carol",
        events=["record.created"],
        target_url="http://127.0.0.1:9/nothing-listens",
    )
    (hook,) = hooks(emulator_a)
    workspace = hook["id"]["workspace_id"]
    await deliver(gw, workspace, record_event(workspace, 1), "k1")
    later = gw.clock.now() + timedelta(days=31)
    assert await tq.purge_events(gw.db, before=later) == 0  # carol's is not settled
    assert len((await gw.triggers.events(connection_name="a", identifier="alice")).events) == 1
    await gw.triggers.delete(failing.id)
    earlier = gw.clock.now() - timedelta(days=1)
    assert await tq.purge_events(gw.db, before=earlier) == 0  # not old enough
    assert await tq.purge_events(gw.db, before=later) == 1
    assert (await gw.triggers.events(connection_name="a", identifier="alice")).events == []
    worker = gw.services.trigger_worker
    assert worker.retention == 30 * 86400
    assert await worker.purge_if_due() == 0  # ran at start already: at most once an hour
