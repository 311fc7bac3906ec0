"""pytest plugin (entry point ``pytest11``: loaded wherever the package is installed).

Fixtures:

- ``attio_emulator`` — a clean workspace for the test on a real HTTP server:
  ``base_url``, ``token``, ``client`` (an ``httpx.Client`` with both set), ``faults()``,
  ``limits()``, ``latency()``, ``revoke_token()``, ``snapshot()``/``restore()``.
- ``attio_workspace`` — the same workspace's helpers (``create_record``, ``create_list``,
  ``add_entry``, ``add_member``, ``load``, ``export``, ``records``), run in the server.
- ``attio_webhooks`` — a local receiver: ``subscribe(*event_types)``, ``wait_for(type)``.
- ``attio_emulator_session`` — the session's server, for tests that share one workspace.

One server serves the whole session; each test starts from a snapshot of its seed,
restored in milliseconds. Choose the seed with ``--attio-seed demo|empty|FILE`` (or the
``attio_seed`` ini value), or per test with ``@pytest.mark.attio_seed("FILE.yaml")``
(relative to the test file). ``--attio-latency MS|MEDIAN/P95`` paces every /v2 answer;
``--attio-no-rate-limits`` switches Attio's rate limits off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported by the fixtures: a suite that uses none does not load the emulator
    from attio_emulator.testing import Emulator, EmulatorSession, WebhookReceiver, Workspace


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("attio-emulator", "Attio emulator (attio_emulator fixtures)")
    group.addoption(
        "--attio-seed",
        dest="attio_seed",
        default=None,
        help="Workspace every test starts from: empty (default), demo, or a seed file.",
    )
    group.addoption(
        "--attio-latency",
        dest="attio_latency",
        default=None,
        help="Delay every /v2 answer: MS (fixed) or MEDIAN_MS/P95_MS (log-normal).",
    )
    group.addoption(
        "--attio-no-rate-limits",
        dest="attio_no_rate_limits",
        action="store_true",
        default=False,
        help="Switch off Attio's per-token rate limits (on by default, as on Attio).",
    )
    parser.addini("attio_seed", "Default seed of the attio_emulator fixtures.", default="empty")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "attio_seed(seed): the workspace this test starts from (demo, empty, a file)"
    )


@pytest.fixture(scope="session")
def attio_emulator_session(pytestconfig: pytest.Config) -> Iterator[EmulatorSession]:
    from attio_emulator.latency import Latency
    from attio_emulator.testing import EmulatorSession

    seed = pytestconfig.getoption("attio_seed") or pytestconfig.getini("attio_seed")
    latency_text = pytestconfig.getoption("attio_latency")
    try:
        latency = Latency.parse(latency_text) if latency_text else None
    except ValueError as exc:
        raise pytest.UsageError(f"--attio-latency: {exc}") from None
    session = EmulatorSession(
        seed,
        base=Path(str(pytestconfig.invocation_params.dir)),
        rate_limits=not pytestconfig.getoption("attio_no_rate_limits"),
        latency=latency,
    ).start()
    yield session
    session.stop()


@pytest.fixture
def attio_emulator(
    request: pytest.FixtureRequest, attio_emulator_session: EmulatorSession
) -> Iterator[Emulator]:
    marker = request.node.get_closest_marker("attio_seed")
    seed: str | Path | None = None
    if marker is not None:
        if len(marker.args) != 1:
            raise pytest.UsageError("@pytest.mark.attio_seed takes one seed: demo, empty or a file")
        seed = marker.args[0]
        if isinstance(seed, str) and seed not in ("demo", "empty"):
            relative = Path(str(request.path)).parent / seed
            seed = relative if relative.is_file() else Path(seed)
    emulator = attio_emulator_session.start_test(seed)
    try:
        yield emulator
    finally:
        emulator.client.close()


@pytest.fixture
def attio_workspace(attio_emulator: Emulator) -> Workspace:
    return attio_emulator.workspace


@pytest.fixture
def attio_webhooks(attio_emulator: Emulator) -> Iterator[WebhookReceiver]:
    from attio_emulator.testing import WebhookReceiver

    receiver = WebhookReceiver(attio_emulator)
    try:
        yield receiver
    finally:
        receiver.close()
