"""What a handler gets: the account's Attio client, its workspace schema, output options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from attio_gateway.proxy import AttioCalls
from attio_gateway.tools.schema import WorkspaceSchema

# Called with (name, secret) when Attio hands out a secret once (a webhook's signing secret),
# so the caller can seal it in its vault; the secret is never returned to the agent.
SecretSink = Callable[[str, str], Awaitable[None]]


@dataclass
class ToolContext:
    attio: AttioCalls
    schema: WorkspaceSchema
    output: str = "default"
    on_secret: SecretSink | None = None
