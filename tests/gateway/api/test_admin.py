"""API clients' tokens and the server key, through the SDK's admin functions."""

from __future__ import annotations

import pytest

from attio_gateway.config import Settings
from attio_gateway.errors import AuthenticationError
from attio_gateway.sdk.admin import (
    create_api_client,
    issue_access_token,
    server_key,
    verify_access_token,
)
from tests.gateway.api.conftest import Server


def test_the_server_key_is_made_once_and_private(settings: Settings) -> None:
    first = server_key(settings)
    assert len(first) == 32 and server_key(settings) == first
    assert oct((settings.data_dir / "server.key").stat().st_mode)[-3:] == "600"
    assert [p.name for p in settings.data_dir.iterdir() if p.name.startswith("server.key")] == [
        "server.key"
    ]


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
    token = await issue_access_token(
        server.gateway, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    (server.gateway.settings.data_dir / "server.key").write_bytes(b"k" * 32)
    with pytest.raises(AuthenticationError):
        await verify_access_token(server.gateway, token.access_token)
