"""The sandbox: the built-in Attio emulator on a thread (``Sandbox``, started when an
operator asks for it), a connection to a local emulator wired the way the product
document's dashboard flow does it, and the end user's consent completed headlessly.

Used by the quickstart, the tests, the benchmarks and the dashboard's sandbox
connection. The connection helpers talk to the emulator only over HTTP (the emulator's
``/_emulator/apps`` and its consent page), so they work against any running emulator.
The only module of the gateway's server that imports ``attio_emulator``.
"""

from __future__ import annotations

import re
import threading
from contextlib import ExitStack
from urllib.parse import parse_qsl, urlparse

import httpx

from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.seed import apply_seed
from attio_emulator.server import run_in_thread
from attio_gateway.errors import OAuthFlowError, UpstreamError
from attio_gateway.proxy.httpx_errors import sending
from attio_gateway.sdk import models
from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "SANDBOX_CONNECTION",
    "Sandbox",
    "connect_user",
    "consent",
    "create_emulator_connection",
]

_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


async def create_emulator_connection(
    gateway: AsyncGateway,
    emulator_url: str,
    *,
    name: str = "attio",
    scopes: list[str] | None = None,
    app_name: str = "attio-gateway sandbox",
) -> models.Connection:
    """Create the connection, register its redirect URI on a new emulator OAuth app, then
    save the app's credentials (validated) — steps 1–3 of the product document."""
    base = emulator_url.rstrip("/")
    await gateway.create_connection(
        name=name,
        client_id="pending",
        client_secret="pending",
        scopes=scopes,
        authorize_url=f"{base}/authorize",
        token_url=f"{base}/oauth/token",
        api_base_url=base,
        validate=False,
    )
    connection = await gateway.get_connection(name)
    body: dict[str, object] = {"name": app_name, "redirect_uris": [connection.redirect_uri]}
    if scopes:
        body["scopes"] = scopes
    with sending(f"The emulator at {base}"):
        response = await gateway.http.post(f"{base}/_emulator/apps", json=body)
    if not response.is_success:
        raise UpstreamError(
            f"The emulator at {base} refused to register the sandbox app "
            f"(HTTP {response.status_code}).",
            status_code=response.status_code,
        )
    app = response.json()
    return await gateway.update_connection(
        name, client_id=app["client_id"], client_secret=app["client_secret"]
    )


async def consent(
    gateway: AsyncGateway, link: str, *, decision: str = "approve"
) -> models.CallbackResult:
    """Play the end user: open the link, press Approve (or Deny) on the emulator's consent
    page, and deliver the redirect to the gateway's callback."""
    http: httpx.AsyncClient = gateway.http
    with sending(link):
        page = await http.get(link)
    if page.status_code != 200:
        raise OAuthFlowError("access_denied", f"The consent page answered {page.status_code}.")
    fields = dict(_HIDDEN.findall(page.text))
    action = f"{link.split('/authorize')[0]}/authorize"
    with sending(action):
        answer = await http.post(action, data={**fields, "decision": decision})
    location = answer.headers.get("location", "")
    callback = urlparse(location)
    match = re.search(r"/sso/v1/oauth/([^/]+)/callback$", callback.path)
    if answer.status_code != 302 or match is None:
        raise OAuthFlowError("server_error", "The consent page did not redirect to the gateway.")
    return await gateway.handle_callback(match.group(1), dict(parse_qsl(callback.query)))


async def connect_user(
    gateway: AsyncGateway, identifier: str, *, connection_name: str = "attio"
) -> models.CallbackResult:
    """An authorization link for ``identifier``, approved at once."""
    link = await gateway.actions.get_authorization_link(
        identifier=identifier, connection_name=connection_name
    )
    return await consent(gateway, link.link)


#: The sandbox connection's name; the dashboard labels it everywhere.
SANDBOX_CONNECTION = "sandbox"


class Sandbox:
    def __init__(self) -> None:
        self._stack = ExitStack()
        self._url: str | None = None
        self._lock = threading.Lock()

    def url(self) -> str:
        """The emulator's base URL, starting it (with the demo workspace) on first use."""
        with self._lock:
            if self._url is None:
                state = EmulatorState(store=Store())
                apply_seed(state, "demo")
                running = self._stack.enter_context(run_in_thread(state))
                self._url = running.base_url
            return self._url

    @property
    def running(self) -> bool:
        return self._url is not None

    def close(self) -> None:
        self._stack.close()
        self._url = None
