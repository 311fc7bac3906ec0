"""The associated data each kind of secret is sealed with: one place, so seal and unseal agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "BY_LOCATION",
    "access_token",
    "account_secret",
    "client_secret",
    "code_verifier",
    "mcp_client_secret",
    "pending_refresh_token",
    "pending_token",
    "refresh_token",
    "server_secret",
    "trigger_subscription_secret",
    "trigger_webhook_secret",
]


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
    verified (or the verification deadline passes)."""
    return f"pending:{state}"


def pending_refresh_token(state: str) -> str:
    return f"pending:{state}:refresh"


def account_secret(key: str) -> str:
    """A provider secret kept for an account; ``key`` is ``"<account id>|<name>"``."""
    return f"account_secret:{key}"


def server_secret(name: str) -> str:
    """A secret of the gateway server itself (``signing_key``: bearer tokens and cookies)."""
    return f"server_secret:{name}"


def trigger_webhook_secret(webhook_id: str) -> str:
    """The signing secret Attio showed once for a workspace's trigger webhook."""
    return f"trigger_webhook:{webhook_id}:secret"


def trigger_subscription_secret(subscription_id: str) -> str:
    """The secret the gateway signs a trigger subscription's deliveries with."""
    return f"trigger_subscription:{subscription_id}:secret"


#: Every sealed value the database holds (``storage.sealed.sealed_locations``: each
#: ``*_sealed`` column, and the JSON keys a column declares), by ``table.column[.key]``,
#: with the associated data it is sealed with, computed from its row. Vault rotation
#: refuses to start when a location has no entry here.
def mcp_client_secret(client_id: str) -> str:
    """The secret of an MCP client registered with the gateway's authorization server."""
    return f"mcp_client:{client_id}:client_secret"


BY_LOCATION: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "connections.client_secret_sealed": lambda row: client_secret(row["id"]),
    "authorization_requests.code_verifier_sealed": lambda row: code_verifier(row["state"]),
    "authorization_requests.pending_token_sealed": lambda row: pending_token(row["state"]),
    "authorization_requests.pending_grant.refresh_token_sealed": (
        lambda row: pending_refresh_token(row["state"])
    ),
    "credentials.access_token_sealed": lambda row: access_token(row["account_id"]),
    "credentials.refresh_token_sealed": lambda row: refresh_token(row["account_id"]),
    "account_secrets.secret_sealed": (
        lambda row: account_secret(f"{row['account_id']}|{row['name']}")
    ),
    "server_secrets.value_sealed": lambda row: server_secret(row["name"]),
    "mcp_auth_clients.client_secret_sealed": lambda row: mcp_client_secret(row["client_id"]),
    "trigger_webhooks.secret_sealed": lambda row: trigger_webhook_secret(row["id"]),
    "trigger_subscriptions.secret_sealed": lambda row: trigger_subscription_secret(row["id"]),
}
