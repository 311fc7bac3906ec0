"""The associated data each kind of secret is sealed with: one place, so seal and unseal agree."""

from __future__ import annotations


def client_secret(connection_id: str) -> str:
    return f"connection:{connection_id}:client_secret"


def access_token(account_id: str) -> str:
    return f"credential:{account_id}:access_token"


def refresh_token(account_id: str) -> str:
    return f"credential:{account_id}:refresh_token"


def code_verifier(state: str) -> str:
    return f"authorization_request:{state}:code_verifier"


def pending_token(state: str) -> str:
    """The access token of a grant parked on its authorization request until the user is
    verified (not re-sealed by rotation: it lives minutes and older keys stay)."""
    return f"pending:{state}"


def pending_refresh_token(state: str) -> str:
    return f"pending:{state}:refresh"


def account_secret(key: str) -> str:
    """A provider secret kept for an account; ``key`` is ``"<account id>|<name>"``."""
    return f"account_secret:{key}"


def server_secret(name: str) -> str:
    """A secret of the gateway server itself (``signing_key``: bearer tokens and cookies)."""
    return f"server_secret:{name}"
