"""MCP authorization over HTTP: the gateway as the OAuth 2.1 authorization server of its
``/mcp`` (docs/mcp.md, "Sign in from an MCP client").

The OAuth endpoints are the ``mcp`` package's own (``mcp.server.auth``: ``/authorize``,
``/token``, ``/register``, ``/revoke``, the metadata documents); this module adds the
OpenID discovery path, RFC 9207's ``iss`` flag in the metadata, and the two pages between
``/authorize`` and the code: the consent page and the return from Attio's sign-in.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.provider import construct_redirect_uri
from mcp.server.auth.routes import (
    AUTHORIZATION_PATH,
    build_metadata,
    cors_middleware,
    create_auth_routes,
    create_protected_resource_routes,
    validate_issuer_url,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attio_gateway.api.deps import GatewayDep
from attio_gateway.errors import GatewayError, PermissionDeniedError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.mcp_authorization import (
    CONSENT_PATH,
    RETURN_PATH,
    GatewayAuthorizationProvider,
    mcp_authorization,
    mcp_resource_url,
)
from attio_gateway.sdk.signing import server_key, sign, unsign

__all__ = ["install_mcp_authorization", "router"]

logger = logging.getLogger("attio_gateway.server")

router = APIRouter(tags=["mcp authorization"], include_in_schema=False)

#: The consent page may not be framed (clickjacking) nor cached.
_PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
_CSRF_COOKIE = "mcp_consent"
_SIGNED_IN_COOKIE = "mcp_signed_in"
_SIGNED_IN_PURPOSE = "mcp-signed-in"
_SIGNED_IN_DAYS = 30
_AS_METADATA_PATHS = (
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
)


def _failure(request: Request, exc: GatewayError) -> Response:
    page: Response = request.app.state.templates.TemplateResponse(
        request,
        "callback_failure.html",
        {"failure": exc},
        status_code=exc.http_status if exc.http_status < 500 else 502,
        headers=_PAGE_HEADERS,
    )
    return page


@router.get(CONSENT_PATH, response_class=HTMLResponse)
async def consent_page(
    request: Request,
    gateway: GatewayDep,
    request_id: Annotated[str, Query(alias="request", max_length=100)] = "",
) -> Response:
    """Name the MCP client, where it sends the user back, and what it may do."""
    known = await _known_account_id(request, gateway)
    try:
        consent = await mcp_authorization(gateway).consent(request_id, known_account_id=known)
    except GatewayError as exc:
        return _failure(request, exc)
    # Double-submit: the form's token must match a SameSite=Strict cookie only this
    # page sets, so a cross-site form cannot press "Continue" for the user.
    csrf_token = secrets.token_urlsafe(32)
    page: Response = request.app.state.templates.TemplateResponse(
        request,
        "mcp_consent.html",
        {"consent": consent, "consent_token": csrf_token},
        headers=_PAGE_HEADERS,
    )
    page.set_cookie(
        _CSRF_COOKIE,
        csrf_token,
        max_age=15 * 60,
        path="/mcp-auth",
        secure=gateway.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )
    return page


@router.post(CONSENT_PATH, response_class=HTMLResponse)
async def consent_answer(
    request: Request,
    gateway: GatewayDep,
    request_id: Annotated[str, Form(alias="request", max_length=100)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    consent_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Accept: on to Attio's sign-in. Deny: back to the client with ``access_denied``."""
    service = mcp_authorization(gateway)
    cookie = request.cookies.get(_CSRF_COOKIE, "")
    if not consent_token or not hmac.compare_digest(cookie.encode(), consent_token.encode()):
        return _failure(
            request,
            PermissionDeniedError(
                "This answer did not come from the consent page shown in this browser; "
                "start again from the MCP client."
            ),
        )
    try:
        if decision == "accept":
            target = await service.accept(request_id)
        elif decision == "continue":
            known = await _known_account_id(request, gateway)
            target = await service.accept_as(request_id, known or "")
        else:
            target = await service.deny(request_id)
    except GatewayError as exc:
        return _failure(request, exc)
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


