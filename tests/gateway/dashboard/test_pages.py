"""Dashboard pages without a browser (httpx on the app in process): the login wall, CSRF,
open redirects, the sandbox connection, links, disconnect, tools, audit, API clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.operators import check_operator, ensure_operator
from attio_gateway.sdk.sandbox import consent
from tests.gateway.dashboard.conftest import OPERATOR_PASSWORD, log_in, save_operator

BASE = "http://127.0.0.1:8000"
PAGES = [
    "/dashboard/connections",
    "/dashboard/accounts",
    "/dashboard/tools",
    "/dashboard/audit",
    "/dashboard/api-clients",
]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(data_dir=tmp_path, base_url=BASE)
    await save_operator(settings, "admin", OPERATOR_PASSWORD)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Logged in as the operator (the session cookie is kept by the client)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        answer = await log_in(client, "admin", OPERATOR_PASSWORD)
        assert answer.status_code == 303
        yield client


async def csrf(client: httpx.AsyncClient, page: str = "/dashboard/connections") -> str:
    html = (await client.get(page)).text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, html[:500]
    return match.group(1)


@pytest.mark.parametrize("page", PAGES)
async def test_pages_need_a_login(app: FastAPI, page: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as anon:
        answer = await anon.get(page)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={page.replace('/', '%2F')}"
        anon.cookies.set("attio_gateway_session", "e30.deadbeef")
        assert (await anon.get(page)).status_code == 303


@pytest.mark.parametrize("page", PAGES)
async def test_pages_render_for_the_operator(browser: httpx.AsyncClient, page: str) -> None:
    answer = await browser.get(page)
    assert answer.status_code == 200 and "<h1>" in answer.text


async def test_wrong_password_and_open_redirects_are_refused(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as anon:
        wrong = await log_in(anon, "admin", "nope")
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
        for away in ("//evil.example", "/\\evil.example", "https://evil.example"):
            answer = await log_in(anon, "admin", OPERATOR_PASSWORD, away)
            assert answer.headers["location"] == "/dashboard/connections", away


async def test_forms_without_the_csrf_token_are_refused(browser: httpx.AsyncClient) -> None:
    answer = await browser.post("/dashboard/connections", data={"name": "x"})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "csrf_token"
    listed = await browser.get("/dashboard/connections")
    assert "No connections yet" in listed.text


async def test_logout_ends_the_session(browser: httpx.AsyncClient) -> None:
    token = await csrf(browser)
    await browser.post("/logout", data={"csrf_token": token})
    assert (await browser.get("/dashboard/connections")).status_code == 303


async def test_sandbox_connection_link_disconnect_tools_audit(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    token = await csrf(browser)
    made = await browser.post("/dashboard/sandbox", data={"csrf_token": token})
    assert made.headers["location"].startswith("/dashboard/connections/sandbox")
    page = await browser.get(made.headers["location"])
    assert "SANDBOX" in page.text and 'id="connection-status">ACTIVE' in page.text

    linked = await browser.post(
        "/dashboard/accounts/link",
        data={"csrf_token": token, "identifier": "grace", "connection_name": "sandbox"},
    )
    link = re.search(r'id="authorization-link" readonly value="([^"]+)"', linked.text)
    assert link, linked.text[-2000:]
    gateway: AsyncGateway = app.state.gateway
    result = await consent(gateway, link.group(1).replace("&amp;", "&"))
    assert result.status == "ACTIVE"

    accounts = await browser.get("/dashboard/accounts")
    assert 'data-identifier="grace"' in accounts.text and "ACTIVE" in accounts.text
    ran = await browser.post(
        "/dashboard/tools/run",
        data={
            "csrf_token": token,
            "tool_name": "attio_list_companies",
            "identifier": "grace",
            "connection_name": "sandbox",
            "input": '{"limit": 2}',
        },
    )
    assert "Succeeded" in ran.text
    bad_json = await browser.post(
        "/dashboard/tools/run",
        data={"csrf_token": token, "tool_name": "attio_list_companies", "input": "{nope"},
    )
    assert "not JSON" in bad_json.text
    audit = await browser.get("/dashboard/audit", params={"tool_name": "attio_list_companies"})
    assert audit.text.count("<code>attio_list_companies</code>") == 1

    account_id = (
        await gateway.actions.get_connected_account_details(
            connection_name="sandbox", identifier="grace"
        )
    ).connected_account.id
    gone = await browser.post(
        f"/dashboard/accounts/{account_id}/disconnect", data={"csrf_token": token}
    )
    assert "Disconnected" in (await browser.get(gone.headers["location"])).text
    deleted = await browser.post(
        "/dashboard/connections/sandbox/delete", data={"csrf_token": token}
    )
    assert "Deleted connection sandbox" in (await browser.get(deleted.headers["location"])).text


async def test_bad_connection_input_is_shown_not_crashed(browser: httpx.AsyncClient) -> None:
    token = await csrf(browser)
    bad_url = await browser.post(
        "/dashboard/connections",
        data={"csrf_token": token, "name": "x", "attio_base_url": "ftp://nope"},
    )
    assert "error=" in bad_url.headers["location"]
    missing = await browser.get("/dashboard/connections/nothing")
    assert "No connection named" in (await browser.get(missing.headers["location"])).text


async def test_api_clients_page_shows_the_secret_once(browser: httpx.AsyncClient) -> None:
    token = await csrf(browser, "/dashboard/api-clients")
    made = await browser.post("/dashboard/api-clients", data={"csrf_token": token, "name": "bot"})
    secret = re.search(r'id="new-client-secret">([^<]+)<', made.text)
    client_id = re.search(r'id="new-client-id">([^<]+)<', made.text)
    assert secret and client_id
    listing = await browser.get("/dashboard/api-clients")
    assert secret.group(1) not in listing.text and client_id.group(1) in listing.text
    revoked = await browser.post(
        f"/dashboard/api-clients/{client_id.group(1)}/revoke", data={"csrf_token": token}
    )
    assert "Revoked" in (await browser.get(revoked.headers["location"])).text


async def test_first_run_creates_the_admin_once(tmp_path: Path) -> None:
    async with AsyncGateway(Settings(data_dir=tmp_path)) as gateway:
        password = await ensure_operator(gateway)
        assert password and await check_operator(gateway, "admin", password)
        assert await ensure_operator(gateway) is None
        assert not await check_operator(gateway, "admin", "wrong")
        assert not await check_operator(gateway, "nobody", password)
    # Kept in the database, not in a file of this process's data dir.
    assert not (tmp_path / "operators.json").exists()
