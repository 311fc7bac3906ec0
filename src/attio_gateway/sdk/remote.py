"""``RemoteGateway``: the SDK's ``.actions`` over HTTP, for apps that talk to a running
gateway server (``attio-gateway serve``) instead of embedding one.

It authenticates with an API client's id and secret (client credentials, like the hosted
service's ``SCALEKIT_CLIENT_ID``/``SCALEKIT_CLIENT_SECRET``), keeps the bearer token until
shortly before it expires, and turns the server's one error shape back into the same
``GatewayError`` subclasses the embedded SDK raises. The transport failures of its calls to the
server come out of ``proxy.httpx_errors.sending`` as a ``ConfigurationError``.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from attio_gateway import errors
from attio_gateway.jsonvalue import JSONObject, JSONValue
from attio_gateway.proxy.httpx_errors import sending
from attio_gateway.sdk import models
from attio_gateway.sdk.logmodels import LogOverview, LogPage
from attio_gateway.sdk.response import ProxyResponse
from attio_gateway.triggers.models import (
    CreatedSubscription,
    Delivery,
    EventPage,
    Subscription,
)

__all__ = ["RemoteActions", "RemoteGateway", "RemoteLogs", "RemoteTriggers", "error_from_body"]

_API = "/api/v1"


def _error_classes() -> dict[str, type[errors.GatewayError]]:
    found: dict[str, type[errors.GatewayError]] = {}
    pending: list[type[errors.GatewayError]] = [errors.GatewayError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_from_body(status: int, body: Any) -> errors.GatewayError:
    """The server's ``{"error": {...}}`` as the ``GatewayError`` the embedded SDK raises."""
    data = body.get("error") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return errors.GatewayError(f"The gateway answered HTTP {status}.")
    code, message = str(data.get("code", "")), str(data.get("message", ""))
    cls = _error_classes().get(code, errors.GatewayError)
    if issubclass(cls, errors.AccountNotActiveError):
        return cls(
            message,
            status=str(data.get("status")),
            authorization_link=data.get("authorization_link"),
        )
    if issubclass(cls, errors.MissingScopesError):
        return cls(
            message,
            missing=list(data.get("missing") or []),
            granted=list(data.get("granted") or []),
        )
    if issubclass(cls, errors.ToolInputError | errors.InvalidInputError):
        return cls(message, field=data.get("field"))
    if issubclass(cls, errors.ApprovalRequiredError):
        return cls(
            message,
            rule_id=data.get("rule_id"),
            approval_id=data.get("approval_id"),
            status=data.get("status"),
            expires_at=data.get("expires_at"),
            preview=data.get("preview"),
        )
    if issubclass(cls, errors.OAuthFlowError):
        return cls(str(data.get("error") or code), data.get("error_description"))
    if issubclass(cls, errors.UpstreamError):
        return cls(
            message,
            status_code=data.get("status_code"),
            type=data.get("type"),
            upstream_code=data.get("upstream_code"),
            request_id=data.get("request_id"),
            retry_after=data.get("retry_after"),
        )
    return cls(message)


