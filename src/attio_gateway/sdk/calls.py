"""``Calls``: the one call path, shared by the proxy (``request``) and the tools.

account (found, must be ACTIVE; cached for a few seconds) → token (from the vault,
refreshed when due; cached) → rate limiter → retry → Attio → a refused token asks the
OAuth lifecycle's one revocation path → audit event (a proxied call's only queued; a tool
call's stored before it returns, as its execution id names it) → the call observers
(``CallRecord``: the server's metrics count every call here, whichever front end made it).
``execute_tool`` adds the catalog's steps (input, scopes, coercion, output shaping)
between the token and Attio. A call refused before the account is found (an unknown tool,
no such account, an account that is not active) is audited and observed too, under the
names the caller gave.
"""

from __future__ import annotations

import asyncio
import logging
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
from attio_gateway.sdk import logcontext, models
from attio_gateway.sdk.accounts import Accounts, page_offset
from attio_gateway.sdk.auditlog import Audit
from attio_gateway.sdk.callcache import Caches
from attio_gateway.sdk.idempotency import Idempotency, canonical_json, derive_key
from attio_gateway.sdk.logs import CallRecord, ErrorTier, check_agent_run_id, error_tier
from attio_gateway.sdk.reconcile import proxy_reconciler, tool_reconciler
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.runner import run_tool
from attio_gateway.tools.spec import ToolSpec

__all__ = ["CallObserver", "Calls"]

log = logging.getLogger(__name__)

#: Told of every finished call (after its audit event); must not block or raise.
CallObserver = Callable[[CallRecord], None]


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


