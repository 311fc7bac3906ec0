"""Checks emulator responses against Attio's own OpenAPI description (``openapi.yaml``).

``check_response`` finds the operation for a response's method and path and validates
the body against that operation's schema for the status code. Paths the spec does not
describe (``/_emulator/*``, OAuth) are skipped. Deliberate deviations live in one
place: ``docs/emulator.md``.

The description is Attio's, not the repository's: it is read from ``$ATTIO_OPENAPI_SPEC``
(``tests/external.py``). Without it, responses go unchecked and
``test_conformance_is_checked`` skips saying so; under CI the first check fails instead.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

import httpx
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.external import OPENAPI_SPEC

SPEC_URI = "urn:attio-openapi"

#: How many responses were validated, per "METHOD template status" (for reports).
CHECKED: dict[str, int] = {}


@functools.cache
def spec() -> dict[str, Any]:
    """The parsed description; skips the calling test without it (fails under CI)."""
    with OPENAPI_SPEC.require().open() as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    _allow_null_in_nullable_enums(loaded)
    _open_error_code_enums(loaded)
    return loaded


def _open_error_code_enums(loaded: dict[str, Any]) -> None:
    """The spec lists, per operation, only the error ``code`` values it happened to document;
    Attio answers others too (API-NOTES §3: ``validation_type``, ``missing_value``,
    ``uniqueness_conflict``…). Error bodies are checked for shape, not for that list."""
    for operations in loaded["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("4"):
                    continue
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                code = schema.get("properties", {}).get("code", {})
                code.pop("enum", None)
                if code.pop("anyOf", None) is not None:  # an enum per code (call recordings)
                    code["type"] = "string"


def _allow_null_in_nullable_enums(node: Any) -> None:
    """Spec errata about null: ``type: [string, "null"]`` with an ``enum`` lacking null
    rejects the nulls Attio really sends (e.g. ``config.currency.default_currency_code``),
    and OpenAPI 3.0's ``nullable: true`` (left in this 3.1 file, e.g. a comment's
    ``resolved_by``) means nothing to a 3.1 validator. Both are read as allowing null."""
    if isinstance(node, dict):
        if node.pop("nullable", None) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        types = node.get("type")
        enum = node.get("enum")
        if isinstance(types, list) and "null" in types and isinstance(enum, list):
            enum.extend([None] if None not in enum else [])
        for value in node.values():
            _allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for item in node:
            _allow_null_in_nullable_enums(item)


@functools.cache
def _registry() -> Registry:
    resource: Resource[Any] = Resource(contents=spec(), specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    compiled = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\{[^/]+\}", "[^/]+", template)
        compiled.append((re.compile(f"^{pattern}$"), template))
    # Literal segments beat parameters: /v2/objects/records/search before /v2/objects/{object}.
    compiled.sort(key=lambda item: item[1].count("{"))
    return compiled


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _templates():
        if pattern.match(path):
            operation = spec()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


def check_response(response: httpx.Response) -> None:
    """Validate one response; raises ``AssertionError`` naming the operation and the problem.

    Does nothing when the description is not on this machine (outside CI): the emulator's
    own assertions still run."""
    if OPENAPI_SPEC.path() is None and not os.environ.get("CI"):
        return
    found = operation_for(response.request.method, response.request.url.path)
    if found is None:
        return
    template, operation = found
    described = operation.get("responses", {}).get(str(response.status_code))
    if described is None:
        return  # e.g. 401/403/429: the spec describes no body for them
    schema = described.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    if response.status_code == 204:
        # The spec gives DELETE call recording's 204 an "{}" schema; a 204 has no body.
        assert not response.content, f"a 204 must have no body, got {response.content[:100]!r}"
        return
    # Point into the whole spec so the schema's "#/components/..." references resolve.
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in (
            "paths",
            template,
            response.request.method.lower(),
            "responses",
            str(response.status_code),
            "content",
            "application/json",
            "schema",
        )
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{pointer}"}, registry=_registry()
    )
    body = response.json()
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise AssertionError(
            f"{response.request.method} {template} → {response.status_code} breaks the spec at "
            f"'{where}': {first.message[:500]}"
        )
    key = f"{response.request.method} {template} {response.status_code}"
    CHECKED[key] = CHECKED.get(key, 0) + 1
