"""Every dashboard page in Chromium, checked by axe-core: no critical or serious violation.
Also: a phone-sized screen scrolls the accounts table inside its box, not the page; a
destructive action asks first (dismissed: nothing happens); an unknown dashboard URL is a
page for people, not JSON; the playground shows text as text (no ``\\u2014``)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from attio_emulator.server import RunningEmulator
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from tests.gateway.dashboard.conftest import OPERATOR_PASSWORD, RunningGateway

pytestmark = pytest.mark.browser

#: Impacts axe-core rates as failing the page.
BLOCKING = {"critical", "serious"}


async def _connect(gateway_server: RunningGateway, emulator_url: str) -> None:
    async with AsyncGateway(gateway_server.settings) as gateway:
        await create_emulator_connection(gateway, emulator_url)
        await connect_user(gateway, "ada@example.com")
        # A name with an em dash, so the playground has text that JSON would escape.
        await gateway.actions.execute_tool(
            {"values": {"name": "Dash — Co"}}, "attio_create_company", identifier="ada@example.com"
        )


def blocking_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def logged_in(
    browser_page: Any, gateway_server: RunningGateway, emulator_server: RunningEmulator
) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API owns this thread
        pool.submit(asyncio.run, _connect(gateway_server, emulator_server.base_url)).result()
    page = browser_page
    page.goto(f"{gateway_server.base_url}/login")
    assert blocking_violations(page) == []
    page.fill("input[name=password]", OPERATOR_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/connections$"))
    return page


def test_every_page_has_no_critical_or_serious_violation(
    logged_in: Any, gateway_server: RunningGateway
) -> None:
    from playwright.sync_api import expect

    page, base = logged_in, gateway_server.base_url
    found: list[str] = []
    for path in (
        "/dashboard/connections",
        "/dashboard/connections/attio",
        "/dashboard/accounts",
        "/dashboard/tools",
        "/dashboard/audit",
        "/dashboard/api-clients",
        "/dashboard/no-such-page",
    ):
        page.goto(base + path)
        found += blocking_violations(page)
    # With a link generated, and with a playground result.
    page.goto(f"{base}/dashboard/accounts")
    page.fill("input[name=identifier]", "grace@example.com")
    page.click("text=Generate link")
    expect(page.locator("#authorization-link")).to_be_visible()
    found += blocking_violations(page)
    page.goto(f"{base}/dashboard/tools")
    page.select_option("select[name=tool_name]", "attio_list_records")
    page.fill("#playground input[name=identifier]", "ada@example.com")
    page.fill("textarea[name=input]", '{"object": "companies"}')
    page.click("text=Run tool")
    expect(page.locator("#run-result")).to_contain_text("Succeeded")
    found += blocking_violations(page)
    assert found == []


def test_the_playground_shows_text_and_its_output_scrolls_by_keyboard(
    logged_in: Any, gateway_server: RunningGateway
) -> None:
    from playwright.sync_api import expect

    page = logged_in
    page.goto(f"{gateway_server.base_url}/dashboard/tools")
    page.select_option("select[name=tool_name]", "attio_list_records")
    page.fill("#playground input[name=identifier]", "ada@example.com")
    page.fill("textarea[name=input]", '{"object": "companies"}')
    page.click("text=Run tool")
    output = page.locator("#run-result pre")
    expect(output).to_contain_text("Dash — Co")
    assert "\\u2014" not in output.inner_text()
    assert output.get_attribute("tabindex") == "0"


def test_a_phone_scrolls_the_accounts_table_not_the_page(
    logged_in: Any, gateway_server: RunningGateway
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{gateway_server.base_url}/dashboard/accounts")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, page_width
    box = page.locator(".table-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls in its box


def test_disconnect_asks_first(logged_in: Any, gateway_server: RunningGateway) -> None:
    from playwright.sync_api import expect

    page = logged_in
    page.goto(f"{gateway_server.base_url}/dashboard/accounts")
    row = page.locator("tr[data-identifier='ada@example.com']")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.get_by_role("button", name="Disconnect").click()
    expect(row.locator(".badge").first).to_have_text("ACTIVE")  # dismissed: nothing done
    assert asked and "ada@example.com" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Disconnect").click()
    expect(page.locator("tr[data-identifier='ada@example.com'] .badge").first).to_have_text(
        "DISCONNECTED"
    )


def test_an_unknown_dashboard_url_is_a_page_and_the_api_keeps_json(
    gateway_server: RunningGateway,
) -> None:
    page = httpx.get(f"{gateway_server.base_url}/dashboard/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no dashboard page at /dashboard/no-such-page" in page.text
    api = httpx.get(f"{gateway_server.base_url}/api/v1/no-such-route")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
