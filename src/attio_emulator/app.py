"""The emulator's ASGI app (``create_app``) and an in-process httpx transport (``transport``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from attio_emulator.core.auth import bearer_token
from attio_emulator.core.errors import AttioError
from attio_emulator.core.limits import InjectedReset, ResetConnections, http_date, sleep_ms
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Store
from attio_emulator.latency import delay


def create_app(state: EmulatorState | None = None) -> FastAPI:
    """The emulator's ASGI app serving ``state`` (a fresh in-memory workspace by default)."""
    state = state or EmulatorState(store=Store())
    app = FastAPI(
        title="Attio emulator",
        docs_url="/_emulator/docs",
        redoc_url=None,
        openapi_url="/_emulator/openapi.json",
    )
    app.state.emulator = state

    @app.exception_handler(AttioError)
    async def attio_error(_: Request, exc: AttioError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc.errors()), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else "validation_type"
        body = AttioError(exc.status_code, "invalid_request_error", code, str(exc.detail)).body()
        return JSONResponse(body, status_code=exc.status_code)

    @app.middleware("http")
    async def limits_and_faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if not path.startswith("/v2"):
            return await call_next(request)
        await delay(state, path)  # attio_emulator.latency: pacing as over the internet
        retry_at = state.limits.check(bearer_token(request) or "anonymous", request.method, path)
        if retry_at is not None:
            return _rate_limited(retry_at)
        faults = state.faults
        if not faults.applies(path):
            return await call_next(request)
        await sleep_ms(faults.latency_ms)
        if faults.reset_due():
            raise InjectedReset
        status = faults.fail_status()
        if faults.accept_then_fail and request.method not in ("GET", "HEAD"):
            await call_next(request)  # the write happens; the answer is lost
            status = status or 502
        if status == 429:  # an injected 429 is answered as Attio's own: body, Retry-After
            return _rate_limited(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1))
        if status is not None:
            error = AttioError(status, "api_error", "internal_error", "Injected fault.")
            return JSONResponse(error.body(), status_code=status)
        return await call_next(request)

    app.add_middleware(ResetConnections)  # outside the fault middleware above

    for router in _routers():
        app.include_router(router)
    return app


def _rate_limited(retry_at: datetime) -> JSONResponse:
    error = AttioError(
        429,
        "rate_limit_error",
        "rate_limit_exceeded",
        "Rate limit exceeded, please try again later.",
    )
    return JSONResponse(error.body(), status_code=429, headers={"Retry-After": http_date(retry_at)})


def transport(app: FastAPI) -> httpx.ASGITransport:
    """An httpx transport that calls ``app`` in process (for ``httpx.AsyncClient``)."""
    return httpx.ASGITransport(app=app)


def _validation_body(errors: Any) -> dict[str, Any]:
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else error["msg"])
    message = "Body payload validation error. " + "; ".join(parts)
    return AttioError(400, "invalid_request_error", "validation_type", message).body()


def _routers() -> list[Any]:
    """Every service's router. Each group adds its own line here."""
    from attio_emulator.control.routes import router as control_router
    from attio_emulator.control.snapshots import router as snapshots_router
    from attio_emulator.oauth.routes import router as oauth_router
    from attio_emulator.services.lists.routes import router as lists_router
    from attio_emulator.services.meetings.routes import router as meetings_router
    from attio_emulator.services.members.routes import router as members_router
    from attio_emulator.services.notes.routes import router as notes_router
    from attio_emulator.services.objects.routes import router as objects_router
    from attio_emulator.services.records.routes import router as records_router
    from attio_emulator.services.scim.routes import router as scim_router
    from attio_emulator.services.tasks.routes import router as tasks_router
    from attio_emulator.services.threads.routes import router as threads_router
    from attio_emulator.services.webhooks.routes import router as webhooks_router

    # Records first: "/v2/objects/records/search" must win over "/v2/objects/{object}".
    routers = [control_router, oauth_router, members_router, records_router, objects_router]
    routers += [lists_router, notes_router, tasks_router, threads_router, meetings_router]
    routers += [webhooks_router, scim_router, snapshots_router]
    return routers
