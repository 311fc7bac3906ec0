"""Workspace members (stored in Attio's wire shape) and the token's self-description."""

from __future__ import annotations

import re
from typing import Any

from attio_emulator.core.clock import new_id
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.services.webhooks.models import emit

ACCESS_LEVELS = ("admin", "member", "suspended")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def member_actor(state: EmulatorState, member_id: str | None) -> Document:
    """The actor of an action taken in Attio's web app (``/_emulator`` UI stand-ins): the
    member ``member_id``, or by default the workspace's first member."""
    if member_id is not None:
        member = get_member(state, member_id)
    else:
        members = list_members(state)
        if not members:
            raise validation_error(
                "The workspace has no members to act as; add one with "
                "POST /_emulator/workspace_members first."
            )
        member = members[0]
    return {"type": "workspace-member", "id": member["id"]["workspace_member_id"]}


def join_member(
    state: EmulatorState,
    *,
    email_address: str,
    first_name: str,
    last_name: str,
    access_level: str = "member",
    actor_member_id: str | None = None,
) -> Document:
    """A member joins the workspace (an invitation accepted in the web app):
    ``workspace-member.created``, acted by ``actor_member_id``, else the first member, else
    (an empty workspace) the new member itself."""
    if not _EMAIL.match(email_address):
        raise validation_error(f"email_address must be an email address, got {email_address!r}.")
    if access_level not in ACCESS_LEVELS:
        raise validation_error(
            f"access_level must be admin, member or suspended, got {access_level!r}."
        )
    address = email_address.lower()
    if any(m["email_address"].lower() == address for m in list_members(state)):
        raise validation_error(f'A workspace member with email "{email_address}" already exists.')
    actor = None
    if actor_member_id is not None or list_members(state):
        actor = member_actor(state, actor_member_id)
    member = add_member(
        state,
        first_name=first_name,
        last_name=last_name,
        email_address=email_address,
        access_level=access_level,
    )
    member_id = member["id"]["workspace_member_id"]
    actor = actor or {"type": "workspace-member", "id": member_id}
    emit(state, "workspace-member.created", {"workspace_member_id": member_id}, actor)
    return member


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
    # Workspace API tokens belong to an integration too, and were made by a member: Attio's
    # schema types client_id, aud and authorized_by_workspace_member_id as strings, and
    # strict SDK validators reject null. The token's own id stands in for the integration's
    # client id; the member is the first admin (created if there is none, as for consent).
    client_id = token.get("client_id") or token["token_id"]
    member_id = (
        token.get("workspace_member_id") or default_admin(state)["id"]["workspace_member_id"]
    )
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
        "authorized_by_workspace_member_id": member_id,
        "workspace_id": workspace.workspace_id,
        "workspace_name": workspace.name,
        "workspace_slug": workspace.slug,
        "workspace_logo_url": workspace.logo_url,
        "token_level": "workspace",
    }
