"""``ToolSpec``: a tool is data (name, description, input model, scopes, annotations) plus one
handler that talks to Attio through the proxy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from attio_gateway.errors import ToolInputError
from attio_gateway.oauth.provider import scope_satisfied

if TYPE_CHECKING:
    from attio_gateway.tools.context import ToolContext


class ToolInput(BaseModel):
    """Base of every tool's input: unknown parameters are refused, loudly."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def changes(self, fields: tuple[str, ...], *, nullable: tuple[str, ...] = ()) -> dict[str, Any]:
        """What an update tool sends: the ``fields`` the caller gave, as JSON. An explicit null
        is kept only for ``nullable`` fields (where Attio reads it as "clear"); elsewhere it
        means "leave as is". Raises ``ToolInputError`` (naming the first field) when nothing
        would change."""
        given = self.model_dump(mode="json", include=set(fields), exclude_unset=True)
        data = {k: v for k, v in given.items() if v is not None or k in nullable}
        if not data:
            named = ", ".join(fields[:-1]) + f" or {fields[-1]}" if len(fields) > 1 else fields[0]
            raise ToolInputError(f"give {named} to change.", field=fields[0])
        return data

    def target_scopes(self) -> tuple[str, ...]:
        """Scopes this call needs on top of the tool's own, by what it targets (a comment on
        a record needs the record scopes, on a list entry the list-entry scopes)."""
        return ()


Handler = Callable[["ToolContext", Any], Awaitable[Any]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_model: type[ToolInput]
    scopes: tuple[str, ...]
    handler: Handler
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False

    def input_schema(self) -> dict[str, Any]:
        schema = self.input_model.model_json_schema()
        schema.pop("title", None)
        return schema

    def annotations(self) -> dict[str, Any]:
        return {
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": True,
        }

    def definition(self) -> dict[str, Any]:
        """The hosted SDK's ``list_tools`` shape."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema(),
            "annotations": self.annotations(),
        }

    def missing_scopes(
        self, granted: frozenset[str] | set[str] | None, args: ToolInput | None = None
    ) -> list[str]:
        """Scopes ``granted`` lacks for this tool; with ``args``, for that call."""
        if granted is None:
            return []
        needed = self.scopes if args is None else (*self.scopes, *args.target_scopes())
        return [s for s in dict.fromkeys(needed) if not scope_satisfied(s, set(granted))]
