"""``Calls``: the one call path, shared by the proxy (``request``) and the tools.

account (found, must be ACTIVE; cached for a few seconds) → token (from the vault,
refreshed when due; cached) → rate limiter → retry → Attio → a refused token asks the
OAuth lifecycle's one revocation path → audit event (a proxied call's only queued; a tool
call's stored before it returns, as its execution id names it).
``execute_tool`` adds the catalog's steps (input, scopes, coercion, output shaping)
between the token and Attio.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from attio_gateway.clock import Clock
from attio_gateway.errors import AccountNotActiveError, GatewayError, NotFoundError
from attio_gateway.jsonvalue import JSONObject, JSONValue
from attio_gateway.oauth.lifecycle import Lifecycle
from attio_gateway.oauth.provider import PROVIDERS
from attio_gateway.permissions.approvals import preview_proxy_call, preview_tool_call
from attio_gateway.permissions.rules import Facts
from attio_gateway.permissions.service import Permissions, Snapshot, proxy_is_read
from attio_gateway.proxy import AttioCalls, AttioClient, RateLimiter, RetryPolicy
from attio_gateway.proxy.outgoing import check_outgoing
from attio_gateway.sdk import models
from attio_gateway.sdk.accounts import Accounts, page_offset
from attio_gateway.sdk.auditlog import Audit
from attio_gateway.sdk.callcache import Caches
from attio_gateway.sdk.idempotency import Idempotency, canonical_json, check_key
from attio_gateway.sdk.reconcile import proxy_reconciler, tool_reconciler
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.runner import run_tool
from attio_gateway.tools.spec import ToolSpec

__all__ = ["Calls"]


def _says_inactive(connection: ConnectionRow, path: str, response: httpx.Response) -> bool:
    """Is this the provider's token description, answering that the token is inactive?"""
    if path.split("?")[0].rstrip("/") != PROVIDERS[connection.provider].introspect_path:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return response.is_success and isinstance(body, dict) and body.get("active") is False


def _kept(result: dict[str, Any]) -> bool:
    """Is this proxied answer stored under its idempotency key? Not a 401 (the token was
    refused: nothing was done, and the account is asked about), a 429 (not processed) or a
    5xx (a write answered 5xx is raised as unknown before it gets here; anything else
    answered 5xx changed nothing that sending again would duplicate)."""
    status = int(result["status"])
    return status not in (401, 429) and status < 500


