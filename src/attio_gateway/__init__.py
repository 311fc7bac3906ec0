"""attio-gateway: a self-hostable agent auth gateway for the Attio CRM.

``from attio_gateway import Gateway`` (sync) or ``AsyncGateway``: the embedded gateway.
They are imported on first use so that ``import attio_gateway`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["AsyncGateway", "Gateway", "__version__"]

if TYPE_CHECKING:
    from attio_gateway.sdk import AsyncGateway, Gateway


def __getattr__(name: str) -> Any:
    if name in ("Gateway", "AsyncGateway"):
        from attio_gateway import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'attio_gateway' has no attribute {name!r}")
