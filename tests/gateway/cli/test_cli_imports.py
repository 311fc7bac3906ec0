"""``attio-gateway --help`` (and every ``COMMAND --help``) loads no database, HTTP or server
stack: those are imported when a command runs. Counted in a fresh interpreter, so the
check is about what is imported, not how long it takes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "alembic",
    "attio_emulator",
    "attio_gateway.config",
    "attio_gateway.proxy",
    "attio_gateway.storage",
    "attio_gateway.tools",
    "fastapi",
    "httpx",
    "mcp",
    "redis",
    "sqlalchemy",
    "starlette",
    "uvicorn",
)

#: Runs ``attio-gateway ARGV`` in this interpreter, then prints which of HEAVY it loaded.
PROBE = """
import json, sys
from attio_gateway.cli import main
argv, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["attio-gateway", *argv]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def loaded_by(*argv: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(argv)), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["serve", "--help"],
        ["mcp", "--help"],
        ["accounts", "--help"],
        ["clients", "create", "--help"],
        ["quickstart", "--help"],
        ["logs", "--help"],
        ["logs", "overview", "--help"],
    ],
)
def test_help_loads_no_heavy_stack(argv: list[str]) -> None:
    assert loaded_by(*argv) == []


def test_importing_the_sdk_package_loads_nothing_until_a_name_is_used() -> None:
    code = (
        "import json, sys, attio_gateway.sdk as sdk\n"
        "before = 'sqlalchemy' in sys.modules\n"
        "sdk.AsyncGateway\n"
        "print(json.dumps([before, 'sqlalchemy' in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [False, True]
