"""``scalekit.common.exceptions``: the SDK's exception classes, raised for the gateway's errors.

The classes, their names, bases and constructors (one ``error`` argument) are the hosted SDK's,
so ``except ScalekitNotFoundException`` works unchanged. :meth:`ScalekitServerException.promote`
picks the class for one of the gateway's errors (``attio_gateway.errors``) by its HTTP status,
the way the SDK picks one for a gRPC status; upstream (Attio) failures of a tool become the
``ScalekitTool*`` classes, as the hosted service's ``TOOL_ERROR`` does.

The gateway's error stays reachable: ``exc.gateway_error`` (also ``exc.__cause__``), with its
``code``, ``message`` and ``field`` copied onto the exception. ``grpc_status`` is a
:class:`StatusCode` with ``grpc.StatusCode``'s names and values (this package does not depend
on grpcio); ``http_status`` is an :class:`http.HTTPStatus`, as in the SDK.
"""

from __future__ import annotations

import enum
from http import HTTPStatus
from typing import Any

from attio_gateway.errors import (
    GatewayError,
    RateLimitedError,
    UpstreamError,
    UpstreamUnauthorizedError,
)

__all__ = [
    "GRPC_TO_HTTP",
    "HTTP_STATUS",
    "HTTP_TO_GRPC",
    "NonStandardHTTPStatus",
    "ScalekitBadRequestException",
    "ScalekitCancelledException",
    "ScalekitConflictException",
    "ScalekitException",
    "ScalekitForbiddenException",
    "ScalekitGatewayTimeoutException",
    "ScalekitInternalServerException",
    "ScalekitNotFoundException",
    "ScalekitNotImplementedException",
    "ScalekitServerException",
    "ScalekitServiceUnavailableException",
    "ScalekitTooManyRequestsException",
    "ScalekitToolException",
    "ScalekitToolForbiddenException",
    "ScalekitToolRateLimitException",
    "ScalekitToolUnauthorizedException",
    "ScalekitUnauthorizedException",
    "ScalekitUnknownException",
    "ScalekitValidateTokenFailureException",
    "StatusCode",
    "WebhookVerificationError",
]


class StatusCode(enum.Enum):
    """gRPC's status codes, with ``grpc.StatusCode``'s names and ``(number, text)`` values."""

    OK = (0, "ok")
    CANCELLED = (1, "cancelled")
    UNKNOWN = (2, "unknown")
    INVALID_ARGUMENT = (3, "invalid argument")
    DEADLINE_EXCEEDED = (4, "deadline exceeded")
    NOT_FOUND = (5, "not found")
    ALREADY_EXISTS = (6, "already exists")
    PERMISSION_DENIED = (7, "permission denied")
    RESOURCE_EXHAUSTED = (8, "resource exhausted")
    FAILED_PRECONDITION = (9, "failed precondition")
    ABORTED = (10, "aborted")
    OUT_OF_RANGE = (11, "out of range")
    UNIMPLEMENTED = (12, "unimplemented")
    INTERNAL = (13, "internal")
    UNAVAILABLE = (14, "unavailable")
    DATA_LOSS = (15, "data loss")
    UNAUTHENTICATED = (16, "unauthenticated")


class NonStandardHTTPStatus(enum.IntEnum):
    """HTTP statuses :class:`http.HTTPStatus` lacks (nginx's 499 for a cancelled call)."""

    CLIENT_CLOSED_REQUEST = 499


