"""``scalekit.actions.modifier``: functions that rewrite a tool's input before it runs ("pre")
or its output after ("post"), registered with ``actions.pre_modifier``/``post_modifier``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

__all__ = [
    "Modifier",
    "ModifierType",
    "ToolNames",
    "apply_modifiers",
    "apply_post_modifiers",
    "apply_pre_modifiers",
]

ModifierType = Literal["pre", "post"]
ToolNames = str | list[str]
ModifierFunction = Callable[[Any], Any]


class Modifier:
    """One function for the tools named, run before (``pre``) or after (``post``) them."""

    def __init__(self, tool_names: ToolNames, modifier_type: ModifierType, **kwargs: Any) -> None:
        if modifier_type not in ("pre", "post"):
            raise ValueError(f"modifier_type must be 'pre' or 'post', got {modifier_type!r}")
        self.tool_names: list[str] = [tool_names] if isinstance(tool_names, str) else tool_names
        self.type: ModifierType = modifier_type
        self.func: ModifierFunction | None = None

    def apply(self, tool_name: str, data: Any) -> Any:
        """``func(data)`` for one of this modifier's tools; ``data`` unchanged otherwise."""
        if self.func is None or tool_name not in self.tool_names:
            return data
        return self.func(data)


def apply_modifiers(
    tool_name: str, data: Any, modifiers: Sequence[Modifier], modifier_type: ModifierType
) -> Any:
    """Each modifier of that type for the tool, in the order they were added."""
    for modifier in modifiers:
        if modifier.type == modifier_type:
            data = modifier.apply(tool_name, data)
    return data


def apply_pre_modifiers(tool_name: str, data: Any, modifiers: Sequence[Modifier]) -> Any:
    return apply_modifiers(tool_name, data, modifiers, "pre")


def apply_post_modifiers(tool_name: str, data: Any, modifiers: Sequence[Modifier]) -> Any:
    return apply_modifiers(tool_name, data, modifiers, "post")