def _attio_error_code(response: httpx.Response) -> str:
    """The ``code`` of Attio's error body when it has a short one, else ``http_<status>``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and 0 < len(code) <= 100:
        return code
    return f"http_{response.status_code}"


def _clip(value: str | None, size: int) -> str | None:
    """A caller's text cut to its audit column (a call refused before the account is found
    is audited under the names it gave, which nothing has checked yet)."""
    return None if value is None else value[:size]


@dataclass
class _Call:
    """One call on its way: who it acts as, its client, and what the audit event says."""

    connection: ConnectionRow
    account: AccountRow
    client: AttioClient
    #: ``None`` until decided: "success" when the body returns, "error" when it raises.
    outcome: str | None = None
    error_code: str | None = None
    #: Set when the body knows better than the exception (a token Attio refused).
    error_tier: ErrorTier | None = None


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
        observers: list[CallObserver] | None = None,
    ) -> None:
        #: Shared with the gateway, which may add observers before or after it opens.
        self.observers: list[CallObserver] = observers if observers is not None else []
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
        agent_run_id: str | None,
        before: Callable[[], object] | None = None,
    ) -> AsyncIterator[_Call]:
        """Run ``before`` (a check that needs no account), find the account, give the body
        its client, and audit what happened: with ``stored``, the event is stored before
        the call returns (a tool call's execution id names a stored event); otherwise it
        is only queued, so a proxied call never waits for a commit (stored within ~50 ms,
        see auditlog). Then the observers are told."""
        started = time.perf_counter()
        context = [
            logcontext.IDENTIFIER.set(identifier),
            logcontext.EXECUTION_ID.set(event.get("event_id")),
        ]
        call: _Call | None = None
        outcome, code, tier = "error", None, None
        try:
            if before is not None:
                before()
            connection, account = await self.account_for_call(
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
            )
            logcontext.IDENTIFIER.set(account.identifier)
            call = _Call(connection, account, self.attio_client(connection, account))
            yield call
            call.outcome = call.outcome or "success"
            outcome, code, tier = call.outcome, call.error_code, call.error_tier
            await self.touch_last_used(account.id)
        except GatewayError as exc:
            outcome = "error"
            code = (call.error_code if call is not None else None) or exc.code
            tier = (call.error_tier if call is not None else None) or error_tier(exc)
            if call is not None:
                call.outcome, call.error_code = "error", code
            raise
        except BaseException as exc:
            outcome = "error"
            code = "cancelled" if isinstance(exc, asyncio.CancelledError) else "internal_error"
            tier = error_tier(exc)
            raise
        finally:
            duration = time.perf_counter() - started
            if outcome == "success":
                code, tier = None, None
            names: dict[str, str | None]
            if call is not None:
                names = {
                    "connection_name": call.connection.name,
                    "identifier": call.account.identifier,
                }
            else:
                names = {
                    "connection_name": _clip(connection_name, 200),
                    "identifier": _clip(identifier, 500),
                }
            try:
                await self._audit.record(
                    wait=stored,
                    outcome=outcome,
                    duration_ms=int(duration * 1000),
                    error_code=code,
                    error_tier=tier,
                    agent_run_id=agent_run_id,
                    **names,
                    **event,
                )
            finally:
                if log.isEnabledFor(logging.INFO):
                    log.info(
                        "%s %s: %s%s in %d ms",
                        event["kind"],
                        event.get("tool_name") or f"{event.get('method')} {event.get('path')}",
                        outcome,
                        f" ({tier}/{code})" if code else "",
                        int(duration * 1000),
                    )
                self._observe(
                    CallRecord(
                        kind=event["kind"],
                        tool_name=event.get("tool_name"),
                        outcome=outcome,
                        error_code=code,
                        error_tier=tier,
                        http_status=event.get("http_status"),
                        duration_seconds=duration,
                        agent_run_id=agent_run_id,
                    )
                )
                for variable, token in zip(
                    (logcontext.IDENTIFIER, logcontext.EXECUTION_ID), context, strict=True
                ):
                    variable.reset(token)

    def _observe(self, record: CallRecord) -> None:
        for observer in self.observers:
            try:
                observer(record)
            except Exception:  # an observer's bug never fails the call
                log.exception("call observer %r failed", observer)

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
        run_id: str | None = None,
        agent_run_id: str | None = None,
        approval_id: str | None = None,
    ) -> ProxyResponse:
        """See ``AsyncActions.request``."""
        agent_run_id = check_agent_run_id(agent_run_id)
        # Refused before anything is sent: a path outside /v2/, headers the gateway owns.
        method, path, headers = check_outgoing(method=method, path=path, headers=headers, json=json)
        request: dict[str, Any] = {
            "kind": "proxy",
            "method": method.upper(),
            "path": path,
            "query": query_params,
            "json": json,
            "form": form_data,
            "raw": raw_body.hex() if isinstance(raw_body, bytes) else raw_body,
            "headers": headers,
        }
        key = derive_key(idempotency_key, run_id, request)
        event: dict[str, Any] = {"kind": "proxy", "method": method.upper(), "path": path}
        permissions = self.permissions
        snapshot = await permissions.snapshot() if permissions is not None else None
        async with self._call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            event=event,
            stored=False,
            agent_run_id=agent_run_id,
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
                    key = f"approval:{approval_id}"  # the approved call runs once

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

            if key is None or method.upper() in ("GET", "HEAD", "OPTIONS"):
                response = await send()
            else:
                response = await self._idempotent_request(
                    call, key=key, force=force, send=send, request=request
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
                call.error_code, call.error_tier = "account_expired", "attio"
                raise refused
            call.outcome = "success" if response.is_success else "error"
            if not response.is_success:
                call.error_code, call.error_tier = _attio_error_code(response), "attio"
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
        run_id: str | None = None,
        agent_run_id: str | None = None,
        toolset: str | None = None,
        approval_id: str | None = None,
    ) -> models.ExecuteToolResponse:
        """See ``AsyncActions.execute_tool``."""
        agent_run_id = check_agent_run_id(agent_run_id)
        permissions = self.permissions
        snapshot = await permissions.snapshot() if permissions is not None else None
        execution_id = secrets.token_hex(12)
        event: dict[str, Any] = {
            "event_id": execution_id,
            "kind": "tool",
            "tool_name": _clip(tool_name, 200),
        }
        found: list[tuple[ToolSpec, JSONObject]] = []

        def resolve() -> None:
            """The tool, and its input with the toolset's fixed arguments: an unknown tool,
            or one outside the toolset, fails before the account is touched (audited)."""
            spec = tool_catalog().get(tool_name)
            bound = tool_input
            if toolset is not None:
                if snapshot is None:
                    raise NotFoundError(f"No toolset named {toolset!r}.")
                bound = Permissions.bind_tool(snapshot, spec, tool_input, toolset)
            found.append((spec, bound))

        async with self._call(
            connection_name=connection_name,
            identifier=identifier,
            connected_account_id=connected_account_id,
            event=event,
            stored=True,
            agent_run_id=agent_run_id,
            before=resolve,
        ) as call:
            spec, tool_input = found[0]
            request: dict[str, Any] = {
                "kind": "tool",
                "tool": spec.name,
                "arguments": tool_input,
                "output": output,
            }
            key = derive_key(idempotency_key, run_id, request)
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
                    key = f"approval:{approval_id}"  # the approved call runs once

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
                if key is None or spec.read_only:
                    data = await run()
                else:

                    async def send(attio: AttioCalls = call.client) -> dict[str, Any]:
                        return {"data": await run(attio), "execution_id": execution_id}

                    result, _ = await self._idempotency.run(
                        account_id=account.id,
                        key=key,
                        request=request,
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
                    # Attio refused the token: its error, even when it becomes "not active".
                    call.error_code, call.error_tier = exc.code, "attio"
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
