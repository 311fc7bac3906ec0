"""A real gateway server (uvicorn on a thread), the emulator as a real server, and Debian's
Chromium driven by Playwright. Never ``playwright install``: the browser is the system's."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from attio_emulator.server import RunningEmulator, free_port, run_in_thread
from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.operators import set_operator_password

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "dashboard"
OPERATOR_PASSWORD = "correct horse battery"


async def log_in(
    client: httpx.AsyncClient, username: str, password: str, next_path: str = ""
) -> httpx.Response:
    """Sign in as a browser does: fetch the login form (its CSRF token and the login
    cookie it is bound to), then post it."""
    form = await client.get("/login")
    match = re.search(r'name="login_token" value="([0-9a-f]+)"', form.text)
    assert match, form.text[:500]
    return await client.post(
        "/login",
        data={
            "login_token": match.group(1),
            "username": username,
            "password": password,
            "next": next_path,
        },
    )


async def save_operator(settings: Settings, username: str, password: str) -> None:
    """Store a dashboard operator in the database of ``settings`` (as `admin create` does)."""
    async with AsyncGateway(settings) as gateway:
        await set_operator_password(gateway, username, password)


@dataclass
class RunningGateway:
    base_url: str
    settings: Settings


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (scripts/ensure_test_tools.py installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI this test must run")
    pytest.skip(reason)


@pytest.fixture
def emulator_server() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def gateway_server(tmp_path: Path) -> Iterator[RunningGateway]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path / "gateway", base_url=base_url)
    # On a thread of its own: Playwright's sync API may already run a loop on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, save_operator(settings, "admin", OPERATOR_PASSWORD)).result()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="attio-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.01)
    try:
        yield RunningGateway(base_url=base_url, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[object]:
    """A Playwright page in a fresh Chromium profile, with clipboard access."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
