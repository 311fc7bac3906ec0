"""Documents the suite compares against but the repository does not carry.

Attio's published OpenAPI description and the product document belong to others, so they
are not copied here: a test that checks against one reads it from the path in an
environment variable. Without the variable the test skips and says how to get the file;
under CI (``CI`` set) it fails instead, so CI can never pass with those checks skipped —
the same rule as for PostgreSQL and Redis (``tests/conftest.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class ExternalDocument:
    variable: str
    what: str
    where_to_get_it: str

    def path(self) -> Path | None:
        """The file the variable names, or ``None`` when unset (set but missing: an error)."""
        value = os.environ.get(self.variable)
        if not value:
            return None
        path = Path(value)
        if not path.is_file():
            pytest.fail(f"{self.variable}={value!r} does not name a readable file ({self.what})")
        return path

    def require(self) -> Path:
        """The file's path; skips (or fails under CI) with a reason that says how to get it."""
        path = self.path()
        if path is not None:
            return path
        reason = (
            f"{self.what} is not in the repository: set {self.variable} to its path "
            f"({self.where_to_get_it})"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason} — under CI this test must run, not skip")
        pytest.skip(reason)


OPENAPI_SPEC = ExternalDocument(
    "ATTIO_OPENAPI_SPEC",
    "Attio's OpenAPI description of REST API v2 (openapi.yaml)",
    "download it from Attio's developer documentation",
)
PRODUCT_DOCUMENT = ExternalDocument(
    "ATTIO_PRODUCT_DOCUMENT",
    "the product document (the Attio agent connector page)",
    "the connector page the tool catalog transcribes; see tests/gateway/tools/document_tools.json",
)