def _without_secret(body: Any) -> Any:
    """A stored answer's copy without the secret Attio shows once (a webhook's signing
    secret, ``data.secret``): the first answer has it, a replay says ``null``."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and data.get("secret") is not None:
        return {**body, "data": {**data, "secret": None}}
    return body


@dataclass
class _Call:
    """One call on its way: who it acts as, its client, and what the audit event says."""

    connection: ConnectionRow
    account: AccountRow
    client: AttioClient
    #: ``None`` until decided: "success" when the body returns, "error" when it raises.
    outcome: str | None = None
    error_code: str | None = None


class Calls:
    """Calls to Attio as a connected account, for one gateway process."""

    def __init__(
        self,
        *,
        db: Database,
        http: httpx.AsyncClient,
        clock: Clock,
        lifecycle: Lifecycle,
        accounts: Accounts,
        caches: Caches,
        audit: Audit,
        limiter: RateLimiter,
        retry_policy: RetryPolicy,
        idempotency: Idempotency,
    ) -> None:
        self._db = db
        self._http = http
        self._clock = clock
        self._lifecycle = lifecycle
        self._accounts = accounts
        self._caches = caches
        self._audit = audit
        self._limiter = limiter
        self._retry_policy = retry_policy
        self._idempotency = idempotency
        #: Toolsets, policies and budgets (docs/permissions.md); set by the gateway.
        self.permissions: Permissions | None = None

    # --- account and token -----------------------------------------------------------------

    async def account_for_call(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> tuple[ConnectionRow, AccountRow]:
        """``Accounts.find`` then ``Lifecycle.active``, from the call cache while it is fresh.

        Raises:
            NotFoundError: no such account or connection.
            AccountNotActiveError: the account may not act (with a fresh link).
        """
        cache = self._caches.calls
        key = (connection_name, identifier, connected_account_id)
        cached = cache.account(key)
        if cached is not None:
            return cached

        async def load() -> tuple[ConnectionRow, AccountRow]:
            generation = cache.generation
            connection, account = await self._accounts.find(
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
            )
            account = await self._lifecycle.active(connection, account)
            cache.put_account(key, connection, account, generation=generation)
            return connection, account

        return await cache.load_once(("account", key), load)

    async def access_token(self, connection: ConnectionRow, account: AccountRow) -> str:
        cache = self._caches.calls
        cached = cache.token(account.id)
        if cached is not None and not self._lifecycle.needs_refresh(cached.credential):
            return cached.token

        async def load() -> str:
            generation = cache.generation
            token, credential = await self._lifecycle.access_token(connection, account)
            if credential is not None:
                cache.put_token(account.id, token, credential, generation=generation)
            return token

        return await cache.load_once(("token", account.id), load)

    def attio_client(self, connection: ConnectionRow, account: AccountRow) -> AttioClient:
        """An authenticated client for this account (token from the vault, shared limiter)."""

        async def token() -> str:
            return await self.access_token(connection, account)

        return AttioClient(
            token_provider=token,
            base_url=connection.api_base_url,
            rate_limiter=self._limiter,
            workspace_key=account.workspace_id or account.id,
            retry_policy=self._retry_policy,
            http=self._http,
        )

    async def touch_last_used(self, account_id: str) -> None:
        """Write ``last_used_at`` at most once a minute per account (it is shown in minutes)."""
        if self._caches.calls.due_for_touch(account_id):
            await q.touch_account_last_used(self._db, account_id=account_id, now=self._clock.now())

    async def _revoked(
        self, call: _Call, *, said_inactive: bool = False
    ) -> AccountNotActiveError | None:
        """Attio refused the token (or said it is inactive): the lifecycle's one revocation
        path decides. The token may have been replaced or revoked elsewhere, so this
        process's cache goes first; a revocation found is announced by the lifecycle."""
        self._caches.calls.forget()
        return await self._lifecycle.revoked(
            call.connection, call.account, said_inactive=said_inactive
        )

    @asynccontextmanager
    async def _call(
        self,
        *,
        connection_name: str | None,
        identifier: str | None,
        connected_account_id: str | None,
        event: dict[str, Any],
        stored: bool,
    ) -> AsyncIterator[_Call]:
        """Find the account, give the body its client, and audit what happened: with
        ``stored``, the event is stored before the call returns (a tool call's execution id
        names a stored event); otherwise it is only queued, so a proxied call never waits
        for a commit (stored within ~50 ms, see auditlog)."""
        connection, account = await self.account_for_call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
        )
        started = time.perf_counter()
        call = _Call(connection, account, self.attio_client(connection, account))
        try:
            yield call
            call.outcome = call.outcome or "success"
            await self.touch_last_used(account.id)
        except GatewayError as exc:
            call.outcome = "error"
            call.error_code = call.error_code or exc.code
            raise
        finally:
            await self._audit.record(
                wait=stored,
                outcome=call.outcome or "error",
                connection_name=connection.name,
                identifier=account.identifier,
                duration_ms=int((time.perf_counter() - started) * 1000),
                error_code=call.error_code,
                **event,
            )

    # --- the proxy -------------------------------------------------------------------------

    async def request(
        self,
        *,
        connection_name: str | None,
        identifier: str | None,
        connected_account_id: str | None,
        path: str,
        method: str,
        query_params: dict[str, Any] | None,
        json: JSONValue,
        form_data: dict[str, Any] | None,
        raw_body: bytes | str | None,
        headers: dict[str, str] | None,
        idempotency_key: str | None = None,
        force: bool = False,
        approval_id: str | None = None,
    ) -> ProxyResponse:
        """See ``AsyncActions.request``."""
        # Refused before anything is sent: a path outside /v2/, headers the gateway owns.
        method, path, headers = check_outgoing(method=method, path=path, headers=headers, json=json)
        if idempotency_key is not None:
            check_key(idempotency_key)
        event: dict[str, Any] = {"kind": "proxy", "method": method.upper(), "path": path}
        permissions = self.permissions
        snapshot = await permissions.snapshot() if permissions is not None else None
        async with self._call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            event=event,
            stored=False,
        ) as call:
            if approval_id is not None and permissions is None:
                raise NotFoundError(f"No approval with id {approval_id!r}.")
            if permissions is not None and snapshot is not None:
                if snapshot.enforces or approval_id is not None:
                    # Before anything is sent or an idempotency key is claimed.
                    facts = Facts(
                        kind="proxy",
                        read=proxy_is_read(method, path),
                        connection=call.connection.name,
                        identifier=call.account.identifier,
                        method=method.upper(),
                        path=path.split("?")[0],
                        arguments=json,
                    )
                    asked: dict[str, Any] = {
                        "kind": "proxy",
                        "method": method.upper(),
                        "path": path,
                        "query": query_params,
                        "json": json,
                    }

                    async def preview() -> dict[str, Any] | None:
                        return await preview_proxy_call(
                            asked, lambda at: call.client.call("GET", at)
                        )

                    await permissions.enforce(
                        snapshot,
                        facts,
                        event=event,
                        account_id=call.account.id,
                        call=asked,
                        approval_id=approval_id,
                        preview=preview,
                    )
                if approval_id is not None:
                    idempotency_key = f"approval:{approval_id}"  # the approved call runs once

            async def send() -> httpx.Response:
                return await call.client.request(
                    method,
                    path,
                    params=query_params,
                    json=json,
                    data=form_data,
                    content=raw_body.encode() if isinstance(raw_body, str) else raw_body,
                    headers=headers,
                )

            if idempotency_key is None or method.upper() in ("GET", "HEAD", "OPTIONS"):
                response = await send()
            else:
                response = await self._idempotent_request(
                    call,
                    key=idempotency_key,
                    force=force,
                    send=send,
                    request={
                        "kind": "proxy",
                        "method": method.upper(),
                        "path": path,
                        "query": query_params,
                        "json": json,
                        "form": form_data,
                        "raw": raw_body.hex() if isinstance(raw_body, bytes) else raw_body,
                        "headers": headers,
                    },
                )
            event["http_status"] = response.status_code
            event["request_id"] = response.headers.get("x-request-id")
            if approval_id is not None and permissions is not None and response.is_success:
                await permissions.approvals.executed(approval_id)
            refused: AccountNotActiveError | None = None
            if response.status_code == 401:
                refused = await self._revoked(call)
            elif _says_inactive(call.connection, path, response):
                refused = await self._revoked(call, said_inactive=True)
            if refused is not None:
                call.error_code = "account_expired"
                raise refused
            call.outcome = "success" if response.is_success else "error"
            return ProxyResponse(response)

    async def _idempotent_request(
        self,
        call: _Call,
        *,
        key: str,
        force: bool,
        send: Callable[[], Awaitable[httpx.Response]],
        request: dict[str, Any],
    ) -> httpx.Response:
        """A proxied write under its idempotency key: Attio's answer is stored as status,
        content type and body (JSON when it is JSON), and a replay is rebuilt from that
        with the header ``Idempotent-Replayed: true``."""

        async def answered() -> dict[str, Any]:
            response = await send()
            stored: dict[str, Any] = {
                "status": response.status_code,
                "content_type": response.headers.get("content-type"),
            }
            try:
                stored["json"] = _without_secret(response.json())
            except ValueError:
                stored["text"] = response.text
            answers[0] = response
            return stored

        answers: list[httpx.Response | None] = [None]
        result, replayed = await self._idempotency.run(
            account_id=call.account.id,
            key=key,
            request=request,
            send=answered,
            reconcile=proxy_reconciler(
                call.client, str(request["method"]), str(request["path"]), request["json"]
            ),
            force=force,
            keep=_kept,
        )
        first = answers[0]
        if first is not None and not replayed:
            return first
        headers = {"idempotent-replayed": "true"}
        if result.get("content_type"):
            headers["content-type"] = str(result["content_type"])
        if "json" in result:
            content = canonical_json(result["json"]).encode()
        else:
            content = str(result.get("text") or "").encode()
        return httpx.Response(int(result["status"]), headers=headers, content=content)

    # --- the tools -------------------------------------------------------------------------

    async def execute_tool(
        self,
        *,
        tool_input: JSONObject,
        tool_name: str,
        identifier: str | None,
        connected_account_id: str | None,
        connection_name: str | None,
        output: str,
        idempotency_key: str | None = None,
        force: bool = False,
        toolset: str | None = None,
        approval_id: str | None = None,
    ) -> models.ExecuteToolResponse:
        """See ``AsyncActions.execute_tool``."""
        spec = tool_catalog().get(tool_name)  # unknown tool: fails before touching the account
        if idempotency_key is not None:
            check_key(idempotency_key)
        permissions = self.permissions
        snapshot = await permissions.snapshot() if permissions is not None else None
        if toolset is not None:
            if snapshot is None:
                raise NotFoundError(f"No toolset named {toolset!r}.")
            # Outside the toolset: refused before the account, like an unknown tool.
            tool_input = Permissions.bind_tool(snapshot, spec, tool_input, toolset)
        execution_id = secrets.token_hex(12)
        event: dict[str, Any] = {"event_id": execution_id, "kind": "tool", "tool_name": spec.name}
        async with self._call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            event=event,
            stored=True,
        ) as call:
            account = call.account
            if approval_id is not None and permissions is None:
                raise NotFoundError(f"No approval with id {approval_id!r}.")
            if permissions is not None and snapshot is not None:
                if snapshot.enforces or approval_id is not None:
                    # Before anything is sent or an idempotency key is claimed.
                    await self._enforce_tool(
                        permissions,
                        snapshot,
                        call,
                        spec,
                        tool_input,
                        toolset=toolset,
                        event=event,
                        approval_id=approval_id,
                    )
                if approval_id is not None:
                    idempotency_key = f"approval:{approval_id}"  # the approved call runs once

            async def run(attio: AttioCalls = call.client) -> Any:
                return await run_tool(
                    spec,
                    tool_input,
                    attio=attio,
                    granted_scopes=frozenset(account.granted_scopes),
                    output=output,
                    schema_cache=self._caches.schema(account.workspace_id or account.id),
                    on_secret=lambda name, secret: self._accounts.keep_secret(
                        account, name, secret
                    ),
                )

            try:
                if idempotency_key is None or spec.read_only:
                    data = await run()
                else:

                    async def send(attio: AttioCalls = call.client) -> dict[str, Any]:
                        return {"data": await run(attio), "execution_id": execution_id}

                    result, _ = await self._idempotency.run(
                        account_id=account.id,
                        key=idempotency_key,
                        request={
                            "kind": "tool",
                            "tool": spec.name,
                            "arguments": tool_input,
                            "output": output,
                        },
                        send=send,
                        reconcile=tool_reconciler(call.client, spec, send),
                        force=force,
                    )
                    data = result["data"]
                    execution_id = str(result.get("execution_id") or execution_id)
                if approval_id is not None and permissions is not None:
                    await permissions.approvals.executed(approval_id)
            except GatewayError as exc:
                if getattr(exc, "status_code", None) == 401:
                    call.error_code = exc.code
                    refused = await self._revoked(call)
                    if refused is not None:
                        raise refused from exc
                raise
            return models.ExecuteToolResponse(data=data, execution_id=execution_id)

    async def _enforce_tool(
        self,
        permissions: Permissions,
        snapshot: Snapshot,
        call: _Call,
        spec: ToolSpec,
        tool_input: JSONObject,
        *,
        toolset: str | None,
        event: dict[str, Any],
        approval_id: str | None,
    ) -> None:
        """Policies and budgets for one tool call; an ``ask`` keeps the call, with a
        preview read as the caller, as an approval."""
        account = call.account
        facts = Facts(
            kind="tool",
            read=spec.read_only,
            connection=call.connection.name,
            identifier=account.identifier,
            toolset=toolset,
            tool=spec.name,
            arguments=tool_input,
        )
        asked: dict[str, Any] = {
            "kind": "tool",
            "tool": spec.name,
            "arguments": tool_input,
            "toolset": toolset,
        }

        async def read(name: str, arguments: dict[str, Any]) -> Any:
            return await run_tool(
                tool_catalog().get(name),
                arguments,
                attio=call.client,
                granted_scopes=frozenset(account.granted_scopes),
                output="compact",
                schema_cache=self._caches.schema(account.workspace_id or account.id),
                on_secret=lambda name, secret: self._accounts.keep_secret(account, name, secret),
            )

        async def preview() -> dict[str, Any] | None:
            return await preview_tool_call(spec, tool_input, read)

        await permissions.enforce(
            snapshot,
            facts,
            event=event,
            account_id=account.id,
            call=asked,
            approval_id=approval_id,
            preview=preview,
        )

    async def list_tools(
        self,
        *,
        connection_name: str | None,
        identifier: str | None,
        tool_name: str | None,
        query: str | None,
        page_size: int | None,
        page_token: str | None,
        toolset: str | None = None,
    ) -> models.ToolListing:
        """``{"tools": [{"definition": {...}, "usable": bool, "missing_scopes": [...]}], ...}``;
        with ``toolset``, only its tools, without the arguments it fixes."""
        granted: frozenset[str] | None = None
        if identifier:
            _, account = await self._accounts.find(
                connection_name=connection_name, identifier=identifier
            )
            granted = frozenset(account.granted_scopes)
        specs = tool_catalog().search(name=tool_name, query=query)
        bound: dict[str, dict[str, Any]] | None = None
        if toolset is not None:
            if self.permissions is None:
                raise NotFoundError(f"No toolset named {toolset!r}.")
            definitions = await self.permissions.listed_definition(
                toolset, [spec.definition() for spec in specs]
            )
            bound = {definition["name"]: definition for definition in definitions}
            specs = [spec for spec in specs if spec.name in bound]
        offset = page_offset(page_token)
        size = min(max(page_size or 100, 1), 500)
        tools: list[models.ToolEntry] = []
        for spec in specs[offset : offset + size]:
            missing = spec.missing_scopes(granted) if granted is not None else []
            definition = bound[spec.name] if bound is not None else spec.definition()
            tools.append(
                {"definition": definition, "usable": not missing, "missing_scopes": missing}
            )
        return {
            "tools": tools,
            "next_page_token": str(offset + size) if offset + size < len(specs) else None,
            "total_size": len(specs),
        }
