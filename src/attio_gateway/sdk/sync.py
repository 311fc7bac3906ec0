"""``Gateway``: the embedded gateway for synchronous code (scripts, notebooks, the CLI).

One private event loop runs on a background thread; every call is sent to it, so the
database engine and the HTTP client stay on the loop that created them. Each method is
written out with the async one's signature (a test holds them side by side), so sync
callers get the same types and the same errors.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from pydantic import SecretStr

from attio_gateway.config import Settings
from attio_gateway.jsonvalue import JSONObject, JSONValue
from attio_gateway.sdk import models
from attio_gateway.sdk.actions import AsyncActions
from attio_gateway.sdk.gateway import AsyncGateway
from attio_gateway.sdk.logs import LogOverview, LogPage, Logs
from attio_gateway.sdk.response import ProxyResponse

__all__ = ["Gateway", "SyncActions", "SyncLogs"]

T = TypeVar("T")


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="attio-gateway", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


class SyncActions:
    """``AsyncActions``, each method run to completion on the gateway's loop."""

    def __init__(self, actions: AsyncActions, runner: _LoopThread) -> None:
        self._actions = actions
        self._run = runner.run

    def get_authorization_link(
        self,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> models.AuthorizationLink:
        """See ``AsyncActions.get_authorization_link`` (same errors)."""
        return self._run(
            self._actions.get_authorization_link(
                identifier, connection_name, connected_account_id, state, user_verify_url
            )
        )

    def verify_connected_account_user(
        self, auth_request_id: str, identifier: str
    ) -> models.VerifyUserResponse:
        """See ``AsyncActions.verify_connected_account_user`` (same errors)."""
        return self._run(self._actions.verify_connected_account_user(auth_request_id, identifier))

    def create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.create_connected_account`` (same errors)."""
        return self._run(
            self._actions.create_connected_account(
                connection_name,
                identifier,
                authorization_details,
                organization_id,
                user_id,
                api_config,
            )
        )

    def get_or_create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.get_or_create_connected_account`` (same errors)."""
        return self._run(
            self._actions.get_or_create_connected_account(
                connection_name,
                identifier,
                authorization_details,
                organization_id,
                user_id,
                api_config,
            )
        )

    upsert_connected_account = get_or_create_connected_account

    def update_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.update_connected_account`` (same errors)."""
        return self._run(
            self._actions.update_connected_account(
                connection_name,
                identifier,
                authorization_details,
                organization_id,
                user_id,
                api_config,
            )
        )

    def get_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.get_connected_account`` (same errors)."""
        return self._run(
            self._actions.get_connected_account(connection_name, identifier, connected_account_id)
        )

    def get_connected_account_details(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.get_connected_account_details`` (same errors)."""
        return self._run(
            self._actions.get_connected_account_details(
                connection_name, identifier, connected_account_id
            )
        )

    def list_connected_accounts(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> models.ListConnectedAccountsResponse:
        """See ``AsyncActions.list_connected_accounts`` (same errors)."""
        return self._run(
            self._actions.list_connected_accounts(
                connection_name, identifier, provider, page_size, page_token
            )
        )

    def delete_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> None:
        """See ``AsyncActions.delete_connected_account`` (same errors)."""
        self._run(
            self._actions.delete_connected_account(
                connection_name, identifier, connected_account_id
            )
        )

    def disconnect_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """See ``AsyncActions.disconnect_connected_account`` (same errors)."""
        return self._run(
            self._actions.disconnect_connected_account(
                connection_name, identifier, connected_account_id
            )
        )

    def request(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        path: str = "/",
        method: str = "GET",
        query_params: dict[str, Any] | None = None,
        body: JSONValue = None,
        form_data: dict[str, Any] | None = None,
        raw_body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        json: JSONValue = None,
        connected_account_id: str | None = None,
        idempotency_key: str | None = None,
        force: bool = False,
        run_id: str | None = None,
        agent_run_id: str | None = None,
        approval_id: str | None = None,
    ) -> ProxyResponse:
        """See ``AsyncActions.request`` (same errors)."""
        return self._run(
            self._actions.request(
                connection_name,
                identifier,
                path,
                method,
                query_params,
                body,
                form_data,
                raw_body,
                headers,
                json,
                connected_account_id,
                idempotency_key,
                force,
                run_id,
                agent_run_id,
                approval_id,
            )
        )

    def execute_tool(
        self,
        tool_input: JSONObject,
        tool_name: str,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        connection_name: str | None = None,
        output: str = "default",
        idempotency_key: str | None = None,
        force: bool = False,
        run_id: str | None = None,
        agent_run_id: str | None = None,
        toolset: str | None = None,
        approval_id: str | None = None,
    ) -> models.ExecuteToolResponse:
        """See ``AsyncActions.execute_tool`` (same errors)."""
        return self._run(
            self._actions.execute_tool(
                tool_input,
                tool_name,
                identifier,
                connected_account_id,
                connection_name,
                output,
                idempotency_key,
                force,
                run_id,
                agent_run_id,
                toolset,
                approval_id,
            )
        )

    def list_tools(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        tool_name: str | None = None,
        query: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        toolset: str | None = None,
    ) -> models.ToolListing:
        """See ``AsyncActions.list_tools`` (same errors)."""
        return self._run(
            self._actions.list_tools(
                connection_name,
                identifier,
                provider,
                tool_name,
                query,
                page_size,
                page_token,
                toolset,
            )
        )

    def search_tools(
        self,
        query: str,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        limit: int = 5,
    ) -> models.ToolSearchResult:
        """See ``AsyncActions.search_tools`` (same errors)."""
        return self._run(
            self._actions.search_tools(
                query, connection_name, identifier, connected_account_id, limit
            )
        )


class SyncLogs:
    """``AsyncGateway.logs`` for synchronous code (same parameters, same errors)."""

    def __init__(self, logs: Logs, runner: _LoopThread) -> None:
        self._logs = logs
        self._run = runner.run

    def query(
        self,
        *,
        kind: str | None = None,
        identifier: str | None = None,
        connection_name: str | None = None,
        tool_name: str | None = None,
        outcome: str | None = None,
        error_tier: str | None = None,
        error_code: str | None = None,
        agent_run_id: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> LogPage:
        """See ``Logs.query``."""
        return self._run(
            self._logs.query(
                kind=kind,
                identifier=identifier,
                connection_name=connection_name,
                tool_name=tool_name,
                outcome=outcome,
                error_tier=error_tier,
                error_code=error_code,
                agent_run_id=agent_run_id,
                since=since,
                until=until,
                limit=limit,
                cursor=cursor,
            )
        )

    def overview(
        self,
        *,
        since: str | datetime | None = "24h",
        until: str | datetime | None = None,
        connection_name: str | None = None,
        identifier: str | None = None,
        agent_run_id: str | None = None,
    ) -> LogOverview:
        """See ``Logs.overview``."""
        return self._run(
            self._logs.overview(
                since=since,
                until=until,
                connection_name=connection_name,
                identifier=identifier,
                agent_run_id=agent_run_id,
            )
        )


class _SyncService:
    """An async service (``toolsets``, ``policies``, ``budgets``) with each method run to
    its end on the gateway's loop: the same names, arguments and errors."""

    def __init__(self, service: object, runner: _LoopThread) -> None:
        self._service = service
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._service, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._runner.run(method(*args, **kwargs))

        return call


class Gateway:
    """``with Gateway() as gw: gw.actions.request(...)`` — the same API as ``AsyncGateway``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._runner = _LoopThread()
        self.async_gateway = AsyncGateway(settings)
        self._runner.run(self.async_gateway.open())
        self.actions = SyncActions(self.async_gateway.actions, self._runner)
        #: Permissions (docs/permissions.md), synchronous.
        self.toolsets: Any = _SyncService(self.async_gateway.toolsets, self._runner)
        self.policies: Any = _SyncService(self.async_gateway.policies, self._runner)
        self.budgets: Any = _SyncService(self.async_gateway.budgets, self._runner)
        self.approvals: Any = _SyncService(self.async_gateway.approvals, self._runner)
        self.connect = self.actions
        self.logs = SyncLogs(self.async_gateway.logs, self._runner)
        self.settings = self.async_gateway.settings

    def close(self) -> None:
        self._runner.run(self.async_gateway.close())
        self._runner.stop()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, make: Callable[[AsyncGateway], Coroutine[Any, Any, T]]) -> T:
        """Run any coroutine against the embedded gateway, e.g. ``gw.run(lambda g: ...)``."""
        return self._runner.run(make(self.async_gateway))

    # --- AsyncGateway's methods, written out ---------------------------------------------

    def redirect_uri(self, connection_id: str) -> str:
        """The callback URL to register on the provider's OAuth app."""
        return self.async_gateway.redirect_uri(connection_id)

    def create_connection(
        self,
        *,
        name: str = "attio",
        client_id: str,
        client_secret: str | SecretStr,
        scopes: list[str] | None = None,
        provider: str = "attio",
        authorize_url: str | None = None,
        token_url: str | None = None,
        api_base_url: str | None = None,
        validate: bool = True,
    ) -> models.Connection:
        """See ``AsyncGateway.create_connection`` (same errors)."""
        return self._runner.run(
            self.async_gateway.create_connection(
                name=name,
                client_id=client_id,
                client_secret=client_secret,
                scopes=scopes,
                provider=provider,
                authorize_url=authorize_url,
                token_url=token_url,
                api_base_url=api_base_url,
                validate=validate,
            )
        )

    def update_connection(
        self,
        name: str,
        *,
        client_id: str | None = None,
        client_secret: str | SecretStr | None = None,
        scopes: list[str] | None = None,
        validate: bool = True,
    ) -> models.Connection:
        """See ``AsyncGateway.update_connection`` (same errors)."""
        return self._runner.run(
            self.async_gateway.update_connection(
                name,
                client_id=client_id,
                client_secret=client_secret,
                scopes=scopes,
                validate=validate,
            )
        )

    def get_connection(self, name: str) -> models.Connection:
        """See ``AsyncGateway.get_connection`` (same errors)."""
        return self._runner.run(self.async_gateway.get_connection(name))

    def list_connections(self) -> list[models.Connection]:
        return self._runner.run(self.async_gateway.list_connections())

    def delete_connection(self, name: str) -> None:
        """See ``AsyncGateway.delete_connection`` (same errors)."""
        self._runner.run(self.async_gateway.delete_connection(name))

    def handle_callback(self, connection_id: str, params: dict[str, str]) -> models.CallbackResult:
        """See ``AsyncGateway.handle_callback`` (same errors)."""
        return self._runner.run(self.async_gateway.handle_callback(connection_id, params))

    def account_secret(
        self, name: str, *, identifier: str, connection_name: str | None = None
    ) -> SecretStr:
        """See ``AsyncGateway.account_secret`` (same errors)."""
        return self._runner.run(
            self.async_gateway.account_secret(
                name, identifier=identifier, connection_name=connection_name
            )
        )

    def audit(self, *, wait: bool = True, **fields: Any) -> str:
        """See ``AsyncGateway.audit``."""
        return self._runner.run(self.async_gateway.audit(wait=wait, **fields))

    def prune_audit_events(
        self, *, older_than_days: float | None = None, export: TextIO | Path | None = None
    ) -> int:
        """See ``AsyncGateway.prune_audit_events``."""
        return self._runner.run(
            self.async_gateway.prune_audit_events(older_than_days=older_than_days, export=export)
        )

    def audit_events(
        self,
        *,
        identifier: str | None = None,
        tool_name: str | None = None,
        outcome: str | None = None,
        kind: str | None = None,
        connection_name: str | None = None,
        api_client_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[models.AuditEvent]:
        """See ``AsyncGateway.audit_events``."""
        return self._runner.run(
            self.async_gateway.audit_events(
                identifier=identifier,
                tool_name=tool_name,
                outcome=outcome,
                kind=kind,
                connection_name=connection_name,
                api_client_id=api_client_id,
                since=since,
                until=until,
                limit=limit,
                offset=offset,
            )
        )