@router.get(RETURN_PATH, response_class=HTMLResponse)
async def attio_return(
    request: Request,
    gateway: GatewayDep,
    auth_request_id: Annotated[str, Query(max_length=200)] = "",
    state: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Back from Attio's sign-in: the code goes to the MCP client's redirect URI."""
    try:
        target, account_id = await mcp_authorization(gateway).finish(auth_request_id, state)
    except GatewayError as exc:
        return _failure(request, exc)
    response = RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})
    # Remembered in this browser: the next MCP client may continue as this account
    # while it is ACTIVE, without Attio's consent page (the gateway's own still shows).
    expires = int(time.time()) + _SIGNED_IN_DAYS * 86400
    payload = json.dumps({"p": _SIGNED_IN_PURPOSE, "a": account_id, "e": expires}).encode()
    response.set_cookie(
        _SIGNED_IN_COOKIE,
        sign(await server_key(gateway), payload),
        max_age=_SIGNED_IN_DAYS * 86400,
        path="/mcp-auth",
        secure=gateway.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )
    return response


async def _known_account_id(request: Request, gateway: AsyncGateway) -> str | None:
    """The account an earlier MCP sign-in in this browser bound (its signed cookie)."""
    cookie = request.cookies.get(_SIGNED_IN_COOKIE)
    if not cookie or len(cookie) > 1000:
        return None
    payload = unsign(await server_key(gateway), cookie)
    try:
        data = json.loads(payload) if payload is not None else None
    except ValueError:
        return None
    if (
        not isinstance(data, dict)
        or data.get("p") != _SIGNED_IN_PURPOSE
        or not isinstance(data.get("a"), str)
        or not isinstance(data.get("e"), int)
        or data["e"] < time.time()
    ):
        return None
    account_id: str = data["a"]
    return account_id


class _IssOnErrorRedirects:
    """RFC 9207 wants ``iss`` in every authorization response the client gets, errors
    included; the SDK's ``/authorize`` adds none to the error redirects it sends back to
    the client (success goes on to the consent page, whose redirect carries it)."""

    def __init__(self, app: ASGIApp, issuer: str) -> None:
        self.app = app
        self.issuer = issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_iss(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (302, 303):
                headers = MutableHeaders(scope=message)
                location = headers.get("location", "")
                query = parse_qs(urlsplit(location).query)
                if location and not location.startswith(self.issuer + "/") and "iss" not in query:
                    headers["location"] = construct_redirect_uri(location, iss=self.issuer)
            await send(message)

        await self.app(scope, receive, send_with_iss)


def install_mcp_authorization(app: FastAPI, gateway: AsyncGateway) -> bool:
    """Serve the authorization server and the protected resource metadata of ``/mcp``.

    Only for a base URL OAuth allows as an issuer (https, or http on loopback); returns
    whether the routes were added.
    """
    # Through AuthSettings: it keeps a path-less URL without a trailing slash, so the
    # metadata's issuer and the ``iss`` of the redirect compare equal as strings.
    issuer = AuthSettings(
        issuer_url=gateway.settings.base_url.rstrip("/"), resource_server_url=None
    ).issuer_url
    try:
        validate_issuer_url(issuer)
    except ValueError as exc:
        logger.warning("MCP authorization is off: base_url %s: %s", issuer, exc)
        return False
    provider = GatewayAuthorizationProvider(gateway)
    registration = ClientRegistrationOptions(enabled=True)
    revocation = RevocationOptions(enabled=True)
    metadata = build_metadata(issuer, None, registration, revocation)
    metadata.authorization_response_iss_parameter_supported = True
    metadata.client_id_metadata_document_supported = True
    metadata_endpoint = cors_middleware(MetadataHandler(metadata).handle, ["GET", "OPTIONS"])
    # An issuer with a path (a base URL like https://host/gateway) is looked up with the
    # path after the well-known part (RFC 8414 §3.1) or, by OpenID clients, before it.
    issuer_path = urlsplit(str(issuer)).path.rstrip("/")
    metadata_paths = {path + issuer_path for path in _AS_METADATA_PATHS}
    metadata_paths |= set(_AS_METADATA_PATHS)
    if issuer_path:
        metadata_paths.add(f"{issuer_path}/.well-known/openid-configuration")
    routes: list[Route] = [
        Route(path, endpoint=metadata_endpoint, methods=["GET", "OPTIONS"])
        for path in sorted(metadata_paths)
    ]
    for route in create_auth_routes(
        provider, issuer, client_registration_options=registration, revocation_options=revocation
    ):
        if route.path in _AS_METADATA_PATHS:
            continue
        if route.path == AUTHORIZATION_PATH:
            route = Route(
                route.path,
                endpoint=_IssOnErrorRedirects(route.app, str(issuer)),
                methods=["GET", "POST"],
            )
        routes.append(route)
    routes += create_protected_resource_routes(
        AuthSettings(
            issuer_url=issuer,
            resource_server_url=mcp_resource_url(gateway),
            validate_token_resource=True,
        ).resource_server_url
        or issuer,
        [issuer],
        resource_name="attio-gateway MCP",
    )
    app.router.routes.extend(routes)
    app.include_router(router)
    return True
