"""The scopes an API client may be given: plain data, importable without the database
(the CLI's help text names them). ``sdk.admin`` checks and grants them."""

from __future__ import annotations

__all__ = ["ALL_SCOPES", "API_SCOPES", "DEFAULT_SCOPES"]

#: What an API client may be allowed, scope → what it allows.
API_SCOPES: dict[str, str] = {
    "proxy": "Call Attio's REST API as a connected user (POST /proxy).",
    "tools:execute": "List the tools and run them as a connected user.",
    "accounts:read": "List and read connected accounts (without tokens) and the audit log; "
    "read connections.",
    "accounts:write": "Send authorization links, verify users, disconnect and delete accounts.",
    "accounts:tokens": "Read a connected user's plaintext Attio access token "
    "(include_tokens=true).",
    "connections:admin": "Create, change and delete connections (the Attio OAuth apps).",
    "clients:admin": "Mint, change and revoke API clients below this one, never with more "
    "than it has.",
}
ALL_SCOPES: tuple[str, ...] = tuple(API_SCOPES)
#: A new client's scopes unless others are given; also what clients created before scopes
#: existed got (migration 0005): everything but plaintext tokens and client management.
DEFAULT_SCOPES: tuple[str, ...] = (
    "proxy",
    "tools:execute",
    "accounts:read",
    "accounts:write",
    "connections:admin",
)
