"""The gateway server: the versioned JSON API under ``/api/v1``, the OAuth callback, the
dashboard, ``/healthz`` and ``/metrics``."""

from attio_gateway.api.app import create_app

__all__ = ["create_app"]
