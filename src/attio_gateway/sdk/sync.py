"""``Gateway``: the embedded gateway for synchronous code (scripts, notebooks, the CLI).

One private event loop runs on a background thread; every call is sent to it, so the
database engine and the HTTP client stay on the loop that created them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from attio_gateway.config import Settings
from attio_gateway.sdk.gateway import AsyncGateway

T = TypeVar("T")


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="attio-gateway", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


class _SyncProxy:
    """Every coroutine method of the wrapped object, callable synchronously."""

    def __init__(self, target: Any, runner: _LoopThread) -> None:
        self._target = target
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute) or not asyncio.iscoroutinefunction(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._runner.run(attribute(*args, **kwargs))

        call.__name__ = name
        call.__doc__ = attribute.__doc__
        return call


class Gateway(_SyncProxy):
    """``with Gateway() as gw: gw.actions.request(...)`` — the same API as ``AsyncGateway``."""

    def __init__(self, settings: Settings | None = None) -> None:
        runner = _LoopThread()
        self.async_gateway = AsyncGateway(settings)
        super().__init__(self.async_gateway, runner)
        runner.run(self.async_gateway.open())
        self.actions = _SyncProxy(self.async_gateway.actions, runner)
        self.connect = self.actions
        self.settings = self.async_gateway.settings

    def close(self) -> None:
        self._runner.run(self.async_gateway.close())
        self._runner.stop()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, make: Callable[[AsyncGateway], Coroutine[Any, Any, T]]) -> T:
        """Run any coroutine against the embedded gateway, e.g. ``gw.run(lambda g: ...)``."""
        return self._runner.run(make(self.async_gateway))
