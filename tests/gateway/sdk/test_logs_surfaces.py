"""``gateway.logs`` on the SDK's three surfaces: the embedded async ``Logs``, the sync
``Gateway.logs`` and ``RemoteGateway.logs`` take the same parameters; the remote one reads a
real server's logs and raises the embedded errors."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.errors import InvalidInputError
from attio_gateway.sdk import AsyncGateway, Gateway
from attio_gateway.sdk.admin import ALL_SCOPES, create_api_client
from attio_gateway.sdk.logs import Logs
from attio_gateway.sdk.remote import RemoteGateway, RemoteLogs
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.sdk.sync import SyncLogs


@pytest.mark.parametrize("cls", [SyncLogs, RemoteLogs])
@pytest.mark.parametrize("name", ["query", "overview"])
def test_the_surfaces_take_the_same_parameters(cls: type, name: str) -> None:
    embedded = inspect.signature(getattr(Logs, name))
    other = inspect.signature(getattr(cls, name))
    assert list(other.parameters.items()) == list(embedded.parameters.items())
    assert other.return_annotation == embedded.return_annotation


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    port = free_port()
    settings = Settings(data_dir=tmp_path, base_url=f"http://127.0.0.1:{port}")
    instance = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield settings.base_url, settings
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


async def test_remote_logs_read_the_servers_calls(
    server: tuple[str, Settings], emulator: RunningEmulator
) -> None:
    base_url, settings = server
    async with AsyncGateway(settings) as local:
        await create_emulator_connection(local, emulator.base_url)
        await connect_user(local, "alice")
        credentials = await create_api_client(local, name="app", scopes=ALL_SCOPES)

    with RemoteGateway(base_url, credentials.client_id, credentials.client_secret) as remote:
        done = remote.actions.execute_tool(
            {}, "attio_list_objects", identifier="alice", agent_run_id="remote-run"
        )
        remote.actions.request(
            identifier="alice", path="/v2/objects/nope", agent_run_id="remote-run"
        )
        page = remote.logs.query(agent_run_id="remote-run")
        assert [(e.kind, e.error_tier) for e in page.logs] == [("proxy", "attio"), ("tool", None)]
        assert page.logs[1].event_id == done.execution_id
        first = remote.logs.query(limit=1)
        assert first.next_cursor is not None
        assert len(remote.logs.query(cursor=first.next_cursor).logs) == 1
        overview = remote.logs.overview(since="1h")
        assert (overview.calls, overview.errors) == (2, 1)
        with pytest.raises(InvalidInputError) as bad:
            remote.logs.query(error_tier="nope")
        assert bad.value.field == "error_tier"

    with Gateway(settings) as sync:  # the sync surface, on the same state
        assert len(sync.logs.query(agent_run_id="remote-run").logs) == 2
        assert sync.logs.overview(since="1h").errors_by_tier["attio"] == 1
