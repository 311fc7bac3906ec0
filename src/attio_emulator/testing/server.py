"""A real HTTP emulator on a free port, run on its own event loop in a background thread.

Unlike ``attio_emulator.server.run_in_thread`` it keeps the loop, so test helpers can run
model code *on* it (``call``): the workspace is then only ever touched from one thread,
and webhook events the helpers cause are sent like those of API calls.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import uvicorn

from attio_emulator.app import create_app
from attio_emulator.core.state import EmulatorState
from attio_emulator.server import free_port

T = TypeVar("T")

#: How long a server may take to start on a loaded machine.
START_TIMEOUT = 120.0


class EmulatorServer:
    def __init__(self, state: EmulatorState, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.app = create_app(state)
        self.host = host
        self.port = port or free_port(host)
        self.base_url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            self.app, host=host, port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="attio-emulator", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve())

    def start(self) -> EmulatorServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function()`` on the server's loop and answer its result (or raise its error)."""

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self.loop.close()
