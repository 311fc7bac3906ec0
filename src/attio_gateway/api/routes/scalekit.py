"""The REST half of Scalekit's wire protocol, on the gateway's own port.

The unmodified Scalekit SDKs, given ``env_url`` = this gateway, call two REST endpoints:

- ``POST /oauth/token`` — form-encoded client credentials (the gateway's API clients:
  ``SCALEKIT_CLIENT_ID``/``SCALEKIT_CLIENT_SECRET`` are an API client's id and secret) →
  ``{"access_token", "token_type", "expires_in"}``; the same as ``POST /api/v1/oauth/token``.
- ``/proxy/{path}`` — ``actions.request()``: the HTTP method, query and body as the caller
  sent them, the account named by the ``connection_name`` and ``identifier`` headers (or
  ``connected_account_id``), the bearer token in ``Authorization``. Attio's answer comes
  back as it is: its status, its body, its content type (and ``x-request-id``,
  ``retry-after``, ``idempotent-replayed``). The gateway's own refusals (no such account,
  account not active, a path outside ``/v2/``) are its JSON errors with their status.

Everything else the SDKs do is gRPC; docs/migrating-from-scalekit.md has the plan. These
routes are Scalekit's protocol, not the gateway's API: they are left out of its OpenAPI.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from attio_gateway.api.access import connection_of_account
from attio_gateway.api.deps import GatewayDep, ProxyClient
from attio_gateway.api.routes import auth
from attio_gateway.errors import InvalidInputError
from attio_gateway.sdk.admin import AccessToken

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

router.add_api_route("/oauth/token", auth.token, methods=["POST"], response_model=AccessToken)

PREFIX = "/proxy"
#: What the SDK (``requests``), a TLS-terminating proxy or this protocol put on the request,
#: never meant for Attio: not forwarded. The rest goes to the proxy's header check.
_NOT_FORWARDED = frozenset(
    {
        "host",
        "authorization",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "accept",
        "accept-encoding",
        "user-agent",
        "x-api-version",
        "x-sdk-version",
        "connection_name",
        "identifier",
        "connected_account_id",
        "idempotency-key",
        "idempotency-force",
        "idempotency-run",
        "x-request-id",
        "forwarded",
        "via",
        "x-real-ip",
    }
)
_NOT_FORWARDED_PREFIXES = ("x-forwarded-", "proxy-")
_ANSWER_HEADERS = ("content-type", "x-request-id", "retry-after", "idempotent-replayed")


def _attio_path(request: Request) -> str:
    """The path after ``/proxy`` as the caller encoded it (so it is decoded exactly once,
    by the proxy's own path check), with the query string left to ``query_params``."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    return path.removeprefix(request.scope.get("root_path", "")).removeprefix(PREFIX) or "/"


def _body(request: Request, content: bytes) -> tuple[Any, dict[str, str] | None, bytes | None]:
    """``(json, form_data, raw_body)`` from the body, by its content type."""
    if not content:
        return None, None, None
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return json.loads(content), None, None
        except ValueError as exc:
            raise InvalidInputError(f"The body is not JSON: {exc}.", field="body") from None
    if kind == "application/x-www-form-urlencoded":
        try:
            text = content.decode()
        except UnicodeDecodeError:
            raise InvalidInputError("The form body is not UTF-8.", field="body") from None
        return None, dict(parse_qsl(text, keep_blank_values=True)), None
    return None, None, content


@router.api_route("/proxy/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def proxy(path: str, request: Request, gateway: GatewayDep, client: ProxyClient) -> Response:
    """Scope ``proxy``. Scalekit's ``actions.request()``, answered with Attio's answer."""
    headers = request.headers
    connection_name = headers.get("connection_name") or None
    identifier = headers.get("identifier") or None
    connected_account_id = headers.get("connected_account_id") or None
    if identifier is None and connected_account_id is None:
        raise InvalidInputError(
            "Name the account: an 'identifier' header (with 'connection_name'), or "
            "'connected_account_id'.",
            field="identifier",
        )
    json_body, form_data, raw_body = _body(request, await request.body())
    forwarded = {
        name: value
        for name, value in headers.items()
        if name not in _NOT_FORWARDED and not name.startswith(_NOT_FORWARDED_PREFIXES)
    }
    if raw_body is not None and "content-type" in headers:
        forwarded["content-type"] = headers["content-type"]
    connection_name = await connection_of_account(
        gateway,
        client,
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
    )
    answer = await gateway.actions.request(
        connection_name=connection_name,
        identifier=identifier,
        connected_account_id=connected_account_id,
        path=_attio_path(request),
        method=request.method,
        query_params=dict(request.query_params) or None,
        json=json_body,
        form_data=form_data,
        raw_body=raw_body,
        headers=forwarded or None,
        idempotency_key=headers.get("idempotency-key"),
        force=headers.get("idempotency-force", "").lower() in ("1", "true"),
        run_id=headers.get("idempotency-run"),
    )
    kept = {k: v for k, v in answer.headers.items() if k.lower() in _ANSWER_HEADERS}
    return Response(answer.content, status_code=answer.status_code, headers=kept)
