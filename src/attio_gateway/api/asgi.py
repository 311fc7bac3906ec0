"""The app ``attio-gateway serve`` runs, built from ``ATTIO_GATEWAY_*`` variables.

uvicorn imports ``create_from_environment`` in every worker process (``serve --workers N``),
so each builds its own app and gateway; ``serve`` prepares what must happen once (schema,
vault key, signing key, first admin) before it starts them.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from attio_gateway.api.app import create_app
from attio_gateway.config import Settings


def create_from_environment() -> FastAPI:
    app = create_app(Settings(), mcp=True)
    # Everything imported so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every request for a few hundred
    # milliseconds on a small machine (and bunch the requests they delayed).
    gc.collect()
    gc.freeze()
    return app