GRPC_TO_HTTP: dict[StatusCode, HTTPStatus | NonStandardHTTPStatus] = {
    StatusCode.OK: HTTPStatus.OK,
    StatusCode.INVALID_ARGUMENT: HTTPStatus.BAD_REQUEST,
    StatusCode.FAILED_PRECONDITION: HTTPStatus.BAD_REQUEST,
    StatusCode.OUT_OF_RANGE: HTTPStatus.BAD_REQUEST,
    StatusCode.UNAUTHENTICATED: HTTPStatus.UNAUTHORIZED,
    StatusCode.PERMISSION_DENIED: HTTPStatus.FORBIDDEN,
    StatusCode.NOT_FOUND: HTTPStatus.NOT_FOUND,
    StatusCode.ALREADY_EXISTS: HTTPStatus.CONFLICT,
    StatusCode.ABORTED: HTTPStatus.CONFLICT,
    StatusCode.RESOURCE_EXHAUSTED: HTTPStatus.TOO_MANY_REQUESTS,
    StatusCode.CANCELLED: NonStandardHTTPStatus.CLIENT_CLOSED_REQUEST,
    StatusCode.DATA_LOSS: HTTPStatus.INTERNAL_SERVER_ERROR,
    StatusCode.UNKNOWN: HTTPStatus.INTERNAL_SERVER_ERROR,
    StatusCode.INTERNAL: HTTPStatus.INTERNAL_SERVER_ERROR,
    StatusCode.UNIMPLEMENTED: HTTPStatus.NOT_IMPLEMENTED,
    StatusCode.UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
    StatusCode.DEADLINE_EXCEEDED: HTTPStatus.GATEWAY_TIMEOUT,
}

HTTP_TO_GRPC: dict[int, StatusCode] = {
    HTTPStatus.OK: StatusCode.OK,
    HTTPStatus.BAD_REQUEST: StatusCode.INVALID_ARGUMENT,
    HTTPStatus.UNAUTHORIZED: StatusCode.UNAUTHENTICATED,
    HTTPStatus.FORBIDDEN: StatusCode.PERMISSION_DENIED,
    HTTPStatus.NOT_FOUND: StatusCode.NOT_FOUND,
    HTTPStatus.CONFLICT: StatusCode.ALREADY_EXISTS,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: StatusCode.INVALID_ARGUMENT,
    HTTPStatus.TOO_MANY_REQUESTS: StatusCode.RESOURCE_EXHAUSTED,
    HTTPStatus.INTERNAL_SERVER_ERROR: StatusCode.INTERNAL,
    HTTPStatus.NOT_IMPLEMENTED: StatusCode.UNIMPLEMENTED,
    HTTPStatus.BAD_GATEWAY: StatusCode.UNAVAILABLE,
    HTTPStatus.SERVICE_UNAVAILABLE: StatusCode.UNAVAILABLE,
    HTTPStatus.GATEWAY_TIMEOUT: StatusCode.DEADLINE_EXCEEDED,
}

HTTP_STATUS: dict[str, HTTPStatus] = {
    status.name: status
    for status in (
        HTTPStatus.OK,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.TOO_MANY_REQUESTS,
        HTTPStatus.INTERNAL_SERVER_ERROR,
        HTTPStatus.NOT_IMPLEMENTED,
        HTTPStatus.SERVICE_UNAVAILABLE,
        HTTPStatus.GATEWAY_TIMEOUT,
    )
}


