"""The same server on PostgreSQL: API client auth, a connection, a link, a tool call, audit."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.api.conftest import ATTIO, BASE, token_request
from tests.gateway.conftest import Emulator

pytestmark = pytest.mark.postgres


async def test_the_api_on_postgresql(tmp_path: Path, postgres_url: str, emulator: Emulator) -> None:
    settings = Settings(data_dir=tmp_path, base_url=BASE, database_url=postgres_url)
    async with httpx.AsyncClient(transport=emulator.transport) as outbound:
        app = create_app(settings, http=outbound)
        async with app.router.lifespan_context(app):
            gateway = app.state.gateway
            credentials = await create_api_client(gateway, name="pg")
            await create_emulator_connection(gateway, ATTIO)
            await connect_user(gateway, "alice")
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=BASE
            ) as client:
                token = await token_request(
                    client, credentials.client_id, credentials.client_secret
                )
                client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
                ran = await client.post(
                    "/api/v1/tools/execute",
                    json={"tool_name": "attio_list_objects", "identifier": "alice"},
                )
                assert ran.status_code == 200, ran.text
                events = await client.get("/api/v1/audit-events", params={"identifier": "alice"})
                assert [e["tool_name"] for e in events.json()["audit_events"]] == [
                    "attio_list_objects"
                ]
                health = await client.get("/healthz")
                assert health.json() == {"status": "ok", "connections": 1}
