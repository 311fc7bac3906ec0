"""What the log lines of one call share, and the server's JSON log format.

The request id, the user's identifier and the tool call's execution id live in context
variables set along the call path (the API's request middleware sets the request id,
``Calls`` the identifier and execution id); ``fields()`` reads them.

``attio-gateway serve --log-format json`` (``ATTIO_GATEWAY_LOG_FORMAT=json``) writes one
JSON object per line on stderr: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and
``message``, plus what is known of the call it was written in (``request_id``, the
``X-Request-ID`` the response carries; ``identifier``; ``execution_id``, as the tool
call's audit event and answer name it).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "EXECUTION_ID",
    "IDENTIFIER",
    "LOG_FORMATS",
    "REQUEST_ID",
    "JsonLogFormatter",
    "fields",
    "log_config",
]

REQUEST_ID: ContextVar[str | None] = ContextVar("attio_gateway_request_id", default=None)
IDENTIFIER: ContextVar[str | None] = ContextVar("attio_gateway_identifier", default=None)
EXECUTION_ID: ContextVar[str | None] = ContextVar("attio_gateway_execution_id", default=None)

LOG_FORMATS = ("text", "json")


def fields() -> dict[str, str]:
    """The context of the current call, only what is known."""
    known = {
        "request_id": REQUEST_ID.get(),
        "identifier": IDENTIFIER.get(),
        "execution_id": EXECUTION_ID.get(),
    }
    return {k: v for k, v in known.items() if v is not None}


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's formatter, with the call's context added to every line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("color_message", None)  # uvicorn's copy of the message, in colour
        for key, value in fields().items():
            log_data.setdefault(key, value)


def log_config(log_format: str, *, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` sending every logger (uvicorn's and the gateway's)
    through ``JsonLogFormatter`` on stderr (for ``log_format`` ``json``)."""
    if log_format != "json":
        raise ValueError(f"no log configuration for {log_format!r}")
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLogFormatter}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
