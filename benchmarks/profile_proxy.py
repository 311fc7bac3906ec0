"""``python -m benchmarks.profile_proxy [OUT_DIR]``: sample the HTTP gateway's server with
py-spy while it answers ``POST /api/v1/proxy`` at concurrency 1 and 64.

py-spy is not a dependency: install it anywhere (``pip install --target DIR py-spy``) and
put its ``py-spy`` on ``PATH`` or in ``PY_SPY``. Writes one collapsed-stack file per
concurrency (``proxy-c1.txt``, ``proxy-c64.txt``; each line a stack and its sample count)
and prints the hottest frames of each.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import create_api_client
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from benchmarks.__main__ import EmulatorProcess, GatewayServerProcess, measure


def hottest(collapsed: Path, top: int = 25) -> list[tuple[str, float]]:
    """The frames with the most samples anywhere on their stack (inclusive), as shares."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        for frame in set(stack.split(";")):
            inclusive[frame] += samples
    return [(frame, samples / max(total, 1)) for frame, samples in inclusive.most_common(top)]


def start_sampler(spy: str, pid: int, target: Path) -> subprocess.Popen[bytes]:
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "500"]
    return subprocess.Popen(
        [*command, "--output", str(target), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_sampler(sampler: subprocess.Popen[bytes]) -> None:
    sampler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    sampler.wait(timeout=30)


async def drive(out: Path, spy: str) -> None:
    emulator = EmulatorProcess()
    headers = {"Authorization": f"Bearer {emulator.token}"}
    try:
        async with httpx.AsyncClient(base_url=emulator.base_url, headers=headers) as direct:
            created = await direct.post(
                "/v2/objects/companies/records", json={"data": {"values": {"name": "Prof Co"}}}
            )
            path = f"/v2/objects/companies/records/{created.json()['data']['id']['record_id']}"
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp), attio_reads_per_second=100_000, attio_writes_per_second=100_000
            )
            async with AsyncGateway(settings) as gw:
                await create_emulator_connection(gw, emulator.base_url)
                await connect_user(gw, "bench")
                credentials = await create_api_client(gw, name="bench")
            server = GatewayServerProcess(settings)
            try:
                http = await server.client(credentials)
                body = {"identifier": "bench", "path": path}
                await measure(
                    lambda: http.post("/api/v1/proxy", json=body), concurrency=4, total=200
                )
                for concurrency in (1, 64):
                    target = out / f"proxy-c{concurrency}.txt"
                    sampler = start_sampler(spy, server.proc.pid, target)
                    await asyncio.sleep(1.0)
                    row = await measure(
                        lambda: http.post("/api/v1/proxy", json=body),
                        concurrency=concurrency,
                        total=1000,
                    )
                    stop_sampler(sampler)
                    print(f"c{concurrency}: {row}")
                    for frame, share in hottest(target):
                        print(f"  {share:6.1%}  {frame}")
                await http.aclose()
            finally:
                server.stop()
    finally:
        emulator.stop()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="proxy-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("no py-spy: pip install --target DIR py-spy; PY_SPY=DIR/bin/py-spy")
    asyncio.run(drive(out, spy))
    print(f"collapsed stacks in {out}")


if __name__ == "__main__":
    main()
