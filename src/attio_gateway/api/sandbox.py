"""The sandbox: the built-in Attio emulator, run on a thread when an operator asks for it.

The only module of the gateway's server that imports ``attio_emulator``.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import apply_seed
from attio_emulator.server import run_in_thread

#: The sandbox connection's name; the dashboard labels it everywhere.
SANDBOX_CONNECTION = "sandbox"


class Sandbox:
    def __init__(self) -> None:
        self._stack = ExitStack()
        self._url: str | None = None
        self._lock = threading.Lock()

    def url(self) -> str:
        """The emulator's base URL, starting it (with the demo workspace) on first use."""
        with self._lock:
            if self._url is None:
                state = EmulatorState(store=Store())
                apply_seed(state, "demo")
                running = self._stack.enter_context(run_in_thread(state))
                self._url = running.base_url
            return self._url

    @property
    def running(self) -> bool:
        return self._url is not None

    def close(self) -> None:
        self._stack.close()
        self._url = None
