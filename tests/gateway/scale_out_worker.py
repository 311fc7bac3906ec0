"""One gateway OS process for ``test_scale_out``: an embedded ``AsyncGateway`` configured
only from the environment (``ATTIO_GATEWAY_*``), driven by one JSON command per stdin line
and answering one JSON line per command on stdout.

Run as ``python -m tests.gateway.scale_out_worker``. Commands (``op``):
``setup`` (create the emulator connection), ``link`` (an authorization link),
``callback`` (deliver the provider's redirect), ``account`` (status of an account),
``burst`` (``count`` concurrent GETs started at wall-clock ``start_at``), ``quit``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

from attio_gateway.errors import GatewayError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import create_emulator_connection


async def handle(gw: AsyncGateway, command: dict[str, Any]) -> dict[str, Any]:
    op = command["op"]
    if op == "setup":
        connection = await create_emulator_connection(gw, command["emulator_url"])
        return {"status": connection.status, "connection_id": connection.id}
    if op == "link":
        link = await gw.actions.get_authorization_link(identifier=command["identifier"])
        return {"link": link.link}
    if op == "callback":
        result = await gw.handle_callback(command["connection_id"], command["params"])
        return {"status": result.status}
    if op == "account":
        details = await gw.actions.get_connected_account_details(identifier=command["identifier"])
        return {"status": details.connected_account.status}
    if op == "burst":
        await asyncio.sleep(max(0.0, command["start_at"] - time.time()))

        async def one() -> str:
            try:
                response = await gw.actions.request(
                    identifier=command["identifier"], path=command["path"]
                )
            except GatewayError as exc:  # reported to the test, never swallowed
                return f"error:{exc.code}"
            return str(response.status_code)

        statuses = await asyncio.gather(*(one() for _ in range(command["count"])))
        return {"statuses": dict(Counter(statuses))}
    raise ValueError(f"unknown op {op!r}")


async def main() -> None:
    async with AsyncGateway() as gw:
        print(json.dumps({"ready": True}), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            command = json.loads(line)
            if command["op"] == "quit":
                return
            try:
                answer = await handle(gw, command)
            except Exception as exc:  # the test shows it; the process keeps serving
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
