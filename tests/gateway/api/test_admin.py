"""API clients' tokens and the server key, through the SDK's admin functions."""

from __future__ import annotations

import base64
import json
import time

import pytest

from attio_gateway.errors import AuthenticationError
from attio_gateway.sdk.admin import (
    TOKEN_PREFIX,
    create_api_client,
    issue_access_token,
    revoke_api_client,
    update_api_client,
    verify_access_token,
)
from attio_gateway.sdk.signing import SIGNING_KEY_NAME, server_key, sign
from attio_gateway.storage import queries as q
from attio_gateway.vault import Sealed
from tests.gateway.api.conftest import Server


async def test_the_server_key_is_made_once_and_kept_sealed_in_the_database(
    server: Server,
) -> None:
    gateway = server.gateway
    key = await server_key(gateway)
    assert len(key) == 32 and await server_key(gateway) == key
    stored = await q.get_server_secret(gateway.db, name=SIGNING_KEY_NAME)
    assert stored is not None
    assert Sealed.from_text(stored).key_id == gateway.keyring.current_key_id
    assert base64.b64encode(key).decode() not in stored
    # Nothing of the process's own: no key file in its data dir.
    assert not list(gateway.settings.data_dir.glob("server.key*"))


async def test_expired_tokens_are_refused(server: Server) -> None:
    credentials = await create_api_client(server.gateway, name="short")
    token = await issue_access_token(
        server.gateway,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        ttl=-1,
    )
    with pytest.raises(AuthenticationError, match="expired") as caught:
        await verify_access_token(server.gateway, token.access_token)
    assert caught.value.code == "unauthenticated"


async def test_a_token_signed_with_another_key_is_refused(server: Server) -> None:
    credentials = await create_api_client(server.gateway, name="moved")
    claims = {"sub": credentials.client_id, "exp": int(time.time()) + 60}
    forged = TOKEN_PREFIX + sign(b"k" * 32, json.dumps(claims).encode())
    with pytest.raises(AuthenticationError):
        await verify_access_token(server.gateway, forged)


async def test_a_verified_token_is_remembered_until_its_client_changes(server: Server) -> None:
    gateway = server.gateway
    credentials = await create_api_client(gateway, name="cached", scopes=["proxy"])
    token = await issue_access_token(
        gateway, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    first = await verify_access_token(gateway, token.access_token)
    # Seen before: no second signature check, claims or model (the very same client).
    assert await verify_access_token(gateway, token.access_token) is first
    updated = await update_api_client(
        gateway, credentials.client_id, scopes=["proxy", "accounts:read"]
    )
    assert updated.scopes == ["proxy", "accounts:read"]
    # The change dropped it: the token is checked again against the changed client.
    again = await verify_access_token(gateway, token.access_token)
    assert again is not first and again.scopes == ["proxy", "accounts:read"]
    assert await verify_access_token(gateway, token.access_token) is again
    await revoke_api_client(gateway, credentials.client_id)
    with pytest.raises(AuthenticationError, match="revoked"):
        await verify_access_token(gateway, token.access_token)


async def test_a_remembered_token_still_needs_its_exact_text(server: Server) -> None:
    gateway = server.gateway
    credentials = await create_api_client(gateway, name="exact")
    token = await issue_access_token(
        gateway, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    await verify_access_token(gateway, token.access_token)
    body, _, mac = token.access_token.partition(".")
    tampered = f"{body}.{'0' if mac[0] != '0' else '1'}{mac[1:]}"
    with pytest.raises(AuthenticationError, match="not one this gateway issued"):
        await verify_access_token(gateway, tampered)
