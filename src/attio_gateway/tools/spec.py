"""``ToolSpec``: a tool is data (name, description, input model, scopes, annotations) plus one
handler that talks to Attio through the proxy."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from attio_gateway.errors import ToolInputError
from attio_gateway.oauth.provider import scope_satisfied

if TYPE_CHECKING:
    from attio_gateway.tools.context import ToolContext


def _lean_property(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional ``X | None = None`` parameter as plain ``X``: leaving it out already means
    "not given". The null stays where it means something (the description says what)."""
    options = prop.get("anyOf")
    if (
        prop.get("default", ...) is None
        and isinstance(options, list)
        and len(options) == 2
        and {"type": "null"} in options
        and "null" not in str(prop.get("description", ""))
    ):
        (inner,) = [o for o in options if o != {"type": "null"}]
        rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
        return {**inner, **rest}
    if prop.get("default", ...) is None:
        prop = {k: v for k, v in prop.items() if k != "default"}
    if "const" in prop:  # the value says it all
        prop = {k: v for k, v in prop.items() if k not in ("description", "default")}
    elif "default" in prop and isinstance(prop.get("description"), str):
        # "(default 500)" repeats the schema's own default
        prop["description"] = _DEFAULT_NOTE.sub("", prop["description"])
    return prop


_DEFAULT_NOTE = re.compile(r"\s*\(default:? [^)]*\)")


def lean_schema(node: Any, *, top: bool = True) -> Any:
    """A pydantic JSON schema without what costs an agent tokens and tells it nothing: the
    generated ``title`` of every model and field, model docstrings (the tool's description
    says it), ``null`` branches and defaults of parameters that are simply optional, and
    ``additionalProperties`` below the top (every input is still checked by its model)."""
    if isinstance(node, list):
        return [lean_schema(n, top=False) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "description" and top:
            continue
        if key == "additionalProperties" and (value is True or not top):
            # True is JSON Schema's default; nested objects are checked by the input model
            # all the same, and the strict adapters close every object again.
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {n: _lean_property(lean_schema(p, top=False)) for n, p in value.items()}
        elif key == "$defs" and isinstance(value, dict):
            # A sub-model is "below the top" too: its docstring and its closing go.
            defs = {n: lean_schema(d, top=True) for n, d in value.items()}
            out[key] = {
                n: {k: v for k, v in d.items() if k != "additionalProperties"}
                for n, d in defs.items()
            }
        else:
            out[key] = lean_schema(value, top=False)
    return out


def share_once(schema: dict[str, Any]) -> dict[str, Any]:
    """Sub-schemas in ``$defs`` only when shared: one used once is written where it is used
    (a ``$ref`` and its ``$defs`` entry cost more than they save)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    if not defs:
        return schema
    uses = Counter(re.findall(r'"#/\$defs/([^"]+)"', json.dumps(schema)))
    inline = {name for name in defs if uses[name] <= 1}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix("#/$defs/") in inline:
            rest = {k: walk(v) for k, v in node.items() if k != "$ref"}
            return {**walk(defs[ref.removeprefix("#/$defs/")]), **rest}
        return {k: walk(v) for k, v in node.items() if k != "$defs"}

    out = walk(schema)
    kept = {name: walk(d) for name, d in defs.items() if name not in inline}
    return {"$defs": kept, **out} if kept else out


def _undescribed(node: Any) -> Any:
    if isinstance(node, list):
        return [_undescribed(n) for n in node]
    if not isinstance(node, dict):
        return node
    return {
        k: (
            {n: _undescribed(p) for n, p in v.items()}
            if k in ("properties", "$defs")
            else _undescribed(v)
        )
        for k, v in node.items()
        if not (k == "description" and isinstance(v, str))
    }


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

    @property
    def copy_of(self) -> str | None:
        """The generic tool this one narrows to one object (``ObjectCopy``), if any."""
        return None

    def input_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = share_once(lean_schema(self.input_model.model_json_schema()))
        return _undescribed(schema) if self.copy_of else schema

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


@dataclass(frozen=True)
class ObjectCopy(ToolSpec):
    """A per-object copy of a generic record tool (``attio_list_people`` of
    ``attio_list_records``): the same parameters less ``object``, described once, on the
    generic tool."""

    generic: str = ""

    @property
    def copy_of(self) -> str | None:
        return self.generic
