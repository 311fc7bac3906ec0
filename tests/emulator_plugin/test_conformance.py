"""The package's response checker, used as a user would: on live emulator answers and on
bodies of their own (recorded or faked). Needs Attio's description ($ATTIO_OPENAPI_SPEC)."""

from __future__ import annotations

from pathlib import Path

import pytest

from attio_emulator.conformance import ResponseChecker, load_spec
from attio_emulator.testing import Emulator
from tests.external import OPENAPI_SPEC


@pytest.fixture(scope="module")
def checker() -> ResponseChecker:
    return ResponseChecker(OPENAPI_SPEC.require())


def test_emulator_answers_pass(checker: ResponseChecker, attio_emulator: Emulator) -> None:
    client = attio_emulator.client
    created = client.post("/v2/objects/companies/records", json={"data": {"values": {"name": "A"}}})
    for response in (created, client.get("/v2/objects"), client.get("/v2/self")):
        checker.check(response)
    assert checker.checked["POST /v2/objects/{object}/records 200"] == 1


def test_a_faked_body_that_breaks_the_spec_is_named(checker: ResponseChecker) -> None:
    with pytest.raises(AssertionError, match=r"GET /v2/objects → 200 breaks the spec at 'data/0'"):
        checker.check_body("GET", "/v2/objects", 200, {"data": [{"api_slug": 5}]})
    checker.check_body("GET", "/_emulator/state", 200, {"anything": True})  # not Attio's
    assert checker.operation_for("GET", "/v2/objects/records/search") is None
    assert checker.operation_for("POST", "/v2/objects/records/search") is not None


def test_a_file_that_is_not_a_description(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("just: text\n")
    with pytest.raises(ValueError, match="not an OpenAPI description"):
        load_spec(wrong)
