"""The SDK's three surfaces cannot drift: the embedded async ``AsyncActions``, the embedded
sync ``SyncActions`` and the remote ``RemoteActions`` take the same parameters (names,
order, kinds, defaults, annotations) and return the same types, method by method; so do
``AsyncGateway`` and the sync ``Gateway``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from attio_gateway.sdk import AsyncGateway, Gateway
from attio_gateway.sdk.actions import AsyncActions
from attio_gateway.sdk.remote import RemoteActions
from attio_gateway.sdk.sync import SyncActions

#: Hosted-SDK methods the gateway server's JSON API does not serve, so the remote client
#: has none: creating and updating connected accounts is done where the tokens are.
NOT_REMOTE = {
    "create_connected_account",
    "get_or_create_connected_account",
    "upsert_connected_account",
    "update_connected_account",
}
#: The sync Gateway's own: its loop's lifetime, and running any coroutine on it.
SYNC_ONLY = {"close", "run"}
#: AsyncGateway's own: the lifetime of an async gateway (``async with`` in sync code is
#: ``with``), and what only the gateway server and the SDK's own modules use.
ASYNC_ONLY = {
    "open",
    "close",
    "find_account",
    "forget_cached",
    "authorization_request_connection",
}


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def shape(function: Callable[..., Any]) -> tuple[list[tuple[str, str, Any, Any]], Any]:
    signature = inspect.signature(function)
    parameters = [
        (p.name, p.kind.name, p.default, p.annotation) for p in signature.parameters.values()
    ]
    return parameters, signature.return_annotation


def test_sync_actions_are_the_async_actions_method_by_method() -> None:
    embedded, sync = public_methods(AsyncActions), public_methods(SyncActions)
    assert sorted(sync) == sorted(embedded)
    for name, method in embedded.items():
        assert inspect.iscoroutinefunction(method), name
        assert not inspect.iscoroutinefunction(sync[name]), name
        assert shape(sync[name]) == shape(method), name


def test_remote_actions_are_the_async_actions_method_by_method() -> None:
    embedded, remote = public_methods(AsyncActions), public_methods(RemoteActions)
    assert sorted(remote) == sorted(set(embedded) - NOT_REMOTE)
    for name, method in remote.items():
        assert shape(method) == shape(embedded[name]), name


def test_the_sync_gateway_is_the_async_gateway_method_by_method() -> None:
    embedded, sync = public_methods(AsyncGateway), public_methods(Gateway)
    assert sorted(set(sync) - SYNC_ONLY) == sorted(set(embedded) - ASYNC_ONLY)
    for name in set(sync) - SYNC_ONLY:
        assert shape(sync[name]) == shape(embedded[name]), name


@pytest.mark.parametrize("cls", [Gateway, SyncActions])
def test_the_sync_surface_is_typed_not_forwarded(cls: type) -> None:
    """No ``__getattr__``: every sync method is written out, so callers get its types."""
    assert "__getattr__" not in vars(cls)
