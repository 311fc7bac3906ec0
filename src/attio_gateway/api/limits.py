"""A limit on the size of request bodies, for every route of the server (API, proxy, MCP,
dashboard): a body larger than ``Settings.max_request_body_bytes`` is refused with 413
instead of being buffered and forwarded to Attio.

A plain ASGI middleware, like the request-id one: a declared ``Content-Length`` over the
limit is answered before anything is read; a body sent without one (chunked) is counted
as it arrives and refused once it passes the limit. (Starlette has no such limit of its
own, hence these few lines.)"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attio_gateway.errors import RequestTooLargeError

__all__ = ["BodySizeLimit"]


class BodySizeLimit:
    def __init__(self, inner: ASGIApp, *, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"The request body is larger than this server's limit of {self.max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send, declared)
            return
        received, refused, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if started:  # the app already answered; only stopping is left
                        raise RequestTooLargeError(self._message())
                    # Answer 413 here and tell the app the client went away: whatever
                    # it answers to that is dropped by guarded_send.
                    refused = True
                    await self._refuse(scope, send, str(received))
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        await self.inner(scope, counting_receive, guarded_send)

    async def _refuse(self, scope: Scope, send: Send, declared: str) -> None:
        state = scope.get("state") or {}
        if declared.isdigit():
            status, code, message = 413, RequestTooLargeError.code, self._message()
        else:
            status, code = 400, "invalid_request"
            message = f"Content-Length {declared[:40]!r} is not a number of bytes."
        error = {"code": code, "message": message, "request_id": state.get("request_id")}
        body = json.dumps({"error": error}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
