"""Every error a caller of attio-gateway may catch.

::

    GatewayError
     ├── ConfigurationError          settings that cannot work (bad key format, gateway not open)
     │    └── InvalidInputError      a caller's value refused (connection name, URL, identifier)
     ├── StorageError                the database could not be reached or migrated
     ├── VaultError
     │    ├── MissingKeyError        no key can unseal this value (key id unknown)
     │    └── DecryptionError        ciphertext tampered with, or the wrong key
     ├── AuthenticationError         missing or wrong API credentials or bearer token
     ├── PermissionDeniedError       the API client may not do this (a connection it lacks)
     │    ├── InsufficientScopeError the API client lacks the scope the route needs
     │    ├── ToolNotInToolsetError  the tool is not in the toolset the call is bound to
     │    └── PolicyDeniedError      a policy rule denied the call (its message and rule id)
     ├── NotFoundError               a connection, account, tool, ... that does not exist
     ├── RequestTooLargeError        an HTTP request body over the configured limit (413)
     ├── BudgetExceededError         a call or write budget is used up until ``reset_at`` (429)
     ├── ApprovalRequiredError       not sent: a person approves it first (202, with a preview)
     ├── ConflictError               a unique name or identifier already taken
     │    ├── IdempotencyKeyReusedError       one idempotency key, two different requests
     │    ├── IdempotencyInProgressError      the first request with this key is still running
     │    └── IdempotencyOutcomeUnknownError  its outcome is unknown and cannot be reconciled
     ├── OAuthFlowError              RFC 6749 error/error_description of a failed flow
     ├── AccountNotActiveError       the connected account cannot act; carries a fresh link
     ├── ToolError
     │    ├── ToolInputError         tool input rejected; names the field and what was wrong
     │    └── MissingScopesError     the grant lacks scopes the tool needs
     └── UpstreamError               Attio answered with an error (status, type, code, message)
          ├── UpstreamUnauthorizedError  401: the token was revoked or is invalid
          ├── RateLimitedError       429 after retries; carries retry_after
          └── UpstreamUnavailableError  network failure or 5xx after retries
               └── WriteOutcomeUnknownError  a write was sent but its outcome is unknown

Leaves only set class attributes; the data lives on the base classes.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccountNotActiveError",
    "ApprovalRequiredError",
    "AuthenticationError",
    "BudgetExceededError",
    "ConfigurationError",
    "ConflictError",
    "DecryptionError",
    "GatewayError",
    "IdempotencyInProgressError",
    "IdempotencyKeyReusedError",
    "IdempotencyOutcomeUnknownError",
    "InsufficientScopeError",
    "InvalidInputError",
    "MissingKeyError",
    "MissingScopesError",
    "NotFoundError",
    "OAuthFlowError",
    "PermissionDeniedError",
    "PolicyDeniedError",
    "RateLimitedError",
    "RequestTooLargeError",
    "StorageError",
    "ToolError",
    "ToolInputError",
    "ToolNotInToolsetError",
    "UpstreamError",
    "UpstreamUnauthorizedError",
    "UpstreamUnavailableError",
    "VaultError",
    "WriteOutcomeUnknownError",
]


class GatewayError(Exception):
    """Base of every attio-gateway error."""

    code: str = "gateway_error"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class ConfigurationError(GatewayError):
    code = "configuration_error"


class InvalidInputError(ConfigurationError):
    """A value the caller gave is refused before anything is stored; ``field`` names it."""

    code = "invalid_input"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "field": self.field}


class RequestTooLargeError(GatewayError):
    code = "request_too_large"
    http_status = 413


class StorageError(GatewayError):
    code = "storage_error"
    http_status = 503


class VaultError(GatewayError):
    code = "vault_error"


class MissingKeyError(VaultError):
    code = "vault_missing_key"


class DecryptionError(VaultError):
    code = "vault_decryption_failed"


class AuthenticationError(GatewayError):
    code = "unauthenticated"
    http_status = 401


class PermissionDeniedError(GatewayError):
    code = "forbidden"
    http_status = 403


class InsufficientScopeError(PermissionDeniedError):
    """The API client's scopes do not include ``required_scope``."""

    code = "insufficient_scope"

    def __init__(self, message: str, *, required_scope: str | None = None) -> None:
        super().__init__(message)
        self.required_scope = required_scope

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "required_scope": self.required_scope}


class ToolNotInToolsetError(PermissionDeniedError):
    """The call is bound to ``toolset``, which does not hold ``tool_name``."""

    code = "tool_not_in_toolset"

    def __init__(
        self, message: str, *, tool_name: str | None = None, toolset: str | None = None
    ) -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.toolset = toolset

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "tool_name": self.tool_name, "toolset": self.toolset}


