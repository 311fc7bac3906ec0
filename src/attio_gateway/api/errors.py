"""The one JSON error shape of the gateway's API:
``{"error": {"code": "...", "message": "...", "request_id": "...", ...}}``.

Every ``GatewayError`` keeps its ``http_status`` and ``to_dict()``; FastAPI's validation
errors become 422 naming the field; anything unexpected is still a JSON error (never an
HTML traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from attio_gateway.errors import GatewayError

__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "ErrorDetail",
    "error_response",
    "install_error_handlers",
]

logger = logging.getLogger("attio_gateway.api")


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None = None
    field: str | None = None


class ErrorBody(BaseModel):
    """Other keys of the error (``status``, ``authorization_link``, ``missing``...) may appear."""

    error: ErrorDetail


#: For the OpenAPI document: the error responses every API route may give.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad input"),
        (401, "Missing or wrong credentials"),
        (403, "Not allowed (account not active, missing scopes)"),
        (404, "Not found"),
        (409, "Conflict"),
        (422, "Invalid request; the error names the field"),
        (429, "Rate limited by Attio"),
        (502, "Attio answered with an error"),
        (503, "Attio or the database unreachable"),
    )
}


def _request_id(request: Request) -> str | None:
    value: str | None = getattr(request.state, "request_id", None)
    return value


def error_response(
    request: Request,
    status: int,
    detail: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {**detail, "request_id": _request_id(request)}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field(loc: Sequence[Any]) -> str:
    # ("body", "client_id") → "client_id"; the location kind is said in the message.
    parts = [str(p) for p in loc[1:]] or [str(p) for p in loc]
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        headers = {}
        if exc.http_status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        retry_after = getattr(exc, "retry_after", None)
        if exc.http_status == 429 and retry_after:
            headers["Retry-After"] = str(int(retry_after))
        return error_response(request, exc.http_status, exc.to_dict(), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field(first.get("loc", ()))
        where = first.get("loc", ("request",))[0]
        messages = [
            f"{_field(e.get('loc', ()))} ({e.get('loc', ('?',))[0]}): {e.get('msg')}"
            for e in exc.errors()
        ]
        return error_response(
            request,
            422,
            {
                "code": "invalid_request",
                "message": "; ".join(messages) or f"invalid {where}",
                "field": field,
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(
            exc.status_code, "http_error"
        )
        return error_response(
            request, exc.status_code, {"code": code, "message": str(exc.detail)}, exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return error_response(
            request,
            500,
            {"code": "internal_error", "message": "An unexpected error; see the server log."},
        )
