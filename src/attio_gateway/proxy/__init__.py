"""Authenticated requests to Attio: auth → rate limit → retry → network, and error mapping.

The only place in the gateway that catches ``httpx`` exceptions.
"""

from attio_gateway.proxy.client import AttioClient

__all__ = ["AttioClient"]
