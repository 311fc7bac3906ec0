"""MCP authorization for the front ends: the ``mcp`` package's provider interface over an
open gateway's ``McpAuthorization`` (``attio_gateway.mcp_auth``), and the consent steps.

The HTTP routes are built before the gateway opens, so ``GatewayAuthorizationProvider``
looks the service up on every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    IdentityAssertionParams,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from attio_gateway.mcp_auth.provider import (
    ACCESS_TOKEN_TTL,
    CONSENT_PATH,
    REFRESH_TOKEN_TTL,
    RETURN_PATH,
    Consent,
    McpAuthorization,
)

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway

__all__ = [
    "ACCESS_TOKEN_TTL",
    "CONSENT_PATH",
    "REFRESH_TOKEN_TTL",
    "RETURN_PATH",
    "Consent",
    "GatewayAuthorizationProvider",
    "mcp_authorization",
    "mcp_resource_url",
]


def mcp_authorization(gateway: AsyncGateway) -> McpAuthorization:
    """The open gateway's MCP authorization server."""
    return gateway.services.mcp_auth


def mcp_resource_url(gateway: AsyncGateway) -> str:
    """The exact public URL of ``/mcp`` (RFC 9728 ``resource``), from ``base_url``; known
    before the gateway opens."""
    return gateway.settings.base_url.rstrip("/") + "/mcp"


class GatewayAuthorizationProvider:
    """``OAuthAuthorizationServerProvider`` of ``mcp.server.auth`` for ``gateway``."""

    def __init__(self, gateway: AsyncGateway) -> None:
        self._gateway = gateway

    @property
    def _service(self) -> McpAuthorization:
        return self._gateway.services.mcp_auth

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return await self._service.get_client(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self._service.register_client(client_info)

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        return await self._service.authorize(client, params)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return await self._service.load_authorization_code(client, authorization_code)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        return await self._service.exchange_authorization_code(client, authorization_code)

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        return await self._service.load_refresh_token(client, refresh_token)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        return await self._service.exchange_refresh_token(client, refresh_token, scopes)

    async def load_access_token(self, token: str) -> AccessToken | None:
        return await self._service.load_access_token(token)

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        await self._service.revoke_token(token)

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: IdentityAssertionParams
    ) -> OAuthToken:
        """SEP-990's jwt-bearer grant is not offered."""
        raise TokenError("unsupported_grant_type", "The JWT bearer grant is not supported.")