class RemoteGateway:
    """``RemoteGateway(env_url, client_id, client_secret).actions.request(...)``."""

    def __init__(
        self,
        env_url: str,
        client_id: str,
        client_secret: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._http = httpx.Client(
            base_url=env_url.rstrip("/"), transport=transport, timeout=timeout
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = None
        self._token_expires = 0.0
        self.actions = RemoteActions(self)
        self.connect = self.actions
        self.logs = RemoteLogs(self)
        #: Trigger subscriptions over the JSON API (docs/triggers.md).
        self.triggers = RemoteTriggers(self)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            with sending(f"The gateway at {self._http.base_url}"):
                return self._http.request(method, path, **kwargs)
        except errors.UpstreamUnavailableError as exc:
            raise errors.ConfigurationError(exc.message) from exc

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() >= self._token_expires:
            response = self._send(
                "POST",
                f"{_API}/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
            )
            body = response.json()
            if not response.is_success:
                raise error_from_body(response.status_code, body)
            self._token = str(body["access_token"])
            self._token_expires = time.monotonic() + float(body.get("expires_in", 300)) - 30
        return self._token

    def call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        response = self._send(
            method,
            f"{_API}{path}",
            headers={**(headers or {}), "Authorization": f"Bearer {self._bearer()}"},
            **kwargs,
        )
        if response.status_code == 204:
            return None
        body = response.json()
        # 202 with an error: the call waits for a person's approval (ApprovalRequiredError).
        if not response.is_success or (response.status_code == 202 and "error" in body):
            raise error_from_body(response.status_code, body)
        return body


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _idempotency_headers(key: str | None, force: bool, run_id: str | None) -> dict[str, str]:
    headers = {} if key is None else {"Idempotency-Key": key}
    if run_id is not None:
        headers["Idempotency-Run"] = run_id
    if force:
        headers["Idempotency-Force"] = "true"
    return headers


class RemoteActions:
    """The hosted service's method names, over the gateway's JSON API: the signatures of
    ``AsyncActions`` (a test holds them side by side), without the methods that create or
    update connected accounts, which the JSON API does not serve."""

    def __init__(self, gateway: RemoteGateway) -> None:
        self._gw = gateway

    def get_authorization_link(
        self,
        identifier: str | None = None,
        connection_name: str | None = None,
        connected_account_id: str | None = None,
        state: str | None = None,
        user_verify_url: str | None = None,
    ) -> models.AuthorizationLink:
        body = _drop_none(
            {
                "identifier": identifier,
                "connection_name": connection_name,
                "connected_account_id": connected_account_id,
                "state": state,
                "user_verify_url": user_verify_url,
            }
        )
        return models.AuthorizationLink.model_validate(
            self._gw.call("POST", "/connected-accounts/authorization-link", json=body)
        )

    def verify_connected_account_user(
        self, auth_request_id: str, identifier: str
    ) -> models.VerifyUserResponse:
        body = {"auth_request_id": auth_request_id, "identifier": identifier}
        return models.VerifyUserResponse.model_validate(
            self._gw.call("POST", "/connected-accounts/verify", json=body)
        )

    def list_connected_accounts(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        provider: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> models.ListConnectedAccountsResponse:
        params = _drop_none(
            {
                "connection_name": connection_name,
                "identifier": identifier,
                "provider": provider,
                "page_size": page_size,
                "page_token": page_token,
            }
        )
        return models.ListConnectedAccountsResponse.model_validate(
            self._gw.call("GET", "/connected-accounts", params=params)
        )

    def _account_id(
        self, connection_name: str | None, identifier: str | None, connected_account_id: str | None
    ) -> str:
        if connected_account_id:
            return connected_account_id
        found = self.list_connected_accounts(connection_name=connection_name, identifier=identifier)
        if not identifier or not found.connected_accounts:
            raise errors.NotFoundError(
                f"No connected account for identifier {identifier!r}"
                + (f" on connection {connection_name!r}." if connection_name else ".")
            )
        if len(found.connected_accounts) > 1:
            raise errors.NotFoundError(
                f"{identifier!r} has accounts on several connections "
                f"({', '.join(a.connector for a in found.connected_accounts)}); say which with "
                "connection_name."
            )
        return found.connected_accounts[0].id

    def get_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        account_id = self._account_id(connection_name, identifier, connected_account_id)
        return models.ConnectedAccountResponse.model_validate(
            self._gw.call(
                "GET", f"/connected-accounts/{account_id}", params={"include_tokens": "true"}
            )
        )

    def get_connected_account_details(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        account_id = self._account_id(connection_name, identifier, connected_account_id)
        return models.ConnectedAccountResponse.model_validate(
            self._gw.call("GET", f"/connected-accounts/{account_id}")
        )

    def delete_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> None:
        account_id = self._account_id(connection_name, identifier, connected_account_id)
        self._gw.call("DELETE", f"/connected-accounts/{account_id}")

    def disconnect_connected_account(
        self,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> models.ConnectedAccountResponse:
        account_id = self._account_id(connection_name, identifier, connected_account_id)
        return models.ConnectedAccountResponse.model_validate(
            self._gw.call("POST", f"/connected-accounts/{account_id}/disconnect")
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
        """Attio's answer as it came (a 404 from Attio is a 404 here), dict-indexable.
        ``idempotency_key``, ``force`` and ``run_id`` are sent as the headers
        ``Idempotency-Key``, ``Idempotency-Force`` and ``Idempotency-Run``;
        ``agent_run_id`` in the body.

        The server's proxy sends JSON bodies and no headers of the caller's own:
        ``form_data``, ``raw_body`` and ``headers`` are for the embedded gateway.

        Raises:
            ToolInputError: both ``body`` and ``json``, or ``form_data``, ``raw_body`` or
                ``headers`` given; and as ``AsyncActions.request`` for the rest.
        """
        if body is not None and json is not None:
            raise errors.ToolInputError("give body or json, not both", field="json")
        for field, value in (
            ("form_data", form_data),
            ("raw_body", raw_body),
            ("headers", headers),
        ):
            if value is not None:
                raise errors.ToolInputError(
                    f"{field} is not sent through the gateway server's proxy (JSON bodies "
                    "only); use body or json, or the embedded gateway.",
                    field=field,
                )
        payload = _drop_none(
            {
                "connection_name": connection_name,
                "identifier": identifier,
                "connected_account_id": connected_account_id,
                "path": path,
                "method": method.upper(),
                "query_params": {k: str(v) for k, v in (query_params or {}).items()} or None,
                "body": json if json is not None else body,
                "agent_run_id": agent_run_id,
                "approval_id": approval_id,
            }
        )
        result = self._gw.call(
            "POST",
            "/proxy",
            json=payload,
            headers=_idempotency_headers(idempotency_key, force, run_id),
        )
        headers = {
            k: v
            for k, v in result["headers"].items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        content = result["body"]
        response = (
            httpx.Response(result["status_code"], headers=headers, json=content)
            if not isinstance(content, str)
            else httpx.Response(result["status_code"], headers=headers, text=content)
        )
        return ProxyResponse(response)

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
        payload = _drop_none(
            {
                "tool_name": tool_name,
                "tool_input": tool_input,
                "identifier": identifier,
                "connected_account_id": connected_account_id,
                "connection_name": connection_name,
                "output": output,
                "agent_run_id": agent_run_id,
                "toolset": toolset,
                "approval_id": approval_id,
            }
        )
        return models.ExecuteToolResponse.model_validate(
            self._gw.call(
                "POST",
                "/tools/execute",
                json=payload,
                headers=_idempotency_headers(idempotency_key, force, run_id),
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
        params = _drop_none(
            {
                "connection_name": connection_name,
                "identifier": identifier,
                "provider": provider,
                "tool_name": tool_name,
                "query": query,
                "page_size": page_size,
                "page_token": page_token,
                "toolset": toolset,
            }
        )
        tools: models.ToolListing = self._gw.call("GET", "/tools", params=params)
        return tools

    def search_tools(
        self,
        query: str,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        limit: int = 5,
    ) -> models.ToolSearchResult:
        params = _drop_none(
            {
                "query": query,
                "connection_name": connection_name,
                "identifier": identifier,
                "connected_account_id": connected_account_id,
                "limit": limit,
            }
        )
        found: models.ToolSearchResult = self._gw.call("GET", "/tools/search", params=params)
        return found


def _time(value: str | datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class RemoteLogs:
    """``AsyncGateway.logs`` over ``GET /api/v1/logs`` and ``/logs/overview`` (scope
    ``accounts:read``); the same parameters and errors."""

    def __init__(self, gateway: RemoteGateway) -> None:
        self._gw = gateway

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
        params = _drop_none(
            {
                "kind": kind,
                "identifier": identifier,
                "connection_name": connection_name,
                "tool_name": tool_name,
                "outcome": outcome,
                "error_tier": error_tier,
                "error_code": error_code,
                "agent_run_id": agent_run_id,
                "since": _time(since),
                "until": _time(until),
                "limit": limit,
                "cursor": cursor,
            }
        )
        return LogPage.model_validate(self._gw.call("GET", "/logs", params=params))

    def overview(
        self,
        *,
        since: str | datetime | None = "24h",
        until: str | datetime | None = None,
        connection_name: str | None = None,
        identifier: str | None = None,
        agent_run_id: str | None = None,
    ) -> LogOverview:
        params = _drop_none(
            {
                "since": _time(since),
                "until": _time(until),
                "connection_name": connection_name,
                "identifier": identifier,
                "agent_run_id": agent_run_id,
            }
        )
        return LogOverview.model_validate(self._gw.call("GET", "/logs/overview", params=params))


class RemoteTriggers:
    """``AsyncGateway.triggers``' methods over the JSON API (``/api/v1/triggers``), returning
    the same models and raising the same errors."""

    def __init__(self, gateway: RemoteGateway) -> None:
        self._gateway = gateway

    def subscribe(
        self,
        *,
        events: list[str],
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        target_url: str | None = None,
        filter: dict[str, Any] | None = None,
        include_record: bool = False,
    ) -> CreatedSubscription:
        body = _drop_none(
            {
                "events": events,
                "connection_name": connection_name,
                "identifier": identifier,
                "connected_account_id": connected_account_id,
                "target_url": target_url,
                "filter": filter,
                "include_record": include_record,
            }
        )
        return CreatedSubscription.model_validate(
            self._gateway.call("POST", "/triggers/subscriptions", json=body)
        )

    def list_subscriptions(
        self, *, connection_name: str | None = None, identifier: str | None = None
    ) -> list[Subscription]:
        params = _drop_none({"connection_name": connection_name, "identifier": identifier})
        body = self._gateway.call("GET", "/triggers/subscriptions", params=params)
        return [Subscription.model_validate(s) for s in body["subscriptions"]]

    def get(self, subscription_id: str) -> Subscription:
        path = f"/triggers/subscriptions/{quote(subscription_id, safe='')}"
        return Subscription.model_validate(self._gateway.call("GET", path))

    def delete(self, subscription_id: str) -> None:
        path = f"/triggers/subscriptions/{quote(subscription_id, safe='')}"
        self._gateway.call("DELETE", path)

    def deliveries(
        self, subscription_id: str, *, state: str | None = None, after: int = 0, limit: int = 100
    ) -> list[Delivery]:
        path = f"/triggers/subscriptions/{quote(subscription_id, safe='')}/deliveries"
        params = _drop_none({"state": state, "after": after, "limit": limit})
        body = self._gateway.call("GET", path, params=params)
        return [Delivery.model_validate(d) for d in body["deliveries"]]

    def replay(self, delivery_id: int) -> Delivery:
        path = f"/triggers/deliveries/{int(delivery_id)}/replay"
        return Delivery.model_validate(self._gateway.call("POST", path))

    def events(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
        since: int = 0,
        limit: int = 100,
    ) -> EventPage:
        params = _drop_none(
            {
                "connection_name": connection_name,
                "identifier": identifier,
                "connected_account_id": connected_account_id,
                "since": since,
                "limit": limit,
            }
        )
        return EventPage.model_validate(
            self._gateway.call("GET", "/triggers/events", params=params)
        )
