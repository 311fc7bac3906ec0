"""The public Python API: ``Gateway`` (sync) and ``AsyncGateway`` (async), embedded.

``attio_path`` builds the Attio paths ``actions.request`` takes from a template and
values, each checked and percent-encoded into its own segment.
"""

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
