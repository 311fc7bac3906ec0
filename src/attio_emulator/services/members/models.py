"""Workspace members (stored in Attio's wire shape) and the token's self-description."""

from __future__ import annotations

from typing import Any

from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import not_found
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document


def add_member(
    state: EmulatorState,
    *,
    first_name: str,
    last_name: str,
    email_address: str,
    access_level: str = "member",
    member_id: str | None = None,
) -> Document:
    member_id = member_id or new_id()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "workspace_member_id": member_id},
        "first_name": first_name,
        "last_name": last_name,
        "avatar_url": None,
        "email_address": email_address,
        "created_at": state.clock.timestamp(),
        "access_level": access_level,
    }
    return state.store.table("workspace_members").put(member_id, doc)


def list_members(state: EmulatorState) -> list[Document]:
    return state.store.table("workspace_members").values()


def get_member(state: EmulatorState, member_id: str) -> Document:
    doc = state.store.table("workspace_members").get(member_id)
    if doc is None:
        raise not_found(f'Workspace member with ID "{member_id}" not found.')
    return doc


def default_admin(state: EmulatorState) -> Document:
    """The member who approves OAuth consent: the first admin, created if there is none."""
    admins = [m for m in list_members(state) if m["access_level"] == "admin"]
    if admins:
        return admins[0]
    return add_member(
        state,
        first_name="Emulator",
        last_name="Admin",
        email_address="admin@emulator.local",
        access_level="admin",
    )


def self_body(state: EmulatorState, token: Document | None) -> dict[str, Any]:
    """``GET /v2/self`` and ``/oauth/introspect``: flat, ``scope`` space-separated."""
    if token is None:
        return {"active": False}
    workspace = state.workspace
    client_id = token.get("client_id")
    return {
        "active": True,
        "scope": " ".join(token["scopes"]),
        "client_id": client_id,
        "token_type": "Bearer",
        "exp": token.get("exp"),
        "iat": token["iat"],
        "sub": workspace.workspace_id,
        "aud": client_id,
        "iss": "attio.com",
        "authorized_by_workspace_member_id": token.get("workspace_member_id"),
        "workspace_id": workspace.workspace_id,
        "workspace_name": workspace.name,
        "workspace_slug": workspace.slug,
        "workspace_logo_url": workspace.logo_url,
    }
