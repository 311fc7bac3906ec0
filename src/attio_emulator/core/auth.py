"""Who is calling: bearer (or HTTP Basic) token → caller, and per-route scope checks."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from attio_emulator.core.errors import missing_scopes, unauthorized
from attio_emulator.core.state import EmulatorState, scope_satisfied
from attio_emulator.core.store import Document


@dataclass(frozen=True)
class Caller:
    token: Document

    @property
    def scopes(self) -> set[str]:
        return set(self.token["scopes"])

    @property
    def actor(self) -> dict[str, Any]:
        """The actor Attio records for writes made with this token (API-NOTES §1)."""
        return {"type": "api-token", "id": self.token["token_id"]}


def get_state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def bearer_token(request: Request) -> str | None:
    """The token from ``Authorization: Bearer …`` or Basic with the token as username."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        username, _, _ = decoded.partition(":")
        return username or None
    return None


def require(*scopes: str) -> Callable[[Request], Awaitable[Caller]]:
    """A FastAPI dependency: an active token holding every scope in ``scopes``."""

    async def dependency(request: Request) -> Caller:
        state = get_state(request)
        value = bearer_token(request)
        token = state.token(value) if value else None
        if token is None:
            raise unauthorized()
        caller = Caller(token)
        check_scopes(caller, *scopes)
        return caller

    return dependency


def check_scopes(caller: Caller, *scopes: str) -> None:
    """403 unless the caller's token holds every scope in ``scopes`` (for scopes that depend
    on what a request targets, checked once the target is known)."""
    lacking = [scope for scope in scopes if not scope_satisfied(scope, caller.scopes)]
    if lacking:
        raise missing_scopes(lacking)
