"""One emulated Attio workspace: its store, clock, identity and access tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from attio_emulator.core.clock import Clock, new_id
from attio_emulator.core.limits import Faults, Limits
from attio_emulator.core.store import Document, Store

#: Attio's 30 scopes: 15 resources, each ``:read`` or ``:read-write`` (API-NOTES §2).
SCOPE_RESOURCES = (
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
ALL_SCOPES = tuple(f"{r}:{level}" for r in SCOPE_RESOURCES for level in ("read", "read-write"))


def scope_satisfied(needed: str, granted: set[str]) -> bool:
    """``x:read`` is satisfied by ``x:read`` or ``x:read-write`` ("view, and optionally write")."""
    if needed in granted:
        return True
    resource, _, level = needed.partition(":")
    return level == "read" and f"{resource}:read-write" in granted


@dataclass
class Workspace:
    workspace_id: str
    name: str
    slug: str
    logo_url: str | None = None


@dataclass
class EmulatorState:
    """Everything one emulator serves. Services keep their documents in ``store`` tables."""

    store: Store
    clock: Clock = field(default_factory=Clock)
    #: Extra per-process settings (e.g. whether http:// webhook targets are allowed).
    options: dict[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)

    @property
    def workspace(self) -> Workspace:
        doc = self.store.table("workspace").get("self")
        if doc is None:
            doc = self.store.table("workspace").put(
                "self",
                {
                    "workspace_id": new_id(),
                    "name": "Emulated Workspace",
                    "slug": "emulated-workspace",
                    "logo_url": None,
                },
            )
        return Workspace(doc["workspace_id"], doc["name"], doc["slug"], doc["logo_url"])

    def set_workspace(self, *, name: str, slug: str, workspace_id: str | None = None) -> None:
        current = self.workspace
        self.store.table("workspace").put(
            "self",
            {
                "workspace_id": workspace_id or current.workspace_id,
                "name": name,
                "slug": slug,
                "logo_url": current.logo_url,
            },
        )

    # --- access tokens -------------------------------------------------------------------

    def issue_token(
        self,
        *,
        scopes: list[str] | tuple[str, ...] = ALL_SCOPES,
        kind: str = "api",
        token: str | None = None,
        client_id: str | None = None,
        workspace_member_id: str | None = None,
        expires_at: int | None = None,
    ) -> Document:
        """Create an access token. ``kind`` is ``api`` (workspace API key) or ``oauth``."""
        value = token or secrets.token_urlsafe(32)
        doc: Document = {
            "token": value,
            "token_id": new_id(),
            "kind": kind,
            "scopes": list(scopes),
            "active": True,
            "client_id": client_id,
            "workspace_member_id": workspace_member_id,
            "iat": int(self.clock.now().timestamp()),
            "exp": expires_at,
        }
        return self.store.table("tokens").put(value, doc)

    def token(self, value: str) -> Document | None:
        """The token document if the token exists, is active and has not expired."""
        doc = self.store.table("tokens").get(value)
        if doc is None or not doc["active"]:
            return None
        if doc.get("exp") is not None and doc["exp"] <= int(self.clock.now().timestamp()):
            return None
        return doc

    def revoke_token(self, value: str) -> bool:
        doc = self.store.table("tokens").get(value)
        if doc is None:
            return False
        self.store.table("tokens").put(value, {**doc, "active": False})
        return True
