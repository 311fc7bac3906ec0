"""The consent page in Debian's Chromium (Playwright): it names the client, the host it
sends the user back to and the scopes, warns about a self-registered loopback client,
cannot be framed; Continue leads through Attio's (the emulator's) consent to the client's
redirect URI with code, state and iss. Never ``playwright install``: the browser is the
system's."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from .conftest import Served
from .test_bad_input import REDIRECT_URI, authorize_url, pkce

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "mcp-auth"


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (scripts/ensure_test_tools.py installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI this test must run")
    pytest.skip(reason)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_consent_page_in_chromium(served: Served) -> None:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    registered = httpx.post(
        f"{served.base_url}/register",
        json={
            "client_name": "Browser Client",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
        },
        timeout=60,
    )
    client_id = registered.json()["client_id"]
    _, challenge = pkce()
    reached: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)

            def client_redirect(route: object) -> None:
                reached.append(route.request.url)  # type: ignore[attr-defined]
                route.fulfill(status=200, body="back in the client")  # type: ignore[attr-defined]

            page.route(re.compile(r"^http://127\.0\.0\.1:33418/"), client_redirect)
            response = page.goto(authorize_url(served, client_id, challenge))
            assert response is not None
            expect(page).to_have_url(re.compile(r"/mcp-auth/consent\?request="))
            assert response.headers["x-frame-options"] == "DENY"
            expect(page.locator("#client-name")).to_have_text("Browser Client")
            expect(page.locator("#redirect-host")).to_have_text("127.0.0.1:33418")
            expect(page.locator("#unverified-warning")).to_be_visible()
            expect(page.locator("#loopback-warning")).to_be_visible()
            expect(page.locator("#scopes li").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "01-consent.png"), full_page=True)

            page.get_by_role("button", name="Continue to Attio").click()
            expect(page.get_by_role("button", name="Approve")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "02-attio.png"), full_page=True)
            page.get_by_role("button", name="Approve").click()
            expect(page.locator("body")).to_have_text("back in the client")
        finally:
            context.close()
    assert len(reached) == 1
    query = {k: v[0] for k, v in parse_qs(urlsplit(reached[0]).query).items()}
    assert query["code"].startswith("agmc_")
    assert query["state"] == "st-1" and query["iss"] == served.base_url
