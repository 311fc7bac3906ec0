"""Dashboard pages. Every page calls the SDK only; forms post back and redirect (or render
the result: a new link, a tool run, a new API client's secret)."""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from attio_gateway.dashboard.deps import GatewayDep
from attio_gateway.dashboard.session import (
    LoginRequired,
    OperatorSession,
    current_session,
    end_session,
    login_form_token,
    login_form_token_ok,
    login_nonce,
    set_login_cookie,
    start_session,
)
from attio_gateway.errors import GatewayError, ToolInputError
from attio_gateway.sdk import admin
from attio_gateway.sdk.operators import (
    check_operator,
    end_dashboard_session,
    open_dashboard_session,
)
from attio_gateway.sdk.sandbox import SANDBOX_CONNECTION, Sandbox, create_emulator_connection
from attio_gateway.sdk.signing import server_key
from attio_gateway.sdk.throttle import LoginThrottle

router = APIRouter(include_in_schema=False)

#: The scopes a new connection asks for unless the operator changes them.
DEFAULT_SCOPES = ["object_configuration:read", "record_permission:read", "user_management:read"]


async def require_operator(request: Request, gateway: GatewayDep) -> OperatorSession:
    session = await current_session(request, gateway)
    if session is None:
        raise LoginRequired
    return session


Operator = Annotated[OperatorSession, Depends(require_operator)]


