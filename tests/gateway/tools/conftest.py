"""Tool fixtures: every tool test runs twice — straight through ``execute_tool`` on the
in-process emulator, and through the SDK (link, consent, vault, audit) against the emulator
served over HTTP. Either way the workspace has one member, Ada."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from attio_emulator.app import create_app
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.server import RunningEmulator, run_in_thread
from attio_emulator.services.members.models import add_member
from attio_gateway.config import Settings
from attio_gateway.proxy import AttioClient
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.tools import catalog, execute_tool
from tests.gateway.conftest import Emulator

Run = Callable[..., Awaitable[Any]]
USER = "user_tools"


@pytest.fixture(params=["direct", "sdk"])
def via(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(via: str) -> Iterator[RunningEmulator | None]:
    """The emulator served over HTTP for the SDK runs; None for the direct runs."""
    if via == "direct":
        yield None
        return
    with run_in_thread() as running:
        yield running


@pytest.fixture
def emulator(served: RunningEmulator | None) -> Emulator:
    if served is None:
        state = EmulatorState(store=Store())
        return Emulator(app=create_app(state), state=state, token=state.issue_token()["token"])
    state = served.state
    return Emulator(app=served.app, state=state, token=state.issue_token()["token"])


@pytest.fixture
async def attio(emulator: Emulator, served: RunningEmulator | None) -> AsyncIterator[AttioClient]:
    """An ``AttioClient`` on the same emulator the tools use, with every scope."""
    if served is None:
        client = AttioClient(token=emulator.token, transport=emulator.transport)
    else:
        client = AttioClient(token=emulator.token, base_url=served.base_url)
    async with client:
        yield client


@pytest.fixture
async def gateway(
    tmp_path: Path, served: RunningEmulator | None, member_id: str
) -> AsyncIterator[AsyncGateway | None]:
    if served is None:
        yield None
        return
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    async with AsyncGateway(settings) as gw:
        connection = await create_emulator_connection(gw, served.base_url)
        assert connection.status == "ACTIVE", connection.status_detail
        await connect_user(gw, USER)
        yield gw


@pytest.fixture
def member_id(emulator: Emulator) -> str:
    member = add_member(
        emulator.state,
        first_name="Ada",
        last_name="Lovelace",
        email_address="ada@example.com",
        access_level="admin",
    )
    return str(member["id"]["workspace_member_id"])


@pytest.fixture
def run(attio: AttioClient, member_id: str, gateway: AsyncGateway | None) -> Run:
    """``await run(tool, output=..., scopes=..., **input)`` through ``execute_tool`` or,
    in the SDK runs, ``gateway.actions.execute_tool``."""
    cache: dict[str, Any] = {}

    async def _run(
        tool: str,
        *,
        output: Any = "default",
        scopes: frozenset[str] | None = None,
        **tool_input: Any,
    ) -> Any:
        if gateway is not None:
            if scopes is not None:
                pytest.skip("scopes are checked in the direct runs")
            result = await gateway.actions.execute_tool(
                tool_input=tool_input, tool_name=tool, identifier=USER, output=output
            )
            return result.data
        return await execute_tool(
            catalog=catalog(),
            name=tool,
            tool_input=tool_input,
            attio=attio,
            granted_scopes=scopes,
            schema_cache=cache,
            output=output,
        )

    return _run


def attribute_fields(**given: Any) -> dict[str, Any]:
    """``attio_create_attribute``'s required fields for a plain attribute (optional,
    not unique, single value, no config), with ``given`` on top."""
    plain = {
        "description": None,
        "is_required": False,
        "is_unique": False,
        "is_multiselect": False,
        "config": {},
    }
    return plain | given


async def new_company(run: Run, name: str = "Acme", domain: str = "acme.com") -> str:
    result = await run("attio_create_company", values={"name": name, "domains": domain})
    return str(result["data"]["id"]["record_id"])


async def new_person(run: Run, email: str = "alice@acme.com") -> str:
    result = await run(
        "attio_create_person", values={"name": "Alice Smith", "email_addresses": email}
    )
    return str(result["data"]["id"]["record_id"])


async def new_deal(run: Run, owner: str, stage: str = "Lead") -> str:
    result = await run(
        "attio_create_deal", values={"name": "Big deal", "stage": stage, "owner": owner}
    )
    return str(result["data"]["id"]["record_id"])
