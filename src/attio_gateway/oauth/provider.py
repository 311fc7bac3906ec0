"""Providers described as data. Attio's URLs and scopes (API-NOTES §2, the product document)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTIO",
    "ATTIO_SCOPES",
    "PROVIDERS",
    "SCOPE_DESCRIPTIONS",
    "Provider",
    "scope_satisfied",
]


@dataclass(frozen=True)
class Provider:
    name: str
    authorize_url: str
    token_url: str
    api_base_url: str
    #: Path on the API that describes a token (Attio: ``GET /v2/self``).
    introspect_path: str
    supports_pkce: bool


ATTIO = Provider(
    name="attio",
    authorize_url="https://app.attio.com/authorize",
    token_url="https://app.attio.com/oauth/token",
    api_base_url="https://api.attio.com",
    introspect_path="/v2/self",
    supports_pkce=True,
)

PROVIDERS = {ATTIO.name: ATTIO}

#: The scopes of the product document's table, with its descriptions.
SCOPE_DESCRIPTIONS = {
    "record_permission:read": "Read CRM records (people, companies, deals)",
    "record_permission:read-write": "Read and write CRM records",
    "object_configuration:read": "Read object and attribute schemas",
    "list_configuration:read": "Read list schemas",
    "list_entry:read": "Read list entries",
    "list_entry:read-write": "Read and write list entries",
    "note:read": "Read notes",
    "note:read-write": "Read and write notes",
    "task:read-write": "Read and write tasks",
    "comment:read-write": "Read and write comments",
    "webhook:read-write": "Manage webhooks",
    "user_management:read": "Read workspace members",
}
_RESOURCES = (
    "user_management",
    "record_permission",
    "object_configuration",
    "list_entry",
    "list_configuration",
    "public_collection",
    "private_collection",
    "comment",
    "task",
    "note",
    "meeting",
    "call_recording",
    "webhook",
    "file",
    "scim_management",
)
ATTIO_SCOPES = tuple(f"{r}:{level}" for r in _RESOURCES for level in ("read", "read-write"))


def scope_satisfied(needed: str, granted: set[str] | frozenset[str]) -> bool:
    """``x:read-write`` also grants ``x:read``."""
    if needed in granted:
        return True
    resource, _, level = needed.partition(":")
    return level == "read" and f"{resource}:read-write" in granted