async def checked_form(request: Request, operator: Operator) -> FormData:
    """The posted form, after checking its CSRF token against the session."""
    form = await request.form()
    posted = form.get("csrf_token")
    if not isinstance(posted, str) or not hmac.compare_digest(posted, operator.csrf_token):
        raise ToolInputError(
            "The form expired or came from another site; reload the page.", field="csrf_token"
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _render(
    request: Request,
    operator: OperatorSession,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    sandbox: Sandbox = request.app.state.sandbox
    base = {
        "operator": operator,
        "csrf_token": operator.csrf_token,
        "notice": request.query_params.get("notice"),
        "error": request.query_params.get("error"),
        "sandbox_name": SANDBOX_CONNECTION,
        "sandbox_running": sandbox.running,
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    return response


def _back(path: str, **message: str) -> RedirectResponse:
    query = f"?{urlencode(message)}" if message else ""
    return RedirectResponse(path + query, status_code=303)


# --- login --------------------------------------------------------------------------------


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/dashboard/connections", status_code=303)


def _secure(request: Request) -> bool:
    base_url: str = request.app.state.settings.base_url
    return base_url.startswith("https://")


async def _login_page(
    request: Request,
    gateway: GatewayDep,
    *,
    next_path: str,
    status_code: int = 200,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The login form, with a CSRF token bound to the login cookie it sets."""
    nonce = login_nonce(request)
    token = login_form_token(await server_key(gateway), nonce)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "login.html",
        {"message": message, "next": next_path, "login_token": token},
        status_code=status_code,
        headers=headers,
    )
    set_login_cookie(response, nonce, secure=_secure(request))
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, gateway: GatewayDep) -> Response:
    return await _login_page(request, gateway, next_path=request.query_params.get("next", ""))


@router.post("/login")
async def login(request: Request, gateway: GatewayDep) -> Response:
    """Sign in: CSRF token first, then the throttle, then the password."""
    form = await request.form()
    username, password = _text(form, "username"), str(form.get("password") or "")
    next_path = _text(form, "next")
    key = await server_key(gateway)
    if not login_form_token_ok(request, key, form.get("login_token")):
        return await _login_page(
            request,
            gateway,
            next_path=next_path,
            status_code=400,
            message="The login form expired or came from another site; try again.",
        )
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    refusal = await throttle.refusal(username, address)
    if refusal is not None:
        return await _login_page(
            request,
            gateway,
            next_path=next_path,
            status_code=429,
            message=f"Too many failed sign-ins {refusal.reason}; try again in "
            f"{refusal.retry_after} s.",
            headers={"Retry-After": str(refusal.retry_after)},
        )
    if not await check_operator(gateway, username, password):
        await throttle.failed(username, address)
        return await _login_page(
            request,
            gateway,
            next_path=next_path,
            status_code=401,
            message="Wrong user name or password.",
        )
    await throttle.succeeded(username, address)
    target = next_path
    # Only local paths: never an open redirect.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/dashboard/connections"
    redirect = RedirectResponse(target, status_code=303)
    session_id = await open_dashboard_session(gateway, username)
    start_session(redirect, key, session_id, secure=_secure(request))
    return redirect


@router.post("/logout")
async def logout(operator: Operator, form: Form, gateway: GatewayDep) -> RedirectResponse:
    """Sign out: the session is deleted, so this cookie (or a copy) is refused from now on."""
    await end_dashboard_session(gateway, operator.session_id)
    redirect = RedirectResponse("/login", status_code=303)
    end_session(redirect)
    return redirect


# --- connections --------------------------------------------------------------------------


@router.get("/dashboard/connections", response_class=HTMLResponse)
async def connections_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    connections = await gateway.list_connections()
    return _render(request, operator, "connections.html", {"connections": connections})


@router.post("/dashboard/connections")
async def create_connection(form: Form, gateway: GatewayDep) -> RedirectResponse:
    """Step 1 of the set-up: a connection exists (so its redirect URI does) before the
    operator has the OAuth app's credentials."""
    name = _text(form, "name") or "attio"
    base = _text(form, "attio_base_url").rstrip("/")
    urls: dict[str, str] = {}
    if base:
        if not base.startswith(("http://", "https://")):
            return _back("/dashboard/connections", error="The Attio base URL must be http(s)://…")
        urls = {
            "authorize_url": f"{base}/authorize",
            "token_url": f"{base}/oauth/token",
            "api_base_url": base,
        }
    try:
        await gateway.create_connection(
            name=name,
            client_id="pending",
            client_secret="pending",
            scopes=DEFAULT_SCOPES,
            validate=False,
            **urls,
        )
    except GatewayError as exc:
        return _back("/dashboard/connections", error=exc.message)
    return _back(f"/dashboard/connections/{quote(name, safe='')}")


@router.post("/dashboard/sandbox")
async def create_sandbox(request: Request, form: Form, gateway: GatewayDep) -> RedirectResponse:
    """A connection to the built-in emulator: try everything without Attio credentials."""
    sandbox: Sandbox = request.app.state.sandbox
    try:
        # Starting the emulator (and building its demo workspace) blocks: keep it off the loop.
        url = await asyncio.to_thread(sandbox.url)
        await create_emulator_connection(
            gateway, url, name=SANDBOX_CONNECTION, scopes=DEFAULT_SCOPES
        )
    except GatewayError as exc:
        return _back("/dashboard/connections", error=exc.message)
    return _back(f"/dashboard/connections/{SANDBOX_CONNECTION}", notice="Sandbox ready.")


@router.get("/dashboard/connections/{name}", response_class=HTMLResponse)
async def connection_page(
    name: str, request: Request, operator: Operator, gateway: GatewayDep
) -> Response:
    try:
        connection = await gateway.get_connection(name)
    except GatewayError as exc:
        return _back("/dashboard/connections", error=exc.message)
    return _render(
        request,
        operator,
        "connection.html",
        {"connection": connection, "scope_descriptions": admin.scope_descriptions()},
    )


@router.post("/dashboard/connections/{name}")
async def save_connection(name: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    """Save the OAuth app's credentials and scopes; the page then shows the validation."""
    page = f"/dashboard/connections/{quote(name, safe='')}"
    secret = _text(form, "client_secret")
    try:
        connection = await gateway.update_connection(
            name,
            client_id=_text(form, "client_id") or None,
            client_secret=secret or None,
            scopes=[s for s in form.getlist("scopes") if isinstance(s, str)],
        )
    except GatewayError as exc:
        return _back(page, error=exc.message)
    if connection.status == "ACTIVE":
        return _back(page, notice="Saved: the credentials work.")
    return _back(page, error=f"Saved, but {connection.status}: {connection.status_detail}")


@router.post("/dashboard/connections/{name}/delete")
async def delete_connection(name: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    try:
        await gateway.delete_connection(name)
    except GatewayError as exc:
        return _back("/dashboard/connections", error=exc.message)
    return _back("/dashboard/connections", notice=f"Deleted connection {name}.")


# --- connected accounts -------------------------------------------------------------------


async def _accounts_page(
    request: Request, operator: OperatorSession, gateway: GatewayDep, **extra: Any
) -> HTMLResponse:
    accounts = []
    page_token: str | None = None
    while True:
        page = await gateway.actions.list_connected_accounts(page_size=500, page_token=page_token)
        accounts.extend(page.connected_accounts)
        page_token = page.next_page_token
        if page_token is None:
            break
    connections = await gateway.list_connections()
    context = {"accounts": accounts, "connections": connections, "link": None, **extra}
    return _render(request, operator, "accounts.html", context)


@router.get("/dashboard/accounts", response_class=HTMLResponse)
async def accounts_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    return await _accounts_page(request, operator, gateway)


@router.post("/dashboard/accounts/link", response_class=HTMLResponse)
async def generate_link(
    request: Request, operator: Operator, form: Form, gateway: GatewayDep
) -> Response:
    """A new authorization link for the identifier (sending it to the user is the app's job;
    the page shows it to copy)."""
    identifier = _text(form, "identifier")
    try:
        link = await gateway.actions.get_authorization_link(
            identifier=identifier, connection_name=_text(form, "connection_name") or None
        )
    except GatewayError as exc:
        return _back("/dashboard/accounts", error=exc.message)
    return await _accounts_page(request, operator, gateway, link=link, link_for=identifier)


@router.post("/dashboard/accounts/{account_id}/disconnect")
async def disconnect(account_id: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    try:
        result = await gateway.actions.disconnect_connected_account(connected_account_id=account_id)
    except GatewayError as exc:
        return _back("/dashboard/accounts", error=exc.message)
    identifier = result.connected_account.identifier
    return _back("/dashboard/accounts", notice=f"Disconnected {identifier}.")


# --- tools --------------------------------------------------------------------------------


async def _tools_page(
    request: Request, operator: OperatorSession, gateway: GatewayDep, **extra: Any
) -> HTMLResponse:
    listing = await gateway.actions.list_tools(page_size=500)
    connections = await gateway.list_connections()
    context = {
        "tools": [t["definition"] for t in listing["tools"]],
        "connections": connections,
        "run": None,
        "form": {},
        **extra,
    }
    return _render(request, operator, "tools.html", context)


@router.get("/dashboard/tools", response_class=HTMLResponse)
async def tools_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    return await _tools_page(request, operator, gateway)


@router.post("/dashboard/tools/run", response_class=HTMLResponse)
async def run_tool(
    request: Request, operator: Operator, form: Form, gateway: GatewayDep
) -> Response:
    """The playground: run one tool as one connected user, and show exactly what came back."""
    fields = {k: _text(form, k) for k in ("tool_name", "identifier", "connection_name", "input")}
    run: dict[str, Any]
    try:
        tool_input = json.loads(fields["input"] or "{}")
        if not isinstance(tool_input, dict):
            raise ToolInputError("The tool input must be a JSON object.", field="input")
        result = await gateway.actions.execute_tool(
            tool_input=tool_input,
            tool_name=fields["tool_name"],
            identifier=fields["identifier"] or None,
            connection_name=fields["connection_name"] or None,
        )
        run = {
            "ok": True,
            "execution_id": result.execution_id,
            "output": json.dumps(result.data, indent=2, default=str, ensure_ascii=False),
        }
    except json.JSONDecodeError as exc:
        run = {"ok": False, "output": f"The tool input is not JSON: {exc}"}
    except GatewayError as exc:
        run = {
            "ok": False,
            "output": json.dumps(exc.to_dict(), indent=2, default=str, ensure_ascii=False),
        }
    return await _tools_page(request, operator, gateway, run=run, form=fields)


# --- audit log ----------------------------------------------------------------------------


@router.get("/dashboard/audit", response_class=HTMLResponse)
async def audit_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    filters = {
        key: request.query_params.get(key, "").strip()
        for key in ("identifier", "tool_name", "outcome")
    }
    events = await gateway.audit_events(
        identifier=filters["identifier"] or None,
        tool_name=filters["tool_name"] or None,
        outcome=filters["outcome"] or None,
        limit=200,
    )
    return _render(request, operator, "audit.html", {"events": events, "filters": filters})


# --- API clients --------------------------------------------------------------------------


def _client_grant(form: FormData) -> tuple[list[str], list[str] | None]:
    """The scopes ticked and the connections typed (comma separated; empty: every one)."""
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    typed = _text(form, "connections")
    connections = [c.strip() for c in typed.split(",") if c.strip()] if typed else None
    return scopes, connections


async def _api_clients_page(
    request: Request, operator: OperatorSession, gateway: GatewayDep, **extra: Any
) -> HTMLResponse:
    clients = await admin.list_api_clients(gateway)
    context = {
        "clients": clients,
        "names": {c.client_id: c.name for c in clients},
        "created": None,
        "api_scopes": admin.API_SCOPES,
        "default_scopes": admin.DEFAULT_SCOPES,
        **extra,
    }
    return _render(request, operator, "api_clients.html", context)


@router.get("/dashboard/api-clients", response_class=HTMLResponse)
async def api_clients_page(request: Request, operator: Operator, gateway: GatewayDep) -> Response:
    return await _api_clients_page(request, operator, gateway)


@router.post("/dashboard/api-clients", response_class=HTMLResponse)
async def create_api_client(
    request: Request, operator: Operator, form: Form, gateway: GatewayDep
) -> Response:
    scopes, connections = _client_grant(form)
    try:
        created = await admin.create_api_client(
            gateway, name=_text(form, "name") or "unnamed", scopes=scopes, connections=connections
        )
    except GatewayError as exc:
        return _back("/dashboard/api-clients", error=exc.message)
    return await _api_clients_page(request, operator, gateway, created=created)


@router.post("/dashboard/api-clients/{client_id}")
async def update_api_client(client_id: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    """Change what a client may do; the clients it minted lose what it no longer has."""
    scopes, connections = _client_grant(form)
    try:
        await admin.update_api_client(
            gateway,
            client_id,
            scopes=scopes,
            connections=connections,
            all_connections=connections is None,
        )
    except GatewayError as exc:
        return _back("/dashboard/api-clients", error=exc.message)
    return _back("/dashboard/api-clients", notice=f"Saved {client_id}.")


@router.post("/dashboard/api-clients/{client_id}/revoke")
async def revoke_api_client(client_id: str, form: Form, gateway: GatewayDep) -> RedirectResponse:
    try:
        revoked = await admin.revoke_api_client(gateway, client_id)
    except GatewayError as exc:
        return _back("/dashboard/api-clients", error=exc.message)
    also = f" and {len(revoked) - 1} client(s) it minted" if len(revoked) > 1 else ""
    return _back("/dashboard/api-clients", notice=f"Revoked {client_id}{also}.")


#: What a person sees for an HTTP error under /dashboard (the JSON API keeps its JSON).
_ERROR_HEADINGS = {404: "Page not found", 405: "Not allowed here"}


def install_dashboard(app: FastAPI) -> None:
    """Mount the dashboard's routes; install after the API's error handlers, whose answer
    for HTTP errors it keeps for every path outside the dashboard."""
    app.include_router(router)
    app.state.login_throttle = LoginThrottle.from_settings(app.state.settings)
    api_http_error = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/dashboard"):
            answer = api_http_error(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        page: Response = request.app.state.templates.TemplateResponse(
            request,
            "error.html",
            {
                "status_code": exc.status_code,
                "heading": _ERROR_HEADINGS.get(exc.status_code, f"Error {exc.status_code}"),
                "message": (
                    f"There is no dashboard page at {request.url.path}."
                    if exc.status_code == 404
                    else str(exc.detail)
                ),
                "operator": None,
            },
            status_code=exc.status_code,
            headers=exc.headers,
        )
        return page

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?{urlencode({'next': request.url.path})}", status_code=303)
