"""Audit events are written off the caller's path (``attio_gateway.sdk.auditlog``) and
never lost: not when the gateway is closed, not when a script ends without closing it,
and a duplicate event id is stored once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.storage import queries as q


def _event(n: int) -> dict[str, object]:
    return {"kind": "proxy", "outcome": "success", "identifier": "u", "path": f"/v2/{n}"}


async def test_queued_events_are_readable_at_once_and_in_order(tmp_path: Path) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        ids = [await gw.audit(wait=False, **_event(n)) for n in range(300)]
        events = await gw.audit_events(identifier="u", limit=1000)
    assert [e.event_id for e in events] == list(reversed(ids))  # newest first


async def test_audit_returns_once_the_event_is_stored_for_every_process(tmp_path: Path) -> None:
    async with (
        AsyncGateway(Settings(data_dir=tmp_path)) as gw,
        AsyncGateway(Settings(data_dir=tmp_path)) as other,
    ):
        await gw.audit(wait=False, **_event(0))
        await gw.audit(**_event(1))  # waits, and takes the queued one along
        assert len(await q.list_audit_events(other.db)) == 2


async def test_close_stores_what_is_still_queued(tmp_path: Path) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        for n in range(200):
            await gw.audit(wait=False, **_event(n))
    async with AsyncGateway(Settings(data_dir=tmp_path)) as reader:
        assert len(await q.list_audit_events(reader.db, limit=1000)) == 200


async def test_a_duplicate_event_id_is_stored_once_and_the_rest_of_its_batch_too(
    tmp_path: Path,
) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gw:
        await gw.audit(event_id="same", **_event(0))
        await gw.audit_events()  # stored
        for n in range(1, 4):
            await gw.audit(wait=False, **_event(n))
        await gw.audit(wait=False, event_id="same", **_event(4))
        await gw.audit(**_event(5))
        events = await gw.audit_events(limit=100)
    assert sorted(e.path or "" for e in events) == [f"/v2/{n}" for n in (0, 1, 2, 3, 5)]


@pytest.mark.parametrize(
    "script",
    [
        # asyncio.run() ends without close(): its cancellation drains the queue.
        """
        import asyncio
        from attio_gateway.sdk import AsyncGateway

        async def main():
            gw = await AsyncGateway().open()
            for n in range(100):
                await gw.audit(
                    wait=False, kind="proxy", outcome="success", identifier="u", path=f"/{n}"
                )
            raise SystemExit(3)

        asyncio.run(main())
        """,
        # The synchronous Gateway (loop on a daemon thread), never closed, script raises.
        """
        from attio_gateway.sdk import Gateway

        gw = Gateway()
        for n in range(100):
            gw.audit(wait=False, kind="proxy", outcome="success", identifier="u", path=f"/{n}")
        raise KeyError("the script failed")
        """,
    ],
    ids=["asyncio-run", "sync-gateway"],
)
def test_a_script_that_never_closes_the_gateway_loses_nothing(tmp_path: Path, script: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env={"ATTIO_GATEWAY_DATA_DIR": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Task was destroyed" not in result.stderr, result.stderr
    assert asyncio.run(_stored(tmp_path)) == 100


async def _stored(data_dir: Path) -> int:
    async with AsyncGateway(Settings(data_dir=data_dir)) as reader:
        return len(await q.list_audit_events(reader.db, limit=1000))
