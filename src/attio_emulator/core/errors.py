"""Attio's error type and wire shape: ``{status_code, type, code, message}``."""

from __future__ import annotations

from typing import Any


class AttioError(Exception):
    """An error answered exactly as Attio answers it."""

    def __init__(
        self,
        status_code: int,
        type: str,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.type = type
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "type": self.type,
            "code": self.code,
            "message": self.message,
        }


def validation_error(message: str) -> AttioError:
    return AttioError(400, "invalid_request_error", "validation_type", message)


def value_not_found(message: str) -> AttioError:
    return AttioError(400, "invalid_request_error", "value_not_found", message)


def missing_value(message: str) -> AttioError:
    return AttioError(400, "invalid_request_error", "missing_value", message)


def filter_error(message: str) -> AttioError:
    return AttioError(400, "invalid_request_error", "filter_error", message)


def not_found(message: str) -> AttioError:
    return AttioError(404, "invalid_request_error", "not_found", message)


def slug_conflict(message: str) -> AttioError:
    return AttioError(409, "invalid_request_error", "slug_conflict", message)


def unauthorized(message: str = "Invalid or revoked access token.") -> AttioError:
    return AttioError(401, "auth_error", "invalid_token", message)


def missing_scopes(missing: list[str]) -> AttioError:
    return AttioError(
        403,
        "auth_error",
        "missing_scopes",
        "The access token is missing the required scopes: " + ", ".join(missing) + ".",
    )
