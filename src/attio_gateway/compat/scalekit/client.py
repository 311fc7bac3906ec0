"""``ScalekitClient(env_url, client_id, client_secret)`` backed by the embedded ``Gateway``.

``env_url`` is the gateway's public base URL: redirect URIs are
``{env_url}/sso/v1/oauth/{connection_id}/callback``, the form the product document shows.
Everything else comes from ``Settings`` (the ``ATTIO_GATEWAY_*`` environment: data
directory, database, Redis, vault keys). ``client_id`` and ``client_secret`` identify an
app to a gateway *server*; the embedded gateway runs inside your process on your own store,
so it has nothing to check them against and only records that they were given.
"""

from __future__ import annotations

import atexit
from typing import Any

from attio_gateway.compat.scalekit.actions import ActionClient
from attio_gateway.config import Settings
from attio_gateway.sdk.sync import Gateway

__all__ = ["ScalekitClient"]

# The SDK's defaults for its gRPC channel; accepted so its callers run, without effect here.
DEFAULT_KEEPALIVE_TIME_MS = 60_000
DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000
DEFAULT_CALL_TIMEOUT_S = 20
DEFAULT_TOOL_CALL_TIMEOUT_S = 60


class ScalekitClient:
    """``client.actions`` (alias ``client.connect``): the hosted SDK's methods, unchanged.

    ``keepalive_time_ms``, ``keepalive_timeout_ms``, ``call_timeout_s`` and
    ``tool_call_timeout_s`` tune the SDK's gRPC channel to the hosted service; the embedded
    gateway has no such channel, so they are accepted and have no effect.
    """

    def __init__(
        self,
        env_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        keepalive_time_ms: int = DEFAULT_KEEPALIVE_TIME_MS,
        keepalive_timeout_ms: int = DEFAULT_KEEPALIVE_TIMEOUT_MS,
        call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
        tool_call_timeout_s: float = DEFAULT_TOOL_CALL_TIMEOUT_S,
        *,
        settings: Settings | None = None,
    ) -> None:
        overrides: dict[str, Any] = {}
        if env_url:
            if not env_url.startswith(("http://", "https://")):
                raise ValueError(
                    f"env_url must be the gateway's http(s) base URL, got {env_url!r}."
                )
            overrides["base_url"] = env_url.rstrip("/")
        base = settings or Settings()
        self.client_id = client_id
        self.gateway = Gateway(base.model_copy(update=overrides))
        self.actions = ActionClient(self.gateway.actions)
        self.connect = self.actions
        self._closed = False
        # Scripts written for the hosted SDK never close their client: do it at exit so
        # pending audit writes are flushed and nothing is left running.
        atexit.register(self.close)

    @property
    def env_url(self) -> str:
        return self.gateway.settings.base_url

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self.gateway.close()

    def __enter__(self) -> ScalekitClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
