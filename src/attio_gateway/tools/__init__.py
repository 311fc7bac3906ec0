"""The Attio tool catalog: every tool is data (``ToolSpec``) plus one handler."""

from __future__ import annotations

import difflib
import functools

from attio_gateway.errors import NotFoundError
from attio_gateway.tools.runner import execute_tool, run_tool
from attio_gateway.tools.spec import ToolSpec


class Catalog:
    def __init__(self, tools: list[ToolSpec]) -> None:
        self._tools = {tool.name: tool for tool in tools}
        if len(self._tools) != len(tools):
            raise ValueError("two tools share a name")

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        return list(self._tools)

    def get(self, name: str) -> ToolSpec:
        tool = self._tools.get(name)
        if tool is None:
            close = difflib.get_close_matches(name, self._tools, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(f"No tool named {name!r}{hint}")
        return tool

    def search(
        self, *, name: str | None = None, query: str | None = None, read_only: bool = False
    ) -> list[ToolSpec]:
        tools = list(self._tools.values())
        if name:
            tools = [self.get(name)]
        if query:
            words = query.lower().split()
            tools = [
                t for t in tools if all(w in f"{t.name} {t.description}".lower() for w in words)
            ]
        if read_only:
            tools = [t for t in tools if t.read_only]
        return tools


@functools.cache
def catalog() -> Catalog:
    """The catalog (built once; it is immutable data)."""
    from attio_gateway.tools.comments import comment_tools
    from attio_gateway.tools.lists import list_tools
    from attio_gateway.tools.meta import meta_tools
    from attio_gateway.tools.notes import note_tools
    from attio_gateway.tools.records import record_tools
    from attio_gateway.tools.tasks import task_tools
    from attio_gateway.tools.workspace import workspace_tools

    return Catalog(
        [
            *record_tools(),
            *task_tools(),
            *note_tools(),
            *comment_tools(),
            *list_tools(),
            *meta_tools(),
            *workspace_tools(),
        ]
    )


__all__ = ["Catalog", "ToolSpec", "catalog", "execute_tool", "run_tool"]
