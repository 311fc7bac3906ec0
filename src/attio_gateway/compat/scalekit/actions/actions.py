"""``scalekit.actions.ActionClient``: ``client.actions`` with the SDK's methods and returns.

Each method calls the embedded gateway's ``Gateway.actions`` and answers with the SDK's
response types (``scalekit.actions.types``); the gateway's errors are raised as the SDK's
exceptions (``scalekit.common.exceptions``), each with the gateway's error as its cause.
``docs/migrating-from-scalekit.md`` lists what differs from the SDK, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import httpx

from attio_gateway.compat.scalekit.actions.modifier import (
    Modifier,
    ModifierType,
    ToolNames,
    apply_post_modifiers,
    apply_pre_modifiers,
)
from attio_gateway.compat.scalekit.actions.types import (
    ConnectedAccount,
    ConnectedAccountForList,
    CreateConnectedAccountResponse,
    DeleteConnectedAccountResponse,
    ExecuteToolResponse,
    GetConnectedAccountAuthResponse,
    GetConnectedAccountDetailsResponse,
    ListConnectedAccountsResponse,
    ListToolsResponse,
    MagicLinkResponse,
    Tool,
    ToolInput,
    UpdateConnectedAccountResponse,
    VerifyConnectedAccountUserResponse,
)
from attio_gateway.compat.scalekit.common.exceptions import (
    ScalekitNotImplementedException,
    ScalekitServerException,
)
from attio_gateway.errors import GatewayError
from attio_gateway.sdk import models
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.sdk.sync import SyncActions

__all__ = ["ActionClient", "HTTPError", "Response"]

F = TypeVar("F", bound=Callable[..., Any])

#: ``request()``'s keyword arguments for the SDK's HTTP hop to its service (``requests``'
#: options). In-process there is no such hop: they are accepted and have no effect.
_TRANSPORT_KWARGS = frozenset(
    {"timeout", "verify", "cert", "proxies", "allow_redirects", "stream", "auth", "cookies"}
)
#: What ``request()`` takes besides the SDK's parameters (the gateway's own options).
_REQUEST_EXTRAS = frozenset({"json", "connected_account_id", "idempotency_key", "force", "run_id"})
#: What ``execute_tool()`` takes besides the SDK's parameters.
_TOOL_EXTRAS = frozenset({"output", "idempotency_key", "force", "run_id"})
_PAGE_MAX = 500


@contextmanager
def _scalekit_errors() -> Iterator[None]:
    try:
        yield
    except GatewayError as exc:
        raise ScalekitServerException.promote(exc) from exc


def _not_offered(what: str) -> NoReturn:
    raise ScalekitNotImplementedException(
        f"{what} is not offered by attio-gateway (see docs/migrating-from-scalekit.md)"
    )


class HTTPError(OSError):
    """``raise_for_status()``'s error: like ``requests.HTTPError`` (an ``IOError`` carrying
    ``response`` and ``request``), without depending on requests."""

    def __init__(self, *args: object, response: Response | None = None, request: Any = None):
        super().__init__(*args)
        self.response = response
        self.request = request if request is not None else getattr(response, "request", None)


class Response(ProxyResponse):
    """What ``request()`` returns: Attio's answer, read like a ``requests.Response``
    (``status_code``, ``ok``, ``reason``, ``text``, ``content``, ``headers``, ``json()``,
    ``url``, ``raise_for_status()``) and, as the product document's sample does, indexed like
    the JSON dict it carries."""

    @property
    def reason(self) -> str:
        return self.response.reason_phrase

    @property
    def url(self) -> str:
        return str(self.response.url)

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def content(self) -> bytes:
        return self.response.content

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        body = self.response.content
        size = chunk_size or len(body) or 1
        for start in range(0, len(body), size):
            chunk = body[start : start + size]
            yield chunk.decode(self.response.encoding or "utf-8") if decode_unicode else chunk

    def raise_for_status(self) -> None:
        """Raise :class:`HTTPError` for a 4xx or 5xx answer, worded as requests words it."""
        status = self.status_code
        if 400 <= status < 600:
            side = "Client" if status < 500 else "Server"
            raise HTTPError(
                f"{status} {side} Error: {self.reason} for url: {self.url}", response=self
            )


def _account(account: models.ConnectedAccount, *, with_tokens: bool) -> ConnectedAccount:
    return ConnectedAccount(
        id=account.id,
        identifier=account.identifier,
        provider=account.provider,
        status=str(account.status),
        authorization_type=account.authorization_type,
        authorization_details=dict(account.authorization_details) if with_tokens else None,
        token_expires_at=account.token_expires_at,
        updated_at=account.updated_at,
        connector=account.connector,
        last_used_at=account.last_used_at,
        api_config=dict(account.api_config) or None,
    )


def _list_item(account: models.ConnectedAccount) -> ConnectedAccountForList:
    return ConnectedAccountForList(
        id=account.id,
        identifier=account.identifier,
        provider=account.provider,
        status=str(account.status),
        authorization_type=account.authorization_type,
        token_expires_at=account.token_expires_at,
        updated_at=account.updated_at,
        connector=account.connector,
        last_used_at=account.last_used_at,
    )


def _tool(entry: models.ToolEntry, *, summary: bool) -> Tool:
    definition = dict(entry["definition"])
    if summary:
        definition = {k: definition[k] for k in ("name", "description") if k in definition}
    return Tool(
        id=str(definition.get("name")),
        provider="attio",
        definition=definition,
        metadata={"usable": entry["usable"], "missing_scopes": list(entry["missing_scopes"])},
    )


class ActionClient:
    """The SDK's ``ActionClient`` over the embedded gateway's ``Gateway.actions``."""

    def __init__(self, actions: SyncActions) -> None:
        self._actions = actions
        self._modifiers: list[Modifier] = []

    # --- what this gateway does not offer --------------------------------------------------

    @property
    def langchain(self) -> NoReturn:
        """The SDK's LangChain helper; here ``attio_gateway.tools.adapters.langchain_tools``."""
        _not_offered("actions.langchain (use the gateway's LangChain adapter)")

    @property
    def google(self) -> NoReturn:
        """The SDK's Google ADK helper; here the gateway's Gemini declarations."""
        _not_offered("actions.google (use the gateway's Gemini declarations)")

    @property
    def mcp(self) -> NoReturn:
        """The hosted MCP configs; here ``attio-gateway mcp`` serves the tools."""
        _not_offered("actions.mcp (hosted MCP configs; run `attio-gateway mcp`)")

    @property
    def providers(self) -> NoReturn:
        """Custom providers; this gateway has one provider, Attio."""
        _not_offered("actions.providers (custom providers)")

    # --- tools ------------------------------------------------------------------------------

    def execute_tool(
        self,
        tool_input: ToolInput,
        tool_name: str,
        identifier: str | None = None,
        tool_request: Any = None,
        connected_account_id: str | None = None,
        connection_name: str | None = None,
        **kwargs: Any,
    ) -> ExecuteToolResponse:
        """Run one catalog tool as the user, through the pre and post modifiers.

        Besides the SDK's arguments: ``output`` (``"default"``/``"compact"``),
        ``idempotency_key``, ``force`` and ``run_id`` (docs/idempotency.md). Other keyword
        arguments are ignored, as the SDK ignores them.
        """
        if not tool_name:
            raise ValueError("tool_name is required")
        extras = {k: v for k, v in kwargs.items() if k in _TOOL_EXTRAS}
        modified = apply_pre_modifiers(tool_name, tool_input, self._modifiers)
        with _scalekit_errors():
            result = self._actions.execute_tool(
                modified,
                tool_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
                connection_name=connection_name,
                **extras,
            )
        response = ExecuteToolResponse(data=result.data, execution_id=result.execution_id)
        response.data = apply_post_modifiers(tool_name, response.data, self._modifiers)
        return response

    def list_tools(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        tool_name: list[str] | str | None = None,
        query: str | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        connected_account_id: str | None = None,
        summary: bool | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        **kwargs: Any,
    ) -> ListToolsResponse:
        """The catalog's tools, a page at a time; with an account, whether it may use each
        (``tool.metadata``: ``usable``, ``missing_scopes``). Several ``tool_name``s come
        back in one page."""
        names = [tool_name] if isinstance(tool_name, str) else list(tool_name or [])
        with _scalekit_errors():
            if connected_account_id:
                found = self._actions.get_connected_account_details(
                    connection_name, identifier, connected_account_id
                ).connected_account
                connection_name, identifier = found.connector, found.identifier
            if len(names) <= 1:
                listing = self._actions.list_tools(
                    connection_name=connection_name,
                    identifier=identifier,
                    provider=provider,
                    tool_name=names[0] if names else None,
                    query=query,
                    page_size=page_size,
                    page_token=page_token,
                )
                entries, next_token = listing["tools"], listing["next_page_token"]
                total = listing["total_size"]
            else:
                entries, token = [], None
                while True:
                    listing = self._actions.list_tools(
                        connection_name=connection_name,
                        identifier=identifier,
                        provider=provider,
                        query=query,
                        page_size=_PAGE_MAX,
                        page_token=token,
                    )
                    entries += [t for t in listing["tools"] if t["definition"]["name"] in names]
                    token = listing["next_page_token"]
                    if token is None:
                        break
                next_token, total = None, len(entries)
        tools = [_tool(entry, summary=bool(summary)) for entry in entries]
        return ListToolsResponse(
            tools=tools,
            tool_names=[str(t.id) for t in tools],
            total_count=total,
            next_page_token=next_token,
            previous_page_token=None,
        )

    # --- links and verification -------------------------------------------------------------

    def get_authorization_link(
        self,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        state: str | None = None,
        user_verify_url: str | None = None,
        **kwargs: Any,
    ) -> MagicLinkResponse:
        """A single-use link to send the user (ten minutes); see ``Gateway.actions``."""
        with _scalekit_errors():
            link = self._actions.get_authorization_link(
                identifier, connection_name, connected_account_id, state, user_verify_url
            )
        return MagicLinkResponse(link=link.link, expiry=link.expiry)

    def verify_connected_account_user(
        self, auth_request_id: str, identifier: str
    ) -> VerifyConnectedAccountUserResponse:
        """Confirm which of your users completed the authorization: only then is it used."""
        if not auth_request_id:
            raise ValueError("auth_request_id is required")
        if not identifier:
            raise ValueError("identifier is required")
        with _scalekit_errors():
            done = self._actions.verify_connected_account_user(auth_request_id, identifier)
        return VerifyConnectedAccountUserResponse(
            post_user_verify_redirect_url=done.post_user_verify_redirect_url
        )

    # --- connected accounts -----------------------------------------------------------------

    def list_connected_accounts(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        connection_names: list[str] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        **kwargs: Any,
    ) -> ListConnectedAccountsResponse:
        """Accounts without tokens, a page at a time (``connection_names``: all matches of
        those connections in one page)."""
        with _scalekit_errors():
            if not connection_names:
                page = self._actions.list_connected_accounts(
                    connection_name, identifier, provider, page_size, page_token
                )
                return ListConnectedAccountsResponse(
                    connected_accounts=[_list_item(a) for a in page.connected_accounts],
                    total_count=page.total_size,
                    next_page_token=page.next_page_token,
                    previous_page_token=None,
                )
            found: list[models.ConnectedAccount] = []
            for name in dict.fromkeys(connection_names):
                token: str | None = None
                while True:
                    page = self._actions.list_connected_accounts(
                        name, identifier, provider, _PAGE_MAX, token
                    )
                    found += page.connected_accounts
                    token = page.next_page_token
                    if token is None:
                        break
        return ListConnectedAccountsResponse(
            connected_accounts=[_list_item(a) for a in found],
            total_count=len(found),
            next_page_token=None,
            previous_page_token=None,
        )

    def delete_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        **kwargs: Any,
    ) -> DeleteConnectedAccountResponse:
        """Revoke the token at Attio (best effort) and forget the account."""
        with _scalekit_errors():
            self._actions.delete_connected_account(
                connection_name, identifier, connected_account_id
            )
        return DeleteConnectedAccountResponse()

    def get_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        **kwargs: Any,
    ) -> GetConnectedAccountAuthResponse:
        """The account with its tokens (``authorization_details``)."""
        with _scalekit_errors():
            found = self._actions.get_connected_account(
                connection_name, identifier, connected_account_id
            )
        return GetConnectedAccountAuthResponse(
            connected_account=_account(found.connected_account, with_tokens=True)
        )

    def get_connected_account_details(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        **kwargs: Any,
    ) -> GetConnectedAccountDetailsResponse:
        """The account without its tokens."""
        with _scalekit_errors():
            found = self._actions.get_connected_account_details(
                connection_name, identifier, connected_account_id
            )
        return GetConnectedAccountDetailsResponse(
            connected_account=_account(found.connected_account, with_tokens=False)
        )

    def create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> CreateConnectedAccountResponse:
        """A new account (pending, or ACTIVE with a token in ``authorization_details``)."""
        if not connection_name:
            raise ValueError("connection_name is required")
        if not identifier:
            raise ValueError("identifier is required")
        with _scalekit_errors():
            made = self._actions.create_connected_account(
                connection_name, identifier, authorization_details, organization_id, user_id,
                api_config,
            )  # fmt: skip
        return CreateConnectedAccountResponse(
            connected_account=_account(made.connected_account, with_tokens=True)
        )

    def get_or_create_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        api_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> CreateConnectedAccountResponse:
        """``create_connected_account``, or the account the user already has (activated
        with ``authorization_details`` when given)."""
        if not connection_name:
            raise ValueError("connection_name is required")
        if not identifier:
            raise ValueError("identifier is required")
        with _scalekit_errors():
            made = self._actions.get_or_create_connected_account(
                connection_name, identifier, authorization_details, organization_id, user_id,
                api_config,
            )  # fmt: skip
        return CreateConnectedAccountResponse(
            connected_account=_account(made.connected_account, with_tokens=True)
        )

    upsert_connected_account = get_or_create_connected_account

    def update_connected_account(
        self,
        connection_name: str,
        identifier: str,
        authorization_details: dict[str, Any] | None = None,
        organization_id: str | None = None,
        user_id: str | None = None,
        connected_account_id: str | None = None,
        api_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> UpdateConnectedAccountResponse:
        """Change the account's ``api_config``, or activate it with a token you hold."""
        if not connection_name:
            raise ValueError("connection_name is required")
        if not identifier:
            raise ValueError("identifier is required")
        with _scalekit_errors():
            if connected_account_id:
                # The id must name the same account (the gateway refuses a mismatch).
                self._actions.get_connected_account_details(
                    connection_name, identifier, connected_account_id
                )
            changed = self._actions.update_connected_account(
                connection_name, identifier, authorization_details, organization_id, user_id,
                api_config,
            )  # fmt: skip
        return UpdateConnectedAccountResponse(
            connected_account=_account(changed.connected_account, with_tokens=True)
        )

    # --- the gateway's own additions --------------------------------------------------------

    def disconnect_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> GetConnectedAccountDetailsResponse:
        """Keep the account but drop its tokens (DISCONNECTED until re-authorized)."""
        with _scalekit_errors():
            done = self._actions.disconnect_connected_account(
                connection_name, identifier, connected_account_id
            )
        return GetConnectedAccountDetailsResponse(
            connected_account=_account(done.connected_account, with_tokens=False)
        )

    def search_tools(
        self,
        query: str,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        limit: int = 5,
    ) -> models.ToolSearchResult:
        """The catalog's best tools for a task in the user's words, with their readiness."""
        with _scalekit_errors():
            return self._actions.search_tools(
                query, connection_name, identifier, connected_account_id, limit
            )

    # --- modifiers --------------------------------------------------------------------------

    def add_modifier(self, modifier: Modifier) -> None:
        """Register a modifier (``pre``: on a tool's input; ``post``: on its output)."""
        self._modifiers.append(modifier)

    def get_modifiers(
        self, tool_name: str | None = None, modifier_type: ModifierType | None = None
    ) -> list[Modifier]:
        """The modifiers registered, optionally those of one tool and/or one type."""
        return [
            m
            for m in self._modifiers
            if (not tool_name or tool_name in m.tool_names)
            and (not modifier_type or m.type == modifier_type)
        ]

    def pre_modifier(self, tool_names: ToolNames, **kwargs: Any) -> Callable[[F], F]:
        """Decorator: ``func(tool_input) -> tool_input`` runs before the tools named."""
        return self._register(tool_names, "pre", kwargs)

    def post_modifier(self, tool_names: ToolNames, **kwargs: Any) -> Callable[[F], F]:
        """Decorator: ``func(output) -> output`` runs on the data the tools named return."""
        return self._register(tool_names, "post", kwargs)

    def _register(
        self, tool_names: ToolNames, kind: ModifierType, kwargs: dict[str, Any]
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            modifier = Modifier(tool_names=tool_names, modifier_type=kind, **kwargs)
            modifier.func = func
            self.add_modifier(modifier)
            return func

        return decorator

    # --- the proxy --------------------------------------------------------------------------

    def request(
        self,
        connection_name: str,
        identifier: str,
        path: str,
        method: str = "GET",
        query_params: dict[str, Any] | None = None,
        body: Any = None,
        form_data: dict[str, Any] | None = None,
        raw_body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Response:
        """Call Attio's REST API as the user; Attio's answer comes back as it is.

        Besides the SDK's arguments: ``json`` (instead of ``body``; the product document's
        sample passes it), ``connected_account_id`` (then ``connection_name`` and
        ``identifier`` may be ``None``), ``idempotency_key``, ``force``, ``run_id``
        (docs/idempotency.md). ``timeout`` and the SDK's other HTTP options are accepted and
        have no effect in-process; any other keyword is a ``TypeError``, as in the SDK.
        """
        unknown = sorted(set(kwargs) - _TRANSPORT_KWARGS - _REQUEST_EXTRAS)
        if unknown:
            raise TypeError(f"request() got an unexpected keyword argument {unknown[0]!r}")
        account_id = kwargs.get("connected_account_id")
        if not account_id:
            if not connection_name:
                raise ValueError("connection_name is required")
            if not identifier:
                raise ValueError("identifier is required")
        if not path:
            raise ValueError("path is required")
        with _scalekit_errors():
            answer = self._actions.request(
                connection_name=connection_name or None,
                identifier=identifier or None,
                path=path,
                method=method.upper(),
                query_params=query_params,
                body=body,
                form_data=form_data,
                raw_body=raw_body,
                headers=headers,
                json=kwargs.get("json"),
                connected_account_id=account_id,
                idempotency_key=kwargs.get("idempotency_key"),
                force=bool(kwargs.get("force", False)),
                run_id=kwargs.get("run_id"),
            )
        return Response(answer.response)

    # --- hosted MCP configs and instances: not offered --------------------------------------

    def list_configs(
        self,
        page_size: int | None = None,
        page_token: str | None = None,
        filter_id: str | None = None,
        filter_provider: str | None = None,
        filter_name: str | None = None,
        filter_mcp_server_url: str | None = None,
        search: str | None = None,
        **kwargs: Any,
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("list_configs (hosted MCP configs)")

    def create_config(
        self,
        name: str,
        description: str | None = None,
        connection_tool_mappings: list[Any] | None = None,
        **kwargs: Any,
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("create_config (hosted MCP configs)")

    def update_config(
        self,
        config_id: str,
        description: str | None = None,
        connection_tool_mappings: list[Any] | None = None,
        **kwargs: Any,
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("update_config (hosted MCP configs)")

    def delete_config(self, config_id: str, **kwargs: Any) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("delete_config (hosted MCP configs)")

    def ensure_instance(
        self, config_name: str, user_identifier: str, name: str | None = None, **kwargs: Any
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("ensure_instance (hosted MCP instances)")

    def update_instance(
        self,
        instance_id: str,
        name: str | None = None,
        config_name: str | None = None,
        **kwargs: Any,
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("update_instance (hosted MCP instances)")

    def get_instance(self, instance_id: str, **kwargs: Any) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("get_instance (hosted MCP instances)")

    def list_instances(
        self,
        page_size: int | None = None,
        page_token: str | None = None,
        filter_id: str | None = None,
        filter_name: str | None = None,
        filter_config_name: str | None = None,
        filter_user_identifier: str | None = None,
        **kwargs: Any,
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("list_instances (hosted MCP instances)")

    def delete_instance(self, instance_id: str, **kwargs: Any) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("delete_instance (hosted MCP instances)")

    def get_instance_auth_state(
        self, instance_id: str, include_auth_links: bool | None = None, **kwargs: Any
    ) -> NoReturn:
        """Not offered: raises ``ScalekitNotImplementedException``."""
        _not_offered("get_instance_auth_state (hosted MCP instances)")
