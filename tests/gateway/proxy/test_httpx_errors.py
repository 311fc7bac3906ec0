"""httpx's exceptions are translated in one table (``proxy.httpx_errors``): nothing outside
``proxy/`` catches one, each send failure is classified by the table, and what used to
escape as an httpx exception comes out as the gateway's own error."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.config import Settings
from attio_gateway.errors import UpstreamError, UpstreamUnavailableError
from attio_gateway.proxy.httpx_errors import failure_of, sending
from attio_gateway.proxy.retry import Failure
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import create_emulator_connection

GATEWAY = Path(__file__).parents[3] / "src" / "attio_gateway"


def _catches_httpx(handler: ast.ExceptHandler) -> bool:
    return handler.type is not None and any(
        isinstance(node, ast.Name) and node.id == "httpx" for node in ast.walk(handler.type)
    )


def test_nothing_outside_proxy_catches_httpx_exceptions() -> None:
    offenders = [
        f"{path.relative_to(GATEWAY)}:{node.lineno}"
        for path in sorted(GATEWAY.rglob("*.py"))
        if "proxy" not in path.relative_to(GATEWAY).parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ExceptHandler) and _catches_httpx(node)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (httpx.ConnectError("refused"), Failure.NOT_SENT),
        (httpx.ConnectTimeout("slow"), Failure.NOT_SENT),
        (httpx.PoolTimeout("busy"), Failure.NOT_SENT),
        (httpx.ReadTimeout("slow"), Failure.UNKNOWN_OUTCOME),
        (httpx.WriteError("reset"), Failure.UNKNOWN_OUTCOME),
        (httpx.RemoteProtocolError("cut"), Failure.UNKNOWN_OUTCOME),
        (httpx.DecodingError("garbled"), None),
        (httpx.TooManyRedirects("loop"), None),
    ],
)
def test_each_send_failure_is_classified_by_the_table(
    error: httpx.HTTPError, failure: Failure | None
) -> None:
    assert failure_of(error) is failure


async def test_a_refused_connection_comes_out_as_upstream_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    async with httpx.AsyncClient(timeout=60) as http:
        with (
            pytest.raises(UpstreamUnavailableError, match="could not be reached") as caught,
            sending(f"The server at {url}"),
        ):
            await http.get(url)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


async def test_a_sandbox_app_the_emulator_refuses_is_an_upstream_error(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """The emulator answering 404 to the app registration was an ``HTTPStatusError``."""
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gateway:
        with pytest.raises(UpstreamError, match="refused to register") as caught:
            await create_emulator_connection(gateway, f"{emulator.base_url}/not-the-emulator")
    assert caught.value.status_code == 404
