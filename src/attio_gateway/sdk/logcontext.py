"""What the log lines of one call share: the request id, the user's identifier and the
tool call's execution id, in context variables set along the call path (the API's request
middleware sets the request id, ``Calls`` the identifier and execution id). The JSON log
format (``attio-gateway serve --log-format json``) adds them to every line written while
they are set; ``fields()`` reads them.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["EXECUTION_ID", "IDENTIFIER", "REQUEST_ID", "fields"]

REQUEST_ID: ContextVar[str | None] = ContextVar("attio_gateway_request_id", default=None)
IDENTIFIER: ContextVar[str | None] = ContextVar("attio_gateway_identifier", default=None)
EXECUTION_ID: ContextVar[str | None] = ContextVar("attio_gateway_execution_id", default=None)


def fields() -> dict[str, str]:
    """The context of the current call, only what is known."""
    known = {
        "request_id": REQUEST_ID.get(),
        "identifier": IDENTIFIER.get(),
        "execution_id": EXECUTION_ID.get(),
    }
    return {k: v for k, v in known.items() if v is not None}
