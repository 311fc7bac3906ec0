"""MCP authorization fixtures: the emulator over HTTP, and the gateway's server (as
``attio-gateway serve``, with MCP) on a port known before it starts, so its public base
URL — and the redirect URI registered on the emulator's OAuth app — is its real URL.

``browser`` plays the user in a browser: it follows redirects, reads forms and presses
their buttons (the consent page here, the emulator's Attio consent page there).
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import uvicorn

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import create_emulator_connection

_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_FORM = re.compile(r'<form method="post" action="([^"]+)"')


@dataclass
class Served:
    base_url: str
    emulator_url: str
    settings: Settings

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


async def _with_connection(settings: Settings, emulator_url: str) -> None:
    async with AsyncGateway(settings) as gateway:
        await create_emulator_connection(gateway, emulator_url)


@contextmanager
def running_server(
    settings: Settings, port: int, http: httpx.AsyncClient | None = None
) -> Iterator[None]:
    """``create_app(settings, mcp=True)`` (as ``attio-gateway serve``) on ``port``."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, http=http, mcp=True),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def serve_gateway(
    tmp_path: Path,
    emulator_url: str,
    database_url: str,
    *,
    http: httpx.AsyncClient | None = None,
    **overrides: object,
) -> Iterator[Served]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, base_url=base_url, **overrides
    )
    asyncio.run(_with_connection(settings, emulator_url))
    with running_server(settings, port, http):
        yield Served(base_url=base_url, emulator_url=emulator_url, settings=settings)


@pytest.fixture
def served(tmp_path: Path, emulator: RunningEmulator, database_url: str) -> Iterator[Served]:
    with serve_gateway(tmp_path, emulator.base_url, database_url) as running:
        yield running


def form_of(page: str, base: str) -> tuple[str, dict[str, str]]:
    """The page's form: its absolute action and its hidden fields."""
    action = _FORM.search(page)
    assert action is not None, page
    fields = {name: html.unescape(value) for name, value in _INPUT.findall(page)}
    return urljoin(base, html.unescape(action.group(1))), fields


@dataclass
class Outcome:
    """Where the browser ended: the client's redirect URI and its query."""

    url: str
    query: dict[str, str]
    consent_page: str
    #: The status of the last page, when the browser stopped on one (a failure page).
    status: int = 302
    page: str = ""
    #: Whether the browser went through Attio's (the emulator's) consent page.
    visited_attio: bool = False


async def browse_authorization(
    authorization_url: str,
    *,
    member_email: str | None = None,
    decision: str = "accept",
    attio_decision: str = "approve",
    stop_at: str,
    browser: httpx.AsyncClient | None = None,
) -> Outcome:
    """Open ``authorization_url`` as a browser would, accept (or deny) on the gateway's
    consent page, approve on the emulator's Attio page (signed in as ``member_email``,
    the first admin by default), and follow redirects until one leaves for ``stop_at``
    (the MCP client's redirect URI)."""
    consent_page = ""
    visited_attio = False
    async with AsyncExitStack() as stack:
        http = browser or await stack.enter_async_context(httpx.AsyncClient(timeout=60))
        response = await http.get(authorization_url)
        while True:
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(stop_at):
                    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
                    return Outcome(
                        url=target,
                        query=query,
                        consent_page=consent_page,
                        visited_attio=visited_attio,
                    )
                response = await http.get(target)
                continue
            page = response.text
            if response.status_code != 200 or "<form" not in page:
                return Outcome(
                    url=str(response.url),
                    query={},
                    consent_page=consent_page,
                    status=response.status_code,
                    page=page,
                    visited_attio=visited_attio,
                )
            action, fields = form_of(page, str(response.url))
            if "/mcp-auth/consent" in action:
                consent_page = page
                response = await http.post(action, data={**fields, "decision": decision})
            else:  # the emulator's Attio consent page
                visited_attio = True
                data = {**fields, "decision": attio_decision}
                if member_email is not None:
                    options = dict(
                        (email, value)
                        for value, email in re.findall(
                            r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page
                        )
                    )
                    data["member_id"] = options[member_email]
                response = await http.post(action, data=data)
