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
