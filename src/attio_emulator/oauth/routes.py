"""``/authorize`` (a real consent page), ``/oauth/token``, ``/oauth/introspect``, ``/oauth/revoke``.

Attio serves these on ``app.attio.com``; the emulator serves them beside the REST API.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from attio_emulator.core.auth import bearer_token, get_state
from attio_emulator.core.state import EmulatorState
from attio_emulator.oauth import models
from attio_emulator.services.members.models import default_admin, list_members, self_body

router = APIRouter(tags=["oauth"])
StateDep = Annotated[EmulatorState, Depends(get_state)]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f6f7f9; margin: 0; }}
main {{ max-width: 440px; margin: 8vh auto; background: #fff; border-radius: 12px;
        padding: 32px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }}
h1 {{ font-size: 1.25rem; }} .muted {{ color: #667; font-size: .9rem; }}
ul {{ padding-left: 1.2rem; }} li code {{ font-size: .85rem; }}
.actions {{ display: flex; gap: 12px; margin-top: 24px; }}
button {{ flex: 1; padding: 10px; border-radius: 8px; border: 1px solid #ccd; cursor: pointer;
          font-size: 1rem; }}
button.approve {{ background: #1a1d21; color: #fff; border-color: #1a1d21; }}
.badge {{ display: inline-block; font-size: .75rem; background: #fde68a; border-radius: 6px;
          padding: 2px 8px; }}
</style></head><body><main>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status_code=status)


def _error_page(message: str) -> HTMLResponse:
    body = (
        '<span class="badge">Attio emulator</span><h1>Authorization failed</h1>'
        f"<p>{html.escape(message)}</p>"
    )
    return _page("Authorization failed", body, status=400)


def _checked_request(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any] | HTMLResponse:
    """The app and redirect URI of an authorization request, or an error *page*: a bad
    client or redirect URI is never redirected to (RFC 6749 §4.1.2.1)."""
    app = models.get_app(state, params.get("client_id"))
    if app is None:
        return _error_page(f"Unknown client_id {params.get('client_id')!r}.")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri not in app["redirect_uris"]:
        return _error_page(
            f"redirect_uri {redirect_uri!r} is not registered for the app {app['name']!r}."
        )
    return {"app": app, "redirect_uri": redirect_uri}


def _redirect(redirect_uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{query}", status_code=302)


@router.get("/authorize", response_model=None)
async def authorize(state: StateDep, request: Request) -> Response:
    params = dict(request.query_params)
    checked = _checked_request(state, params)
    if isinstance(checked, HTMLResponse):
        return checked
    app, redirect_uri = checked["app"], checked["redirect_uri"]
    if params.get("response_type") != "code":
        return _redirect(
            redirect_uri,
            {"error": "unsupported_response_type", "state": params.get("state")},
        )
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and method not in (None, "S256"):
        return _redirect(
            redirect_uri,
            {
                "error": "invalid_request",
                "error_description": "Only S256 PKCE is supported.",
                "state": params.get("state"),
            },
        )
    workspace = state.workspace
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name) or "")}">'
        for name in (
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
        )
    )
    scopes = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in app["scopes"])
    # Who is signed in to Attio: the first admin unless the tester picks another member.
    admin_id = default_admin(state)["id"]["workspace_member_id"]
    members = "".join(
        f'<option value="{html.escape(m["id"]["workspace_member_id"])}"'
        f"{' selected' if m['id']['workspace_member_id'] == admin_id else ''}>"
        f"{html.escape(m['email_address'])}</option>"
        for m in list_members(state)
    )
    body = (
        '<span class="badge">Attio emulator</span>'
        f"<h1>{html.escape(app['name'])} wants to access your workspace</h1>"
        f'<p class="muted">Workspace: <strong>{html.escape(workspace.name)}</strong></p>'
        f"<p>It will be able to:</p><ul>{scopes}</ul>"
        f'<form method="post" action="/authorize">{hidden}'
        f'<label class="muted">Signed in as <select name="member_id">{members}</select></label>'
        '<div class="actions">'
        '<button type="submit" name="decision" value="deny">Deny</button>'
        '<button class="approve" type="submit" name="decision" value="approve">Approve</button>'
        "</div></form>"
    )
    return _page(f"Authorize {app['name']}", body)


@router.post("/authorize", response_model=None)
async def decide(state: StateDep, request: Request) -> Response:
    form = dict(await request.form())
    params = {k: str(v) if v else None for k, v in form.items()}
    checked = _checked_request(state, params)
    if isinstance(checked, HTMLResponse):
        return checked
    app, redirect_uri = checked["app"], checked["redirect_uri"]
    if params.get("decision") != "approve":
        return _redirect(redirect_uri, {"error": "access_denied", "state": params.get("state")})
    chosen = params.get("member_id")
    by_id = {m["id"]["workspace_member_id"]: m for m in list_members(state)}
    member = by_id[chosen] if chosen in by_id else default_admin(state)
    code = models.issue_code(
        state,
        app=app,
        redirect_uri=redirect_uri,
        member_id=member["id"]["workspace_member_id"],
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method"),
    )
    return _redirect(redirect_uri, {"code": code, "state": params.get("state")})


def _client_credentials(request: Request, form: dict[str, Any]) -> tuple[Any, Any]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        import base64

        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


@router.post("/oauth/token", response_model=None)
async def token(state: StateDep, request: Request) -> Response:
    form = dict(await request.form())
    try:
        app = models.authenticate_client(state, *_client_credentials(request, form))
        grant = form.get("grant_type")
        if grant == "authorization_code":
            body = models.exchange_code(
                state,
                app=app,
                code=form.get("code"),
                redirect_uri=form.get("redirect_uri"),
                code_verifier=form.get("code_verifier"),
            )
        elif grant == "refresh_token" and app["expiring_tokens"]:
            body = models.refresh(state, app=app, refresh_token=form.get("refresh_token"))
        else:
            raise models.OAuthError(
                "unsupported_grant_type", f"grant_type {grant!r} is not supported."
            )
    except models.OAuthError as exc:
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status_code,
        )
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/oauth/introspect")
async def introspect(state: StateDep, request: Request) -> dict[str, Any]:
    value = bearer_token(request) or (await request.form()).get("token")
    return self_body(state, state.token(str(value)) if value else None)


@router.post("/oauth/revoke", response_model=None)
async def revoke(state: StateDep, request: Request) -> Response:
    header_token = bearer_token(request)
    form_token = (await request.form()).get("token")
    if header_token and form_token and header_token != form_token:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "Header and body tokens differ."},
            status_code=400,
        )
    value = header_token or form_token
    if not value:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "No token to revoke."},
            status_code=400,
        )
    state.revoke_token(str(value))
    return Response(status_code=204)
