"""The workspace schema cache the tools share: concurrent calls share one read of each
schema page, and a failed read is not kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from attio_gateway.errors import UpstreamError
from attio_gateway.proxy import AttioClient
from attio_gateway.tools.schema import WorkspaceSchema
from tests.gateway.conftest import Emulator


@pytest.fixture
def via() -> str:
    """The schema cache is below the SDK: the in-process emulator is enough."""
    return "direct"


@pytest.fixture
async def counted(emulator: Emulator) -> AsyncIterator[tuple[AttioClient, list[str]]]:
    """An ``AttioClient`` on the emulator, with the path of every request it sends."""
    paths: list[str] = []

    async def seen(request: httpx.Request) -> None:
        paths.append(request.url.path)

    async with httpx.AsyncClient(
        transport=emulator.transport, event_hooks={"request": [seen]}
    ) as http:
        yield AttioClient(token=emulator.token, http=http), paths


async def test_concurrent_calls_share_one_read(
    counted: tuple[AttioClient, list[str]],
) -> None:
    attio, paths = counted
    shared: dict[str, object] = {}
    calls = [WorkspaceSchema(attio, shared).attributes("people") for _ in range(10)]
    results = await asyncio.gather(*calls)
    assert all("name" in attributes for attributes in results)
    assert paths == ["/v2/objects/people/attributes"]
    await WorkspaceSchema(attio, shared).attributes("people")  # fresh: from the cache
    assert len(paths) == 1


async def test_a_failed_read_is_not_kept(counted: tuple[AttioClient, list[str]]) -> None:
    attio, paths = counted
    shared: dict[str, object] = {}
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await WorkspaceSchema(attio, shared).attributes("no_such_object")
    assert paths == ["/v2/objects/no_such_object/attributes"] * 2
    assert shared == {}
