"""``JSONValue``: a value that really is arbitrary JSON (a body sent to Attio, a tool's
input, what Attio answers). Where a value is JSON, it is typed so; ``Any`` is left for
what is not known at all.
"""

from __future__ import annotations

from typing import TypeAlias

from pydantic import JsonValue

__all__ = ["JSONObject", "JSONValue"]

#: ``None``, ``bool``, ``int``, ``float``, ``str``, or a list or string-keyed dict of them.
JSONValue: TypeAlias = JsonValue
#: A JSON object.
JSONObject: TypeAlias = dict[str, JsonValue]
