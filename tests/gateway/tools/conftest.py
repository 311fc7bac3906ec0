"""Tool fixtures: the catalog run against the in-process emulator (one workspace member)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from attio_emulator.services.members.models import add_member
from attio_gateway.proxy import AttioClient
from attio_gateway.tools import catalog, execute_tool
from tests.gateway.conftest import Emulator

Run = Callable[..., Awaitable[Any]]


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
def run(attio: AttioClient, member_id: str) -> Run:
    """``await run(tool, output=..., scopes=..., **input)`` through ``execute_tool``."""
    cache: dict[str, Any] = {}

    async def _run(
        tool: str,
        *,
        output: Any = "default",
        scopes: frozenset[str] | None = None,
        read_only: bool = False,
        **tool_input: Any,
    ) -> Any:
        return await execute_tool(
            catalog=catalog(),
            name=tool,
            tool_input=tool_input,
            attio=attio,
            granted_scopes=scopes,
            schema_cache=cache,
            output=output,
            read_only=read_only,
        )

    return _run


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
