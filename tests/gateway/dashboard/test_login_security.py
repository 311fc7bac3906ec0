"""The dashboard's sign-in holds: throttled per user name and per address (in process and
through Redis), CSRF on every form including the login, sessions ended server-side on
sign-out; API clients' scopes shown and edited."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attio_gateway.api import create_app
from attio_gateway.config import Settings
from attio_gateway.sdk.admin import list_api_clients
from attio_gateway.sdk.operators import set_operator_password
from attio_gateway.sdk.throttle import MAX_PER_ADDRESS, MAX_PER_USER, LoginThrottle
from tests.gateway.dashboard.conftest import OPERATOR_PASSWORD, log_in, save_operator
from tests.gateway.dashboard.test_pages import PAGES, csrf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:jinja2")

BASE = "http://127.0.0.1:8000"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(data_dir=tmp_path, base_url=BASE)
    await save_operator(settings, "admin", OPERATOR_PASSWORD)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def browser_for(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url=BASE
    )


def retry_after(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text[-1500:]
    match = re.search(r"try again in (\d+) s", answer.text)
    assert match, answer.text[-1500:]
    assert answer.headers["retry-after"] == match.group(1)
    return int(match.group(1))


async def test_wrong_passwords_lock_the_user_name_then_it_opens_again(app: FastAPI) -> None:
    clock = Clock()
    app.state.login_throttle = LoginThrottle(clock=clock, window=600)
    async with browser_for(app) as browser, browser_for(app, "198.51.100.9") as elsewhere:
        for _ in range(MAX_PER_USER):
            assert (await log_in(browser, "admin", "wrong")).status_code == 401
        # Now the right password is refused too, from any address, with the time to wait.
        assert retry_after(await log_in(browser, "admin", OPERATOR_PASSWORD)) == 600
        clock.now += 590
        assert retry_after(await log_in(elsewhere, "admin", OPERATOR_PASSWORD)) == 10
        assert "attio_gateway_session" not in browser.cookies
        clock.now += 10
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303
        # A success clears the user name's count.
        assert (await log_in(elsewhere, "admin", "wrong")).status_code == 401
        assert (await log_in(elsewhere, "admin", OPERATOR_PASSWORD)).status_code == 303


async def test_many_user_names_from_one_address_lock_the_address(app: FastAPI) -> None:
    app.state.login_throttle = LoginThrottle(clock=Clock())
    async with browser_for(app) as attacker, browser_for(app, "198.51.100.9") as operator:
        for n in range(MAX_PER_ADDRESS):
            assert (await log_in(attacker, f"guess{n}", "wrong")).status_code == 401
        refused = await log_in(attacker, "admin", OPERATOR_PASSWORD)
        assert retry_after(refused) > 0 and "from this address" in refused.text
        # The operator, elsewhere, is not locked out by it.
        assert (await log_in(operator, "admin", OPERATOR_PASSWORD)).status_code == 303


async def test_the_throttle_is_shared_through_redis(tmp_path: Path, redis_url: str) -> None:
    prefix = f"attio-gateway-test:{uuid.uuid4().hex}"
    apps = []
    for host in ("a", "b"):
        settings = Settings(data_dir=tmp_path / host, base_url=BASE, redis_url=redis_url)
        await save_operator(settings, "admin", OPERATOR_PASSWORD)
        apps.append(create_app(settings))
    first, second = apps
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        for app in apps:
            app.state.login_throttle = LoginThrottle(redis_url=redis_url, prefix=prefix)
        async with browser_for(first) as one, browser_for(second, "198.51.100.9") as other:
            for _ in range(MAX_PER_USER):
                assert (await log_in(one, "admin", "wrong")).status_code == 401
            wait = retry_after(await log_in(other, "admin", OPERATOR_PASSWORD))
            assert 0 < wait <= 600


async def test_the_login_form_needs_its_csrf_token(app: FastAPI) -> None:
    async with browser_for(app) as browser, browser_for(app) as attacker:
        bare = await browser.post(
            "/login", data={"username": "admin", "password": OPERATOR_PASSWORD}
        )
        assert bare.status_code == 400 and "came from another site" in bare.text
        # A token fetched by another browser (an attacker's page) is bound to its cookie.
        form = await attacker.get("/login")
        token = re.search(r'name="login_token" value="([0-9a-f]+)"', form.text)
        assert token
        await browser.get("/login")
        forged = await browser.post(
            "/login",
            data={
                "login_token": token.group(1),
                "username": "admin",
                "password": OPERATOR_PASSWORD,
            },
        )
        assert forged.status_code == 400
        assert "attio_gateway_session" not in browser.cookies
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303


async def test_every_dashboard_form_carries_a_csrf_token(app: FastAPI) -> None:
    async with browser_for(app) as browser:
        login = (await browser.get("/login")).text
        assert re.search(
            r'<form method="post"[^>]*>\s*<input type="hidden" name="login_token"', login
        )
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303
        token = await csrf(browser)
        await browser.post("/dashboard/sandbox", data={"csrf_token": token})
        await browser.post("/dashboard/api-clients", data={"csrf_token": token, "name": "bot"})
        pages = [*PAGES, "/dashboard/connections/sandbox"]
        forms = 0
        for page in pages:
            html = (await browser.get(page)).text
            for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S):
                forms += 1
                assert f'name="csrf_token" value="{token}"' in form, (page, form[:300])
        assert forms >= len(pages) + 3


async def test_logout_ends_the_session_for_every_copy_of_the_cookie(app: FastAPI) -> None:
    async with browser_for(app) as browser, browser_for(app) as thief:
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303
        thief.cookies.set("attio_gateway_session", browser.cookies["attio_gateway_session"])
        assert (await thief.get("/dashboard/connections")).status_code == 200
        await browser.post("/logout", data={"csrf_token": await csrf(browser)})
        assert (await browser.get("/dashboard/connections")).status_code == 303
        # The old cookie, kept elsewhere, is refused now (not in 12 hours).
        after = await thief.get("/dashboard/connections")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")


async def test_a_new_password_ends_the_operators_sessions(app: FastAPI) -> None:
    async with browser_for(app) as browser:
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303
        assert (await browser.get("/dashboard/connections")).status_code == 200
        await set_operator_password(app.state.gateway, "admin", "a brand new password")
        assert (await browser.get("/dashboard/connections")).status_code == 303


async def test_api_client_scopes_are_shown_and_edited(app: FastAPI) -> None:
    async with browser_for(app) as browser:
        assert (await log_in(browser, "admin", OPERATOR_PASSWORD)).status_code == 303
        token = await csrf(browser, "/dashboard/api-clients")
        page = (await browser.get("/dashboard/api-clients")).text
        new_form = page[page.index('id="new-api-client"') :].split("</form>")[0]
        # The default boxes: everything but plaintext tokens and client management.
        ticked = re.findall(r'data-scope="([a-z:]+)" checked', new_form)
        assert ticked == [
            "proxy",
            "tools:execute",
            "accounts:read",
            "accounts:write",
            "connections:admin",
        ]
        made = await browser.post(
            "/dashboard/api-clients",
            data={
                "csrf_token": token,
                "name": "reader",
                "scopes": ["accounts:read", "accounts:tokens"],
                "connections": "attio, crm",
            },
        )
        assert made.status_code == 200 and 'id="new-client-secret"' in made.text
        (client,) = await list_api_clients(app.state.gateway)
        assert client.scopes == ["accounts:read", "accounts:tokens"]
        assert client.connections == ["attio", "crm"]

        saved = await browser.post(
            f"/dashboard/api-clients/{client.client_id}",
            data={"csrf_token": token, "scopes": ["proxy"], "connections": ""},
        )
        assert "Saved" in (await browser.get(saved.headers["location"])).text
        (client,) = await list_api_clients(app.state.gateway)
        assert client.scopes == ["proxy"] and client.connections is None
        row = (await browser.get("/dashboard/api-clients")).text
        row = row[row.index(f'data-client-id="{client.client_id}"') :].split("</tr>")[0]
        assert re.findall(r'data-scope="([a-z:]+)" checked', row) == ["proxy"]

        bad = await browser.post(
            f"/dashboard/api-clients/{client.client_id}",
            data={"csrf_token": token, "scopes": ["everything"]},
        )
        shown = (await browser.get(bad.headers["location"])).text
        assert "Unknown API client scope" in shown
