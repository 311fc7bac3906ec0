"""``gateway.actions``: the hosted agent-auth service's method names, parameters and returns.

Code written against that SDK calls these unchanged (see ``attio_gateway.compat.scalekit``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from attio_gateway.errors import ConflictError, NotFoundError, ToolInputError
from attio_gateway.sdk import models
from attio_gateway.sdk.models import AccountStatus
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.storage import queries as q

if TYPE_CHECKING:
    from attio_gateway.sdk.gateway import AsyncGateway


class AsyncActions:
    def __init__(self, gateway: AsyncGateway) -> None:
        self._gateway = gateway

    # --- links and verification -----------------------------------------------------------

    async def get_authorization_link(
        self,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> models.AuthorizationLink:
        """A link to send the user: they authorize in Attio and the account becomes ACTIVE."""
        gw = self._gateway
        if connected_account_id is not None:
            connection, account = await gw.find_account(
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
            )
        else:
            if not identifier:
                raise ToolInputError(
                    "identifier is required (your id for the user).", field="identifier"
                )
            connection = await gw._connection_row(connection_name)
            account = await gw.ensure_account(connection, identifier, api_config=None)
        return await gw.authorization_link(
            connection, account, state=state, user_verify_url=user_verify_url
        )

    async def verify_connected_account_user(
        self, auth_request_id: str, identifier: str
    ) -> models.VerifyUserResponse:
        return await self._gateway.verify_user(auth_request_id, identifier)

    # --- connected accounts ---------------------------------------------------------------

    async def create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: dict[str, Any] | None = None,
    ) -> models.ConnectedAccountResponse:
        gw = self._gateway
        connection = await gw._connection_row(connection_name)
        existing = await q.get_account(gw.db, connection_id=connection.id, identifier=identifier)
        if existing is not None:
            raise ConflictError(
                f"{identifier!r} already has a connected account on {connection.name!r}; use "
                "get_or_create_connected_account or update_connected_account."
            )
        return await self.get_or_create_connected_account(
            connection_name,
            identifier,
            authorization_details,
            organization_id,
            user_id,
            api_config,
        )

    async def get_or_create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: dict[str, Any] | None = None,
    ) -> models.ConnectedAccountResponse:
        gw = self._gateway
        connection = await gw._connection_row(connection_name)
        account = await gw.ensure_account(connection, identifier, api_config=api_config)
        if authorization_details:
            account = await self._apply_details(connection, account, authorization_details)
        return models.ConnectedAccountResponse(
            connected_account=await gw.account_model(
                account, connection=connection, with_tokens=False
            )
        )

    upsert_connected_account = get_or_create_connected_account

    async def update_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: dict[str, Any] | None = None,
    ) -> models.ConnectedAccountResponse:
        gw = self._gateway
        connection, account = await gw.find_account(
            connection_name=connection_name, identifier=identifier
        )
        if api_config is not None:
            account = await q.update_account(
                gw.db, account_id=account.id, now=gw.clock.now(), api_config=api_config
            )
            await gw.forget_cached()
        if authorization_details:
            account = await self._apply_details(connection, account, authorization_details)
        return models.ConnectedAccountResponse(
            connected_account=await gw.account_model(
                account, connection=connection, with_tokens=False
            )
        )

    async def _apply_details(self, connection: Any, account: Any, details: dict[str, Any]) -> Any:
        token = (details.get("oauth_token") or {}).get("access_token")
        if not isinstance(token, str) or not token:
            raise ToolInputError(
                'authorization_details must be {"oauth_token": {"access_token": "..."}}.',
                field="authorization_details",
            )
        return await self._gateway.import_token(connection, account, SecretStr(token))

    async def get_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """The account including its tokens (for apps that must call Attio themselves)."""
        return await self._account_response(
            connection_name, identifier, connected_account_id, with_tokens=True
        )

    async def get_connected_account_details(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """The account without tokens."""
        return await self._account_response(
            connection_name, identifier, connected_account_id, with_tokens=False
        )

    async def _account_response(
        self,
        connection_name: str | None,
        identifier: str | None,
        connected_account_id: str | None,
        *,
        with_tokens: bool,
    ) -> models.ConnectedAccountResponse:
        gw = self._gateway
        connection, account = await gw.find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        return models.ConnectedAccountResponse(
            connected_account=await gw.account_model(
                account, connection=connection, with_tokens=with_tokens
            )
        )

    async def list_connected_accounts(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> models.ListConnectedAccountsResponse:
        gw = self._gateway
        connection_id = None
        if connection_name is not None:
            connection_id = (await gw._connection_row(connection_name)).id
        size = min(max(page_size or 50, 1), 500)
        try:
            offset = int(page_token) if page_token else 0
        except ValueError:
            raise ToolInputError(
                "page_token is not one this API returned.", field="page_token"
            ) from None
        rows = await q.list_accounts(
            gw.db,
            connection_id=connection_id,
            identifier=identifier,
            limit=size + 1,
            offset=offset,
        )
        accounts = []
        for row in rows[:size]:
            model = await gw.account_model(row, with_tokens=False)
            if provider is None or model.provider == provider:
                accounts.append(model)
        return models.ListConnectedAccountsResponse(
            connected_accounts=accounts,
            next_page_token=str(offset + size) if len(rows) > size else None,
            total_size=len(accounts),
        )

    async def delete_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> None:
        """Revoke the token at Attio (best effort) and forget the account and its tokens."""
        gw = self._gateway
        connection, account = await gw.find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        await gw.revoke_at_provider(connection, account)
        await q.delete_account(gw.db, account_id=account.id)
        await gw.forget_cached()

    async def disconnect_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """Keep the account but drop its tokens: status DISCONNECTED until re-authorized."""
        gw = self._gateway
        connection, account = await gw.find_account(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        await gw.revoke_at_provider(connection, account)
        await q.delete_credential(gw.db, account_id=account.id)
        account = await q.update_account(
            gw.db, account_id=account.id, now=gw.clock.now(), status=AccountStatus.DISCONNECTED
        )
        await gw.forget_cached()
        return models.ConnectedAccountResponse(
            connected_account=await gw.account_model(
                account, connection=connection, with_tokens=False
            )
        )

    # --- the proxy and the tools ----------------------------------------------------------

    async def request(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        path: str = "/",
        method: str = "GET",
        query_params: dict[str, Any] | None = None,
        body: Any = None,
        form_data: dict[str, Any] | None = None,
        raw_body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        connected_account_id: str | None = None,
    ) -> ProxyResponse:
        """Call Attio's REST API as the user: ``body`` or ``json`` is sent as JSON."""
        if body is not None and json is not None:
            raise ToolInputError("give body or json, not both", field="json")
        return await self._gateway.proxy_request(
            connection_name=connection_name,
            identifier=identifier,
            path=path,
            method=method,
            query_params=query_params,
            json=json if json is not None else body,
            form_data=form_data,
            raw_body=raw_body,
            headers=headers,
            connected_account_id=connected_account_id,
        )

    async def execute_tool(
        self,
        tool_input: dict[str, Any],
        tool_name: str,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        connection_name: str | None = None,
        output: str = "default",
    ) -> models.ExecuteToolResponse:
        from attio_gateway.sdk.tooling import execute

        return await execute(
            self._gateway,
            tool_input=tool_input,
            tool_name=tool_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            connection_name=connection_name,
            output=output,
        )

    async def list_tools(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        tool_name: str | None = None,
        query: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        from attio_gateway.sdk.tooling import list_tools

        if provider not in (None, "attio", "ATTIO"):
            raise NotFoundError(f"No tools for provider {provider!r}; this gateway serves Attio.")
        return await list_tools(
            self._gateway,
            connection_name=connection_name,
            identifier=identifier,
            tool_name=tool_name,
            query=query,
            page_size=page_size,
            page_token=page_token,
        )
