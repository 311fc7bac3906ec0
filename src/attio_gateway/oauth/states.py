"""The states a connected account and a connection move through (stored as their text)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AccountStatus", "ConnectionStatus"]


class AccountStatus(StrEnum):
    """An end user's account on a connection: only ``ACTIVE`` may act."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    PENDING_AUTH = "PENDING_AUTH"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"
    DISCONNECTED = "DISCONNECTED"


class ConnectionStatus(StrEnum):
    """What the provider said of a connection's client credentials."""

    ACTIVE = "ACTIVE"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    UNVERIFIED = "UNVERIFIED"