class PolicyDeniedError(PermissionDeniedError):
    """A policy rule (``rule_id``; ``None``: the default) denied the call; nothing was sent."""

    code = "policy_denied"

    def __init__(self, message: str, *, rule_id: str | None = None) -> None:
        super().__init__(message)
        self.rule_id = rule_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule_id": self.rule_id}


class ApprovalRequiredError(GatewayError):
    """A policy rule (``rule_id``) asks a person to approve this call; it was not sent.
    ``approval_id`` names the approval (``status`` ``pending`` until decided, until
    ``expires_at``); ``preview`` is what the call would change. Once approved, submit the
    same call again with the approval id: it runs once."""

    code = "approval_required"
    http_status = 202

    def __init__(
        self,
        message: str,
        *,
        rule_id: str | None = None,
        approval_id: str | None = None,
        status: str | None = None,
        expires_at: str | None = None,
        preview: Any = None,
    ) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.approval_id = approval_id
        self.status = status
        self.expires_at = expires_at
        self.preview = preview

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "rule_id": self.rule_id,
            "approval_id": self.approval_id,
            "status": self.status,
            "expires_at": self.expires_at,
            "preview": self.preview,
        }


class BudgetExceededError(GatewayError):
    """A budget (``budget_id``) of ``limit`` calls or writes per ``period`` is used up until
    ``reset_at`` (ISO 8601, UTC); ``retry_after`` is the seconds until then."""

    code = "budget_exceeded"
    http_status = 429

    def __init__(
        self,
        message: str,
        *,
        budget_id: str | None = None,
        period: str | None = None,
        limit: int | None = None,
        reset_at: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.budget_id = budget_id
        self.period = period
        self.limit = limit
        self.reset_at = reset_at
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "budget_id": self.budget_id,
            "period": self.period,
            "limit": self.limit,
            "reset_at": self.reset_at,
            "retry_after": self.retry_after,
        }


class NotFoundError(GatewayError):
    code = "not_found"
    http_status = 404


class ConflictError(GatewayError):
    code = "conflict"
    http_status = 409


class IdempotencyKeyReusedError(ConflictError):
    """An idempotency key already used for a different request (both fingerprints named)."""

    code = "idempotency_key_reused"


class IdempotencyInProgressError(ConflictError):
    """The first request with this idempotency key is still running; retry later."""

    code = "idempotency_in_progress"


class IdempotencyOutcomeUnknownError(ConflictError):
    """The first request with this idempotency key may or may not have been applied and no
    safe lookup can tell; it is resent only with ``force=True``."""

    code = "idempotency_outcome_unknown"


class OAuthFlowError(GatewayError):
    """A failed OAuth step, with the RFC 6749 ``error`` and ``error_description``."""

    code = "oauth_error"
    http_status = 400

    def __init__(self, error: str, error_description: str | None = None) -> None:
        super().__init__(f"{error}: {error_description}" if error_description else error)
        self.error = error
        self.error_description = error_description

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "error": self.error,
            "error_description": self.error_description,
        }


class AccountNotActiveError(GatewayError):
    """The connected account is not ACTIVE; ``authorization_link`` lets the user reconnect."""

    code = "account_not_active"
    http_status = 403

    def __init__(
        self,
        message: str,
        *,
        status: str,
        authorization_link: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.authorization_link = authorization_link

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "status": self.status,
            "authorization_link": self.authorization_link,
        }


class ToolError(GatewayError):
    code = "tool_error"
    http_status = 400


class ToolInputError(ToolError):
    """Tool input rejected before anything was sent; ``field`` names the culprit."""

    code = "tool_input_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "field": self.field}


class MissingScopesError(ToolError):
    code = "missing_scopes"
    http_status = 403

    def __init__(self, message: str, *, missing: list[str], granted: list[str]) -> None:
        super().__init__(message)
        self.missing = missing
        self.granted = granted

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "missing": self.missing, "granted": self.granted}


class UpstreamError(GatewayError):
    """Attio answered with an error; its wire fields are kept as they came."""

    code = "upstream_error"
    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        type: str | None = None,
        upstream_code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.type = type
        self.upstream_code = upstream_code
        self.request_id = request_id
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "status_code": self.status_code,
            "type": self.type,
            "upstream_code": self.upstream_code,
            "request_id": self.request_id,
            "retry_after": self.retry_after,
        }


class UpstreamUnauthorizedError(UpstreamError):
    code = "upstream_unauthorized"
    http_status = 401


class RateLimitedError(UpstreamError):
    code = "rate_limited"
    http_status = 429


class UpstreamUnavailableError(UpstreamError):
    code = "upstream_unavailable"
    http_status = 503


class WriteOutcomeUnknownError(UpstreamUnavailableError):
    """A non-idempotent write reached Attio but no answer came back: it may or may not have
    been applied, so it is not retried. Check before writing again."""

    code = "write_outcome_unknown"
