"""The dashboard's ``Annotated`` dependency on the gateway the hosting app opened.

The dashboard is mounted by the HTTP API's app (``api.app``), which keeps the open
``AsyncGateway`` on ``app.state.gateway``; the dashboard reads it from there itself, so it
needs nothing of ``api``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from attio_gateway.sdk import AsyncGateway

__all__ = ["GatewayDep"]


async def get_gateway(request: Request) -> AsyncGateway:
    gateway: AsyncGateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[AsyncGateway, Depends(get_gateway)]