class ScalekitException(Exception):
    """The root of the SDK's exceptions."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class WebhookVerificationError(ScalekitException):
    """A webhook payload whose signature does not verify."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitValidateTokenFailureException(ScalekitException):
    """A token that does not validate."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


def _http_status(code: int) -> HTTPStatus | NonStandardHTTPStatus:
    try:
        return HTTPStatus(code)
    except ValueError:
        if code == NonStandardHTTPStatus.CLIENT_CLOSED_REQUEST:
            return NonStandardHTTPStatus.CLIENT_CLOSED_REQUEST
        return HTTPStatus.INTERNAL_SERVER_ERROR


class ScalekitServerException(ScalekitException):
    """The service refused a call: its HTTP and gRPC status, error code, message and details.

    ``error`` is one of the gateway's errors (what this package raises), or, as in the SDK,
    an HTTP response (anything with ``status_code``, ``reason`` and ``text``).
    """

    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self._unpacked_details: list[dict[str, Any]] = []
        self.gateway_error: GatewayError | None = None
        self.code: str | None = None
        self.field: str | None = None
        if isinstance(error, GatewayError):
            self.gateway_error = error
            self.code = error.code
            self.field = getattr(error, "field", None)
            self._http_status = _http_status(error.http_status)
            self._grpc_status = HTTP_TO_GRPC.get(error.http_status, StatusCode.UNKNOWN)
            self._error_code: str | None = error.code
            self._message: str | None = error.message
            self._unpacked_details = [error.to_dict()]
            self._err_details: Any = list(self._unpacked_details)
        elif hasattr(error, "status_code"):
            reason = getattr(error, "reason", None) or getattr(error, "reason_phrase", None)
            if isinstance(reason, str) and reason:
                named = reason.upper().replace(" ", "_")
                self._http_status = HTTP_STATUS.get(named, HTTPStatus.INTERNAL_SERVER_ERROR)
            else:
                self._http_status = HTTPStatus.INTERNAL_SERVER_ERROR
            self._grpc_status = HTTP_TO_GRPC.get(int(error.status_code), StatusCode.UNKNOWN)
            self._error_code = reason if isinstance(reason, str) else None
            self._err_details = getattr(error, "text", None)
            self._message = None
        else:
            self._grpc_status = _DEFAULT_STATUS.get(type(self), StatusCode.UNKNOWN)
            self._http_status = GRPC_TO_HTTP[self._grpc_status]
            self._error_code = None
            self._err_details = []
            self._message = str(error)

    @staticmethod
    def promote(error: Any) -> ScalekitServerException:
        """The specific class for ``error`` (one of the gateway's errors, or a response)."""
        if isinstance(error, UpstreamError):
            if isinstance(error, RateLimitedError) or error.status_code == 429:
                return ScalekitToolRateLimitException(error)
            if isinstance(error, UpstreamUnauthorizedError) or error.status_code == 401:
                return ScalekitToolUnauthorizedException(error)
            if error.status_code == 403:
                return ScalekitToolForbiddenException(error)
            if error.http_status == 502:
                return ScalekitToolException(error)
        if isinstance(error, GatewayError):
            status = error.http_status
        else:
            status = int(getattr(error, "status_code", 0) or 0)
        grpc_status = HTTP_TO_GRPC.get(status, StatusCode.UNKNOWN)
        return _BY_GRPC.get(grpc_status, ScalekitUnknownException)(error)

    def __str__(self) -> str:
        return (
            f"{self._message or self._err_details} (Error Code: {self._error_code}; "
            f"GRPC: {self._grpc_status.name}; "
            f"HTTP: {self._http_status.value} {self._http_status.name})"
        )

    @property
    def http_status(self) -> HTTPStatus | NonStandardHTTPStatus:
        """The HTTP status."""
        return self._http_status

    @property
    def error_code(self) -> str | None:
        """The error code (the gateway's ``code``, e.g. ``not_found``)."""
        return self._error_code

    @property
    def err_details(self) -> Any:
        """The details: the gateway's error as a dict, in a list."""
        return self._err_details

    @property
    def grpc_status(self) -> StatusCode:
        """The gRPC status."""
        return self._grpc_status

    @property
    def message(self) -> str | None:
        """The message."""
        return self._message


class ScalekitBadRequestException(ScalekitServerException):
    """Bad input (gRPC ``INVALID_ARGUMENT``, ``FAILED_PRECONDITION``, ``OUT_OF_RANGE``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitUnauthorizedException(ScalekitServerException):
    """Not authenticated (``UNAUTHENTICATED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitForbiddenException(ScalekitServerException):
    """Not allowed (``PERMISSION_DENIED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitNotFoundException(ScalekitServerException):
    """No such thing (``NOT_FOUND``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitConflictException(ScalekitServerException):
    """It exists already, or another call holds it (``ALREADY_EXISTS``, ``ABORTED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitTooManyRequestsException(ScalekitServerException):
    """Rate limited (``RESOURCE_EXHAUSTED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitInternalServerException(ScalekitServerException):
    """The service failed (``INTERNAL``, ``UNKNOWN``, ``DATA_LOSS``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitNotImplementedException(ScalekitServerException):
    """Not offered (``UNIMPLEMENTED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitServiceUnavailableException(ScalekitServerException):
    """Unavailable for now (``UNAVAILABLE``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitGatewayTimeoutException(ScalekitServerException):
    """The deadline passed (``DEADLINE_EXCEEDED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitCancelledException(ScalekitServerException):
    """The call was cancelled (``CANCELLED``)."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitUnknownException(ScalekitServerException):
    """Any other status."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)


class ScalekitToolException(ScalekitServerException):
    """The provider (Attio) refused or failed a tool's call: its code and message."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self._tool_error_code: str | None = None
        self._tool_error_message: str | None = None
        self._execution_id: str | None = None
        if isinstance(error, UpstreamError):
            self._tool_error_code = error.upstream_code or (
                str(error.status_code) if error.status_code else None
            )
            self._tool_error_message = error.message
            self._execution_id = getattr(error, "request_id", None)

    @property
    def tool_error_code(self) -> str | None:
        """The provider's error code (Attio's ``code``, else its HTTP status)."""
        return self._tool_error_code

    @property
    def tool_error_message(self) -> str | None:
        """The provider's message."""
        return self._tool_error_message

    @property
    def execution_id(self) -> str | None:
        """The failed call's id, when there is one."""
        return self._execution_id


class ScalekitToolRateLimitException(ScalekitToolException, ScalekitTooManyRequestsException):
    """The provider rate-limited a tool's call (429)."""

    def __init__(self, error: Any) -> None:
        ScalekitToolException.__init__(self, error)


class ScalekitToolUnauthorizedException(ScalekitToolException, ScalekitUnauthorizedException):
    """The provider refused a tool's token (401)."""

    def __init__(self, error: Any) -> None:
        ScalekitToolException.__init__(self, error)


class ScalekitToolForbiddenException(ScalekitToolException, ScalekitForbiddenException):
    """The provider forbade a tool's call (403)."""

    def __init__(self, error: Any) -> None:
        ScalekitToolException.__init__(self, error)


_BY_GRPC: dict[StatusCode, type[ScalekitServerException]] = {
    StatusCode.INVALID_ARGUMENT: ScalekitBadRequestException,
    StatusCode.FAILED_PRECONDITION: ScalekitBadRequestException,
    StatusCode.OUT_OF_RANGE: ScalekitBadRequestException,
    StatusCode.UNAUTHENTICATED: ScalekitUnauthorizedException,
    StatusCode.PERMISSION_DENIED: ScalekitForbiddenException,
    StatusCode.NOT_FOUND: ScalekitNotFoundException,
    StatusCode.ALREADY_EXISTS: ScalekitConflictException,
    StatusCode.ABORTED: ScalekitConflictException,
    StatusCode.RESOURCE_EXHAUSTED: ScalekitTooManyRequestsException,
    StatusCode.CANCELLED: ScalekitCancelledException,
    StatusCode.DATA_LOSS: ScalekitInternalServerException,
    StatusCode.UNKNOWN: ScalekitInternalServerException,
    StatusCode.INTERNAL: ScalekitInternalServerException,
    StatusCode.UNIMPLEMENTED: ScalekitNotImplementedException,
    StatusCode.UNAVAILABLE: ScalekitServiceUnavailableException,
    StatusCode.DEADLINE_EXCEEDED: ScalekitGatewayTimeoutException,
}

#: The status of an exception made from a plain message (``ScalekitNotFoundException("...")``).
_DEFAULT_STATUS: dict[type[ScalekitServerException], StatusCode] = {
    cls: status for status, cls in reversed(_BY_GRPC.items())
}
_DEFAULT_STATUS.update(
    {
        ScalekitBadRequestException: StatusCode.INVALID_ARGUMENT,
        ScalekitConflictException: StatusCode.ALREADY_EXISTS,
        ScalekitInternalServerException: StatusCode.INTERNAL,
        ScalekitToolRateLimitException: StatusCode.RESOURCE_EXHAUSTED,
        ScalekitToolUnauthorizedException: StatusCode.UNAUTHENTICATED,
        ScalekitToolForbiddenException: StatusCode.PERMISSION_DENIED,
    }
)
