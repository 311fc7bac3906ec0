"""The shared outbound client keeps its connections: 64 calls in flight at once, answered,
then 64 more, open next to no new connection (at most one per pool: the calls take the
pools in turn, so a pool may get one call more in the second round). httpx's default
keeps 20 idle connections: the second round opened 44 new ones, a TCP handshake each."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import Receive, Scope, Send

from attio_emulator.server import free_port
from attio_gateway.proxy.client import POOL_SHARDS, new_http_client


class SlowServer:
    """Answers every request after a short wait (so all calls of a round are in flight
    together) and remembers each connection by its client address."""

    def __init__(self) -> None:
        self.connections: set[tuple[str, int]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        client = scope["client"]
        self.connections.add((client[0], client[1]))
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


@contextmanager
def serving(app: SlowServer) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_level="warning", lifespan="off", backlog=256)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_64_concurrent_calls_reuse_their_connections() -> None:
    app = SlowServer()
    with serving(app) as base_url:
        async with new_http_client() as http:

            async def round_of(n: int) -> None:
                answers = await asyncio.gather(*(http.get(base_url) for _ in range(n)))
                assert [a.status_code for a in answers] == [200] * n

            await round_of(64)
            first = len(app.connections)
            assert first == 64
            await round_of(64)
            assert len(app.connections) - first <= POOL_SHARDS < 44, (
                f"the second round opened {len(app.connections) - first} new connections"
            )
