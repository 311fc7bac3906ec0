"""What a caller of the pass-through proxy may send to Attio, checked before anything is sent.

``check_outgoing`` is the one check the proxy's request path runs (the SDK's ``request``
and ``POST /api/v1/proxy``). It refuses, with a ``ToolInputError`` naming the field:

- a **path** that is not under ``/v2/`` once normalised: percent-decoded (so ``%2e%2e`` is
  ``..``, ``%2f`` is ``/``), dot segments resolved, empty segments (``//``) dropped. The
  path sent is the normalised one, each segment percent-encoded again, so what was checked
  is what Attio receives. Backslashes, control characters (NUL included), whitespace and
  fragments are refused outright.
- **headers** the gateway owns: ``Authorization`` (the vaulted token is the only one),
  ``Cookie`` (Attio's API takes bearer tokens; a cookie could only carry a browser session
  the user never gave the gateway), the framing headers ``Host``, ``Content-Length``,
  ``Transfer-Encoding``, and the hop-by-hop headers (``Connection``, ``Keep-Alive``,
  ``TE``, ``Trailer``, ``Upgrade``, ``Proxy-*``), in any letter case. Names must be HTTP
  tokens and values free of control characters.
- a JSON **body** holding what JSON cannot carry: NaN or ±Infinity, non-string keys,
  values of other Python types.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from attio_gateway.errors import ToolInputError

#: The only prefix of Attio's host the proxy reaches: its REST API.
API_PREFIX = "v2"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_PATH_LENGTH = 2000
MAX_HEADER_VALUE_LENGTH = 8192

#: Headers only the gateway sets (compared in lower case).
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
    }
)
RESERVED_HEADER_PREFIXES = ("proxy-",)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name


class Outgoing(NamedTuple):
    method: str
    path: str
    headers: dict[str, str] | None


def _refuse(field: str, message: str) -> ToolInputError:
    return ToolInputError(message, field=field)


def _bad_path(message: str) -> ToolInputError:
    return ToolInputError(
        f"{message} The proxy reaches Attio's REST API only: a path under /{API_PREFIX}/.",
        field="path",
    )


def _shown(text: str, limit: int = 60) -> str:
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def confine_path(path: object) -> str:
    """``path`` normalised and re-encoded, or a ``ToolInputError`` (field ``path``) when it
    is malformed or not under ``/v2/`` once normalised. A query string is kept as given."""
    if not isinstance(path, str):
        raise _bad_path(f"path must be a string, got {type(path).__name__}.")
    if len(path) > MAX_PATH_LENGTH:
        raise _bad_path(f"path is {len(path)} characters; at most {MAX_PATH_LENGTH}.")
    if _has_control(path) or any(c.isspace() for c in path):
        raise _bad_path(f"path holds control or whitespace characters: {_shown(path)}.")
    if "#" in path:
        raise _bad_path(f"path holds a fragment ('#'): {_shown(path)}.")
    if not path.startswith("/"):
        raise _bad_path(f"path must start with '/': {_shown(path)}.")
    raw, mark, query = path.partition("?")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise _bad_path(f"path is percent-encoded but not UTF-8: {_shown(path)}.") from None
    if "\\" in decoded or _has_control(decoded):
        raise _bad_path(
            f"path holds a backslash or control character once decoded: {_shown(path)}."
        )
    segments: list[str] = []
    for segment in decoded.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalised = "/" + "/".join(segments)
    if len(segments) < 2 or segments[0] != API_PREFIX:
        raise _bad_path(f"{_shown(path)} is {_shown(normalised)} once normalised.")
    return "/" + "/".join(quote(s, safe="") for s in segments) + mark + query


def check_headers(headers: object) -> dict[str, str] | None:
    """``headers`` as given, or a ``ToolInputError`` naming the first header the caller may
    not set (``headers.<name>``)."""
    if headers is None:
        return None
    if not isinstance(headers, Mapping):
        raise _refuse("headers", f"headers must be a mapping, got {type(headers).__name__}.")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise _refuse("headers", f"{_shown(str(name))} is not a valid header name.")
        field = f"headers.{name}"
        lower = name.lower()
        if lower in RESERVED_HEADERS or lower.startswith(RESERVED_HEADER_PREFIXES):
            raise _refuse(
                field,
                f"the {name} header cannot be set by the caller: the gateway sets "
                "Authorization from the vault and owns the connection headers (Host, "
                "Content-Length, Transfer-Encoding, Cookie, Connection, Keep-Alive, TE, "
                "Trailer, Upgrade, Proxy-*).",
            )
        if not isinstance(value, str):
            raise _refuse(field, f"the {name} header must be a string, got {type(value).__name__}.")
        if len(value) > MAX_HEADER_VALUE_LENGTH or any(
            (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value
        ):
            raise _refuse(
                field,
                f"the {name} header holds control characters or is longer than "
                f"{MAX_HEADER_VALUE_LENGTH} characters.",
            )
        checked[name] = value
    return checked


def _json_key(key: object) -> bool:
    """What ``json.dumps`` takes as a key (it writes numbers, booleans and None as text)."""
    if isinstance(key, float):
        return math.isfinite(key)
    return key is None or isinstance(key, (str, int))


def non_json(value: Any, root: str) -> tuple[str, str] | None:
    """``(field, what)`` for a part of ``value`` JSON cannot carry (NaN, ±Infinity, a key
    that is not a string or number, another Python type), named from ``root``
    (``body.data.values.0``; with ``root=""``, ``data.values.0``); None when all of it can.
    Iterative (depth is not limited by Python's recursion); a container met twice is walked
    once, so a value holding itself ends the walk."""
    stack: list[tuple[str, Any]] = [(root, value)]
    walked: set[int] = set()
    while stack:
        where, item = stack.pop()
        if item is None or isinstance(item, (str, bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return where, f"{item} is not a JSON number"
            continue
        if not isinstance(item, (dict, list, tuple)):
            return where, f"a {type(item).__name__} is not a JSON value"
        if id(item) in walked:
            continue
        walked.add(id(item))
        if isinstance(item, dict):
            for key, inner in item.items():
                if not _json_key(key):
                    return where, f"key {key!r} is not a string"
                stack.append((f"{where}.{key}" if where else str(key), inner))
        else:
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in enumerate(item))
    return None


def check_json(value: Any, root: str = "body") -> None:
    """A ``ToolInputError`` naming the part of ``value`` JSON cannot carry. Encoding is
    tried first (as fast as the send's own); only a failure is walked to say where."""
    try:
        json.dumps(value, allow_nan=False)
        return
    except RecursionError:
        raise _refuse(root, f"'{root}' is nested too deeply to be sent as JSON.") from None
    except (ValueError, TypeError):
        found = non_json(value, root)
    field, what = found or (root, "it holds itself")
    raise _refuse(field, f"'{field}' cannot be sent as JSON: {what}.")


def check_outgoing(*, method: object, path: object, headers: object, json: Any) -> Outgoing:
    """The method, confined path and headers to send, once all of them and the JSON body
    are checked; a ``ToolInputError`` naming the first field that is wrong."""
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _refuse("method", f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    confined = confine_path(path)
    checked = check_headers(headers)
    check_json(json)
    return Outgoing(method.upper(), confined, checked)


__all__ = [
    "API_PREFIX",
    "RESERVED_HEADERS",
    "Outgoing",
    "check_headers",
    "check_json",
    "check_outgoing",
    "confine_path",
    "non_json",
]
