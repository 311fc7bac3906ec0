"""The public Python API: ``Gateway`` (sync) and ``AsyncGateway`` (async), embedded.

``attio_path`` builds the Attio paths ``actions.request`` takes from a template and
values, each checked and percent-encoded into its own segment.

The names are imported on first use (PEP 562), so importing this package, or one of its
light modules (``sdk.models``, ``sdk.scopes``), does not load the database and HTTP
stacks: ``attio-gateway --help`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attio_gateway.proxy.paths import attio_path
    from attio_gateway.sdk.gateway import AsyncGateway
    from attio_gateway.sdk.models import AccountStatus, ConnectionStatus
    from attio_gateway.sdk.response import ProxyResponse
    from attio_gateway.sdk.sync import Gateway

__all__ = [
    "AccountStatus",
    "AsyncGateway",
    "ConnectionStatus",
    "Gateway",
    "ProxyResponse",
    "attio_path",
]

_HOMES = {
    "AccountStatus": "attio_gateway.sdk.models",
    "AsyncGateway": "attio_gateway.sdk.gateway",
    "ConnectionStatus": "attio_gateway.sdk.models",
    "Gateway": "attio_gateway.sdk.sync",
    "ProxyResponse": "attio_gateway.sdk.response",
    "attio_path": "attio_gateway.proxy.paths",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'attio_gateway.sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value
