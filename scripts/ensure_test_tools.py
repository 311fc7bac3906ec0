"""Install what the test suite needs from outside PyPI: Debian's chromium for browser tests.

Runs before every ``make test``. Does nothing when chromium is already there; installs it
with apt-get when this machine allows it (root); otherwise says why browser tests will skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print("ensure_test_tools: chromium missing and apt-get unavailable; browser tests skip")
        return 0
    print("ensure_test_tools: installing Debian's chromium for browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)
    if result.returncode != 0:
        print("ensure_test_tools: apt-get could not install chromium", file=sys.stderr)
        return 1 if os.environ.get("CI") else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
