"""Check HTTP responses against Attio's published OpenAPI description (``openapi.yaml``).

The description is Attio's and is not shipped: give the path to your copy::

    from attio_emulator.conformance import ResponseChecker

    checker = ResponseChecker("openapi.yaml")
    checker.check(response)           # an httpx.Response; AssertionError naming the problem
    checker.check_body("GET", "/v2/objects/people", 200, body)   # a recorded or faked body

The operation is found from the method and path (literal segments beat parameters), and
the body validated against that operation's schema for the status code. Paths the
description does not have (``/_emulator/*``, OAuth) and statuses it gives no body for pass
unchecked. Two readings of the description are applied, as Attio really answers:
``nullable``/enums without null accept null, and error ``code`` values are not limited to
the few each operation lists. Needs the ``emulator-testing`` extra (jsonschema).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import yaml

SPEC_URI = "urn:attio-openapi"


def load_spec(path: str | Path) -> dict[str, Any]:
    """The parsed description with the two readings above applied."""
    with Path(path).open(encoding="utf-8") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loaded: dict[str, Any] = yaml.load(handle, Loader=loader)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("paths"), dict):
        raise ValueError(f"{path}: not an OpenAPI description (no 'paths')")
    _allow_null_in_nullable_enums(loaded)
    _open_error_code_enums(loaded)
    return loaded


def _open_error_code_enums(loaded: dict[str, Any]) -> None:
    """The spec lists, per operation, only the error ``code`` values it happened to document;
    Attio answers others too (``validation_type``, ``missing_value``, ``uniqueness_conflict``…).
    Error bodies are checked for shape, not for that list."""
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
    """``type: [string, "null"]`` with an ``enum`` lacking null rejects the nulls Attio sends,
    and OpenAPI 3.0's ``nullable: true`` (left in this 3.1 file) means nothing to a 3.1
    validator. Both are read as allowing null."""
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


class ResponseChecker:
    """Validates responses against one OpenAPI description (given by path or parsed)."""

    def __init__(self, spec: str | Path | dict[str, Any]) -> None:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        self.spec = spec if isinstance(spec, dict) else load_spec(spec)
        resource = DRAFT202012.create_resource(self.spec)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        templates = []
        for template in self.spec["paths"]:
            pattern = re.sub(r"\{[^/]+\}", "[^/]+", template)
            templates.append((re.compile(f"^{pattern}$"), template))
        # Literal segments beat parameters: /v2/objects/records/search before /v2/objects/{object}.
        templates.sort(key=lambda item: item[1].count("{"))
        self._templates = templates
        #: How many responses were validated, per "METHOD template status".
        self.checked: dict[str, int] = {}

    def operation_for(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The path template and operation the description has for ``method path``."""
        for pattern, template in self._templates:
            if pattern.match(path):
                operation = self.spec["paths"][template].get(method.lower())
                if operation is not None:
                    return template, operation
        return None

    def check(self, response: httpx.Response) -> None:
        """Validate one response; ``AssertionError`` naming the operation and the problem."""
        request = response.request
        if response.status_code == 204:
            found = self.operation_for(request.method, request.url.path)
            if found is not None and str(204) in found[1].get("responses", {}):
                # The spec gives DELETE call recording's 204 an "{}" schema; a 204 has no body.
                assert not response.content, (
                    f"a 204 must have no body, got {response.content[:100]!r}"
                )
            return
        body = response.json() if response.content else None
        self.check_body(request.method, request.url.path, response.status_code, body)

    def check_body(self, method: str, path: str, status: int, body: Any) -> None:
        """Validate a body as the answer ``status`` to ``method path`` (recorded or faked)."""
        import jsonschema  # type: ignore[import-untyped]  # no stubs shipped

        found = self.operation_for(method, path)
        if found is None:
            return
        template, operation = found
        described = operation.get("responses", {}).get(str(status))
        if described is None:
            return  # e.g. 401/403/429: the spec describes no body for them
        if described.get("content", {}).get("application/json", {}).get("schema") is None:
            return
        # Point into the whole spec so the schema's "#/components/..." references resolve.
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in (
                "paths",
                template,
                method.lower(),
                "responses",
                str(status),
                "content",
                "application/json",
                "schema",
            )
        )
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{SPEC_URI}#/{pointer}"}, registry=self._registry
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path)
            raise AssertionError(
                f"{method} {template} → {status} breaks the spec at '{where}': "
                f"{first.message[:500]}"
            )
        key = f"{method} {template} {status}"
        self.checked[key] = self.checked.get(key, 0) + 1
