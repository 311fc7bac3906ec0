"""Authenticated requests to Attio: auth → rate limit → retry → network, and error mapping.

The only place in the gateway that catches ``httpx`` exceptions.
"""

from attio_gateway.proxy.client import AttioCalls, AttioClient, TokenProvider, upstream_error
from attio_gateway.proxy.ratelimit import (
    InProcessRateLimiter,
    Limits,
    RateLimiter,
    RedisRateLimiter,
    rate_limiter_from_settings,
)
from attio_gateway.proxy.retry import RetryPolicy, retry_policy_from_settings

__all__ = [
    "AttioCalls",
    "AttioClient",
    "InProcessRateLimiter",
    "Limits",
    "RateLimiter",
    "RedisRateLimiter",
    "RetryPolicy",
    "TokenProvider",
    "rate_limiter_from_settings",
    "retry_policy_from_settings",
    "upstream_error",
]
