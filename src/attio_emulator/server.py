"""Run the emulator as a real HTTP server: in a background thread (tests) or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from attio_emulator.app import create_app
from attio_emulator.core.state import EmulatorState


@dataclass(frozen=True)
class RunningEmulator:
    base_url: str
    app: FastAPI

    @property
    def state(self) -> EmulatorState:
        state: EmulatorState = self.app.state.emulator
        return state


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def run_in_thread(
    state: EmulatorState | None = None, *, host: str = "127.0.0.1", port: int | None = None
) -> Iterator[RunningEmulator]:
    """Serve a fresh (or the given) emulator on a free port for the duration of the block."""
    app = create_app(state)
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="attio-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield RunningEmulator(base_url=f"http://{host}:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
