"""Checks emulator responses against Attio's own OpenAPI description (``openapi.yaml``).

The checker is the package's (``attio_emulator.conformance.ResponseChecker``); this module
gives it the suite's copy of the description. Deliberate deviations live in one place:
``docs/emulator.md``.

The description is Attio's, not the repository's: it is read from ``$ATTIO_OPENAPI_SPEC``
(``tests/external.py``). Without it, responses go unchecked and
``test_conformance_is_checked`` skips saying so; under CI the first check fails instead.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import httpx

from attio_emulator.conformance import SPEC_URI, ResponseChecker
from tests.external import OPENAPI_SPEC

__all__ = ["CHECKED", "SPEC_URI", "check_response", "operation_for", "spec"]


@functools.cache
def checker() -> ResponseChecker:
    """The checker over the description; skips the calling test without it (fails under CI)."""
    return ResponseChecker(OPENAPI_SPEC.require())


def spec() -> dict[str, Any]:
    """The parsed description (with the checker's readings of it applied)."""
    return checker().spec


#: How many responses were validated, per "METHOD template status" (for reports).
CHECKED: dict[str, int] = {}


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    return checker().operation_for(method, path)


def check_response(response: httpx.Response) -> None:
    """Validate one response; raises ``AssertionError`` naming the operation and the problem.

    Does nothing when the description is not on this machine (outside CI): the emulator's
    own assertions still run."""
    if OPENAPI_SPEC.path() is None and not os.environ.get("CI"):
        return
    checked = checker()
    checked.checked = CHECKED  # one tally for the whole run
    checked.check(response)
