"""What a handler gets: the account's Attio client, its workspace schema, output options."""

from __future__ import annotations

from dataclasses import dataclass

from attio_gateway.proxy import AttioClient
from attio_gateway.tools.schema import WorkspaceSchema


@dataclass
class ToolContext:
    attio: AttioClient
    schema: WorkspaceSchema
    output: str = "default"
