"""N = 200 logical creates, each retried with its idempotency key until it succeeds, by
two gateway OS processes on PostgreSQL + Redis, both doing all 200 (in opposite orders),
under the emulator's injected faults (5xx, resets, accept-then-fail, latency), one of
them killed with SIGKILL mid-run and restarted: exactly 200 records, one per key."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.sdk.test_idempotency import companies

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
N = 200
CREATE = "/v2/objects/companies/records"
#: Cycled by the fault thread; each applies to the next few matching requests only.
FAULTS = [
    {"accept_then_fail": True, "remaining": 2},
    {"error_rate": 0.5, "error_statuses": [500, 502, 503], "remaining": 6},
    {"reset_rate": 0.5, "remaining": 6},
    {"latency_ms": 200, "error_rate": 0.3, "remaining": 6},
]


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


def _worker(env: dict[str, str], numbers: list[int], log: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.gateway.idempotency_worker"],
        cwd=ROOT,
        env={**env, "IDEM_NUMBERS": ",".join(map(str, numbers))},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )


def _faults(emulator: RunningEmulator, stop: threading.Event) -> None:
    with httpx.Client(base_url=emulator.base_url) as control:
        turn = 0
        while not stop.wait(0.05):
            control.post(
                "/_emulator/faults", json={"path_prefix": CREATE, **FAULTS[turn % len(FAULTS)]}
            )
            turn += 1
        control.post("/_emulator/faults", json={"remaining": 0})


async def test_two_processes_one_killed_leave_exactly_n_records(
    emulator: RunningEmulator, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTIO_GATEWAY_")}
    env |= {
        "ATTIO_GATEWAY_DATABASE_URL": postgres_url,
        "ATTIO_GATEWAY_REDIS_URL": redis_url,
        "ATTIO_GATEWAY_VAULT_KEYS": f"k1:{key}",
        "ATTIO_GATEWAY_DATA_DIR": str(tmp_path),
        # A dead process's claims are taken over after a minute (longer than any one write
        # may take, retries included: 30 s), and duplicates wait 2 s before retrying.
        "ATTIO_GATEWAY_IDEMPOTENCY_LEASE": "60",
        "ATTIO_GATEWAY_IDEMPOTENCY_WAIT": "2",
        "PYTHONPATH": str(ROOT),
    }
    settings = Settings(
        database_url=postgres_url, redis_url=redis_url, vault_keys=[f"k1:{key}"], data_dir=tmp_path
    )
    async with AsyncGateway(settings) as gw:
        await create_emulator_connection(gw, emulator.base_url)
        await connect_user(gw, "u")

    stop = threading.Event()
    faults = threading.Thread(target=_faults, args=(emulator, stop), daemon=True)
    faults.start()
    log_path = tmp_path / "workers.log"
    forward, backward = list(range(N)), list(reversed(range(N)))
    with log_path.open("w") as log:
        first = _worker(env, forward, log)
        second = _worker(env, backward, log)
        restarted = None
        try:
            assert first.stdout is not None
            done = 0
            while done < N // 5:  # a fifth of the way through, the first process is killed
                line = first.stdout.readline()
                assert line, log_path.read_text()
                done += line.startswith("done")
            first.kill()  # SIGKILL: whatever it had in flight stays claimed in the database
            first.wait()
            first.stdout.close()
            restarted = _worker(env, forward, log)
            outputs = [p.communicate(timeout=900)[0] for p in (restarted, second)]
        finally:
            stop.set()
            faults.join()
            for process in (first, second, restarted):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.communicate()
    for process, output in zip((restarted, second), outputs, strict=True):
        assert process.returncode == 0, output + log_path.read_text()
        assert output.strip().endswith("finished")
    names = Counter(companies(emulator))
    assert names == Counter({f"Co {i}": 1 for i in range(N)})
