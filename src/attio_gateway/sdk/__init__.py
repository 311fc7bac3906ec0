"""The public Python API: ``Gateway`` (sync) and ``AsyncGateway`` (async), embedded."""

from attio_gateway.sdk.gateway import AsyncGateway
from attio_gateway.sdk.models import AccountStatus, ConnectionStatus
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.sdk.sync import Gateway

__all__ = ["AccountStatus", "AsyncGateway", "ConnectionStatus", "Gateway", "ProxyResponse"]
