"""``gateway.actions``: the hosted agent-auth service's method names, parameters and returns.

Code written against that SDK calls these unchanged (see ``attio_gateway.compat.scalekit``).
Each method hands the call to the service that owns it: ``Accounts`` (links and connected
accounts), the OAuth ``Lifecycle`` (user verification) and ``Calls`` (the proxy and the
tools). The sync ``Gateway.actions`` and ``RemoteGateway.actions`` have the same
signatures (a test holds the three side by side).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from attio_gateway.errors import NotFoundError, ToolInputError
from attio_gateway.jsonvalue import JSONObject, JSONValue
from attio_gateway.oauth.lifecycle import Lifecycle
from attio_gateway.sdk import models
from attio_gateway.sdk.accounts import Accounts
from attio_gateway.sdk.calls import Calls
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.tools.search import SearchToolsInput, catalog_index, readiness

__all__ = ["AsyncActions"]


class AsyncActions:
    """The hosted service's methods over the embedded gateway's services."""

    def __init__(self, *, accounts: Accounts, lifecycle: Lifecycle, calls: Calls) -> None:
        self._accounts = accounts
        self._lifecycle = lifecycle
        self._calls = calls

    # --- links and verification -----------------------------------------------------------

    async def get_authorization_link(
        self,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> models.AuthorizationLink:
        """A link to send the user: they authorize in Attio and the account becomes ACTIVE.

        The link is single-use and expires after ten minutes. With ``user_verify_url`` the
        user comes back to that page first, and the grant waits for
        ``verify_connected_account_user``. ``state`` is handed back to that page.

        Raises:
            ToolInputError: neither ``identifier`` nor ``connected_account_id`` given.
            NotFoundError: no such connection (or account, by id).
            InvalidInputError: an identifier that cannot be stored.
        """
        return await self._accounts.authorization_link(
            identifier=identifier,
            connection_name=connection_name,
            connected_account_id=connected_account_id,
            state=state,
            user_verify_url=user_verify_url,
        )

    async def verify_connected_account_user(
        self, auth_request_id: str, identifier: str
    ) -> models.VerifyUserResponse:
        """The app confirms which of its users completed the authorization; only then is
        the grant used (and the account ACTIVE).

        Raises:
            NotFoundError: no such authorization request.
            OAuthFlowError: nothing waits under this id, another user than the link's, or
                the verification deadline passed (the grant is then revoked).
        """
        done = await self._lifecycle.verify_user(auth_request_id, identifier)
        return models.VerifyUserResponse(post_user_verify_redirect_url=done)

    # --- connected accounts ---------------------------------------------------------------

    async def create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """A new account for ``identifier`` (pending, or ACTIVE with the token in
        ``authorization_details``: ``{"oauth_token": {"access_token": "..."}}``).

        Raises:
            ConflictError: ``identifier`` already has an account on the connection.
            NotFoundError: no such connection.
            ToolInputError: ``authorization_details`` without an access token.
            OAuthFlowError: the provider reports the given token inactive.
        """
        return await self._accounts.create(
            connection_name,
            identifier,
            authorization_details=authorization_details,
            api_config=api_config,
            exists_ok=False,
        )

    async def get_or_create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """``create_connected_account``, or the account ``identifier`` already has.

        Raises:
            NotFoundError: no such connection.
            ToolInputError: ``authorization_details`` without an access token.
            OAuthFlowError: the provider reports the given token inactive.
        """
        return await self._accounts.create(
            connection_name,
            identifier,
            authorization_details=authorization_details,
            api_config=api_config,
            exists_ok=True,
        )

    upsert_connected_account = get_or_create_connected_account

    async def update_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: JSONObject | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: JSONObject | None = None,
    ) -> models.ConnectedAccountResponse:
        """Change the account's ``api_config``, or activate it with a token the app holds.

        Raises:
            NotFoundError: no such account or connection.
            ToolInputError: ``authorization_details`` without an access token.
            OAuthFlowError: the provider reports the given token inactive.
        """
        return await self._accounts.update(
            connection_name,
            identifier,
            authorization_details=authorization_details,
            api_config=api_config,
        )

    async def get_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """The account including its tokens (for apps that must call Attio themselves).

        Raises:
            NotFoundError: no such account or connection.
            ToolInputError: the id and the identifier or connection name disagree.
        """
        return await self._account_response(
            connection_name, identifier, connected_account_id, with_tokens=True
        )

    async def get_connected_account_details(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """The account without tokens.

        Raises:
            NotFoundError: no such account or connection.
            ToolInputError: the id and the identifier or connection name disagree.
        """
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
        connection, account = await self._accounts.find(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        return await self._accounts.response(account, connection, with_tokens=with_tokens)

    async def list_connected_accounts(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> models.ListConnectedAccountsResponse:
        """Accounts (without tokens), a page at a time (at most 500; 50 by default).

        Raises:
            NotFoundError: no such connection.
            ToolInputError: a ``page_token`` this API did not return.
        """
        return await self._accounts.list_page(
            connection_name=connection_name,
            identifier=identifier,
            provider=provider,
            page_size=page_size,
            page_token=page_token,
        )

    async def delete_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> None:
        """Revoke the token at Attio (best effort) and forget the account and its tokens.

        Raises:
            NotFoundError: no such account or connection.
            ToolInputError: the id and the identifier or connection name disagree.
        """
        connection, account = await self._accounts.find(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        await self._accounts.delete(connection, account)

    async def disconnect_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        """Keep the account but drop its tokens: status DISCONNECTED until re-authorized.

        Raises:
            NotFoundError: no such account or connection.
            ToolInputError: the id and the identifier or connection name disagree.
        """
        connection, account = await self._accounts.find(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        return await self._accounts.disconnect(connection, account)

    # --- the proxy and the tools ----------------------------------------------------------

    async def request(
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
        """Call Attio's REST API as the user: ``body`` or ``json`` is sent as JSON. Attio's
        answer comes back as it is (a 404 from Attio is a response, not an error).

        With ``idempotency_key``, a write (any method but GET/HEAD/OPTIONS) is sent at most
        once per key: a retry gets the stored answer (header ``Idempotent-Replayed: true``);
        see docs/idempotency.md. ``force`` resends a write whose outcome stayed unknown.
        ``run_id`` instead of a key (opt-in): the key is derived from the run and the
        canonical request, so the same write sent twice in one run is sent once.
        ``agent_run_id``: the caller's own id of the agent run this call is part of, kept in
        the call's log entry (``gateway.logs.query(agent_run_id=...)``); it changes nothing
        else (docs/operations.md).

        Raises:
            ToolInputError: both ``body`` and ``json``, a path outside ``/v2/``, a header
                the gateway owns, or a body that is not JSON (naming where).
            NotFoundError: no such account or connection.
            AccountNotActiveError: the account may not act, or Attio revoked its token
                (with a fresh authorization link).
            RateLimitedError: Attio's 429s outlasted the retry budget.
            UpstreamUnavailableError: Attio could not be reached or kept failing.
            WriteOutcomeUnknownError: a write was sent but its outcome is unknown.
            IdempotencyKeyReusedError: the key was used for another request (409).
            IdempotencyInProgressError: the first request with the key is still running.
            IdempotencyOutcomeUnknownError: its outcome is unknown and cannot be looked up.
            PolicyDeniedError, ApprovalRequiredError, BudgetExceededError: see
                ``execute_tool``.
        """
        if body is not None and json is not None:
            raise ToolInputError("give body or json, not both", field="json")
        return await self._calls.request(
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
            idempotency_key=idempotency_key,
            force=force,
            run_id=run_id,
            agent_run_id=agent_run_id,
            approval_id=approval_id,
        )

    async def execute_tool(
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
        """Run one catalog tool as the user (``output``: ``"default"`` or ``"compact"``).

        With ``idempotency_key``, a write tool runs at most once per key: a retry gets the
        stored result and execution id (docs/idempotency.md); ``force`` reruns a write
        whose outcome stayed unknown and cannot be looked up. ``run_id`` derives the key
        from the run, the tool and its canonical arguments (see ``request``);
        ``agent_run_id`` is kept in the call's log entry (see ``request``).
        With ``toolset``, only its
        tools run, with its fixed arguments; policies and budgets apply to every call
        (docs/permissions.md). A call a rule asks about is kept as an approval; once a
        person approved it, submit it again with ``approval_id``: it runs once.

        Raises:
            NotFoundError: no such tool, account, connection or toolset.
            ToolNotInToolsetError: the tool is not in ``toolset``.
            PolicyDeniedError: a policy rule denied the call (its message and rule id).
            ApprovalRequiredError: a policy rule asks for approval first (its approval id,
                expiry and preview), or the approval is still pending.
            ConflictError: ``approval_id`` was given for another call.
            BudgetExceededError: a budget is used up (with the time it resets).
            ToolInputError: the input is refused (naming the field).
            MissingScopesError: the account was not granted a scope the tool needs.
            AccountNotActiveError: the account may not act, or Attio revoked its token.
            UpstreamError: Attio refused the call (its status, type, code and message).
            IdempotencyKeyReusedError, IdempotencyInProgressError,
                IdempotencyOutcomeUnknownError: see ``request``.
        """
        return await self._calls.execute_tool(
            tool_input=tool_input,
            tool_name=tool_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            connection_name=connection_name,
            output=output,
            idempotency_key=idempotency_key,
            force=force,
            run_id=run_id,
            agent_run_id=agent_run_id,
            toolset=toolset,
            approval_id=approval_id,
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
        toolset: str | None = None,
    ) -> models.ToolListing:
        """The catalog's tools (with ``identifier``: whether the account may use each);
        with ``toolset``, only its tools, without the arguments it fixes.

        Raises:
            NotFoundError: a provider other than Attio, no such account or toolset.
            ToolInputError: a ``page_token`` this API did not return.
        """
        if provider not in (None, "attio", "ATTIO"):
            raise NotFoundError(f"No tools for provider {provider!r}; this gateway serves Attio.")
        return await self._calls.list_tools(
            connection_name=connection_name,
            identifier=identifier,
            tool_name=tool_name,
            query=query,
            page_size=page_size,
            page_token=page_token,
            toolset=toolset,
        )

    async def search_tools(
        self,
        query: str,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        limit: int = 5,
    ) -> models.ToolSearchResult:
        """The catalog's best tools for a task in the user's words ("move a deal to another
        stage"), best first, each with the user's readiness: ``ready``, ``needs_connection``
        (no active account yet: send the authorization link) or ``needs_scopes`` (with the
        scopes the grant lacks). Without a user, ``status`` is ``None``.

        Raises:
            ToolInputError: an empty or over-long ``query``, or ``limit`` outside 1 to 20.
            NotFoundError: no such connection, or no account with ``connected_account_id``.
        """
        try:
            args = SearchToolsInput(query=query, limit=limit)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "query"
            raise ToolInputError(f"search_tools: '{field}' {first['msg']}", field=field) from None
        found = catalog_index().search(args.query, limit=args.limit)
        named = identifier is not None or connected_account_id is not None
        connected, granted = False, frozenset[str]()
        if named:
            try:
                _, account = await self._accounts.find(
                    connection_name=connection_name,
                    identifier=identifier,
                    connected_account_id=connected_account_id,
                )
            except NotFoundError:
                if connected_account_id is not None:
                    raise
                # Only a missing account means "connect first": an unknown connection is an error.
                await self._accounts.list_page(
                    connection_name=connection_name,
                    identifier=identifier,
                    provider=None,
                    page_size=1,
                    page_token=None,
                )
            else:
                connected = account.status == models.AccountStatus.ACTIVE
                granted = frozenset(account.granted_scopes)
        hits: list[models.ToolSearchHit] = []
        for spec in found:
            ready = readiness(spec.missing_scopes(granted), connected=connected)
            hits.append(
                {
                    "name": spec.name,
                    "description": spec.description,
                    "status": ready["status"] if named else None,
                    "missing_scopes": ready["missing_scopes"] if named else [],
                }
            )
        return {"query": args.query, "tools": hits}
