"""The product document's set-up flow in a real browser, end to end: log in, create the
connection, copy its redirect URI, save the OAuth app's credentials, send a link, consent
on the emulator, see the account ACTIVE, run a tool, find it in the audit log."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from attio_emulator.server import RunningEmulator
from tests.gateway.dashboard.conftest import ARTIFACTS, OPERATOR_PASSWORD, RunningGateway

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_set_up_flow_in_the_browser(
    browser_page: Any, gateway_server: RunningGateway, emulator_server: RunningEmulator
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    base = gateway_server.base_url

    # Log in (the dashboard sends an anonymous visitor to the login page first).
    page.goto(f"{base}/dashboard/connections")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    shot(page, "01-login")
    page.fill("input[name=password]", OPERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/dashboard/connections")
    expect(page.locator("h1")).to_have_text("Connections")
    shot(page, "02-connections")

    # Create the connection, pointed at the emulator instead of Attio.
    page.click("text=Advanced")
    page.fill("input[name=attio_base_url]", emulator_server.base_url)
    page.click("text=Create connection")
    expect(page).to_have_url(f"{base}/dashboard/connections/attio")

    # Copy the redirect URI with the copy button, as an operator would.
    page.click("button.copy")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.input_value("#redirect-uri")
    assert re.fullmatch(rf"{re.escape(base)}/sso/v1/oauth/[0-9a-f-]+/callback", copied)
    expect(page.locator("button.copy")).to_have_text("Copied")

    # Register it on the OAuth app (the emulator's developer settings), paste the credentials.
    app = httpx.post(
        f"{emulator_server.base_url}/_emulator/apps",
        json={"name": "dashboard test", "redirect_uris": [copied]},
        timeout=60,
    ).json()
    page.fill("input[name=client_id]", app["client_id"])
    page.fill("input[name=client_secret]", "not the secret")
    page.click("text=Save and validate")
    expect(page.locator("#connection-status")).to_have_text("INVALID_CREDENTIALS")
    page.fill("input[name=client_secret]", app["client_secret"])
    page.check("input[value='user_management:read']")
    page.click("text=Save and validate")
    expect(page.locator("#connection-status")).to_have_text("ACTIVE")
    expect(page.get_by_role("status")).to_contain_text("the credentials work")
    expect(page.get_by_text("Read workspace members")).to_be_visible()  # the scope table
    shot(page, "03-connection")

    # Generate a link for a user, and complete the emulator's consent page as that user.
    page.click("text=Connected accounts")
    page.fill("input[name=identifier]", "ada@example.com")
    page.click("text=Generate link")
    expect(page.locator("#authorization-link")).to_have_value(
        re.compile(rf"^{re.escape(emulator_server.base_url)}/authorize\?")
    )
    shot(page, "04-link")
    page.click("#open-link")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    shot(page, "05-consent")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1")).to_contain_text("You're connected")
    shot(page, "06-callback-success")
    callback_url = page.url

    # The account is ACTIVE, with its workspace and scopes.
    page.goto(f"{base}/dashboard/accounts")
    row = page.locator("tr[data-identifier='ada@example.com']")
    expect(row.locator(".badge").first).to_have_text("ACTIVE")
    expect(row.locator(".scope.granted").first).to_be_visible()
    shot(page, "07-accounts")

    # Run a tool in the playground for that user.
    page.click("text=Tools")
    page.select_option("select[name=tool_name]", "attio_list_objects")
    page.fill("#playground input[name=identifier]", "ada@example.com")
    page.click("text=Run tool")
    result = page.locator("#run-result")
    expect(result).to_contain_text("Succeeded")
    expect(result).to_contain_text('"api_slug": "people"')
    execution = result.locator("code").inner_text()
    shot(page, "08-playground")

    # Find the call in the audit log, filtered by identifier, tool and status.
    page.click("text=Audit log")
    page.fill("input[name=identifier]", "ada@example.com")
    page.fill("input[name=tool_name]", "attio_list_objects")
    page.select_option("select[name=outcome]", "success")
    page.click("text=Filter")
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("attio_list_objects")
    expect(rows.first).to_contain_text("success")
    assert execution
    shot(page, "09-audit")

    # A replayed callback (the link is single use) gets a friendly failure page.
    page.goto(callback_url)
    expect(page.locator("h1")).to_have_text("We couldn't connect your Attio workspace")
    expect(page.locator("main")).to_contain_text("new link")
    shot(page, "10-callback-failure")

    # API clients for apps calling the HTTP API: the secret is shown once.
    page.goto(f"{base}/dashboard/api-clients")
    page.fill("input[name=name]", "support-agent")
    page.click("text=Create API client")
    expect(page.locator("#new-client-secret")).to_contain_text("agcs_")
    shot(page, "11-api-clients")
