"""The smallest HTTP server on the gateway's stack (uvicorn, same HTTP parser and event
loop): one GET answered with a short JSON body. Section 1 times a request to it as "one
loopback round trip", the yardstick for what the HTTP gateway's extra hop may cost.

``python -m benchmarks.loopback PORT``
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

BODY = b'{"ok":true}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
