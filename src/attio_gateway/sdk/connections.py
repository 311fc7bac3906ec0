"""``Connections``: the OAuth apps the gateway connects users through (one per provider app).

A connection's client secret is sealed before it is stored (``vault.credentials``); with
``validate`` its credentials are checked at the provider's token endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
from pydantic import SecretStr

from attio_gateway.clock import Clock
from attio_gateway.errors import ConflictError, InvalidInputError, NotFoundError
from attio_gateway.oauth import flow
from attio_gateway.oauth.lifecycle import redirect_uri
from attio_gateway.oauth.provider import PROVIDERS
from attio_gateway.oauth.states import ConnectionStatus
from attio_gateway.proxy.httpx_errors import parse_url
from attio_gateway.sdk import models
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import ConnectionRow
from attio_gateway.vault.credentials import Credentials

__all__ = ["CONNECTION_NAME", "Connections"]

#: What a connection name may hold: it is a path segment of the API and the dashboard
#: (``/api/v1/connections/{name}``), so no ``/``, spaces or other characters to escape.
CONNECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

#: Called after a connection changed (drop every process's caches).
OnChange = Callable[[], Awaitable[None]]


def _check_connection_name(name: str) -> None:
    if not CONNECTION_NAME.fullmatch(name):
        raise InvalidInputError(
            f"connection name {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit.",
            field="name",
        )


def _check_url(field: str, url: str) -> None:
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise InvalidInputError(
            f"{field} must be an http(s) URL without spaces or control characters, got {url!r}.",
            field=field,
        )
    parsed = parse_url(url)
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(f"{field} must be an http(s) URL, got {url!r}.", field=field)


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


class Connections:
    """Create, read, change and delete connections."""

    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        http: httpx.AsyncClient,
        clock: Clock,
        base_url: str,
        on_change: OnChange,
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._http = http
        self._clock = clock
        self._base_url = base_url
        self._on_change = on_change

    def redirect_uri(self, connection_id: str) -> str:
        """The callback URL to register on the provider's OAuth app."""
        return redirect_uri(self._base_url, connection_id)

    def model(self, row: ConnectionRow) -> models.Connection:
        return models.Connection(
            id=row.id,
            name=row.name,
            provider=row.provider,
            client_id=row.client_id,
            scopes=row.scopes,
            redirect_uri=self.redirect_uri(row.id),
            authorize_url=row.authorize_url,
            token_url=row.token_url,
            api_base_url=row.api_base_url,
            status=ConnectionStatus(row.status),
            status_detail=row.status_detail,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def row(
        self, name: str | None = None, *, connection_id: str | None = None
    ) -> ConnectionRow:
        """The connection named ``name`` (or with ``connection_id``); with neither, the only
        one there is.

        Raises:
            NotFoundError: no such connection, or several and none named.
        """
        if name is None and connection_id is None:
            rows = await q.list_connections(self._db)
            if len(rows) == 1:
                return rows[0]
            raise NotFoundError(
                "Say which connection: connection_name is required when there are "
                f"{len(rows)} connections."
            )
        row = await q.get_connection(self._db, name=name, connection_id=connection_id)
        if row is None:
            known = [c.name for c in await q.list_connections(self._db)]
            raise NotFoundError(
                f"No connection named {name or connection_id!r}; known: {known or 'none'}."
            )
        return row

    async def create(
        self,
        *,
        name: str,
        client_id: str,
        client_secret: str | SecretStr,
        scopes: list[str] | None,
        provider: str,
        authorize_url: str | None,
        token_url: str | None,
        api_base_url: str | None,
        validate: bool,
    ) -> models.Connection:
        """See ``AsyncGateway.create_connection``."""
        spec = PROVIDERS.get(provider)
        if spec is None:
            raise InvalidInputError(
                f"Unknown provider {provider!r}; known: {sorted(PROVIDERS)}.", field="provider"
            )
        _check_connection_name(name)
        if not client_id.strip():
            raise InvalidInputError("A connection needs a client_id.", field="client_id")
        secret = _secret(client_secret)
        if not secret.get_secret_value():
            raise InvalidInputError("A connection needs a client_secret.", field="client_secret")
        connection_id = q.new_id()
        urls = {
            "authorize_url": authorize_url or spec.authorize_url,
            "token_url": token_url or spec.token_url,
            "api_base_url": (api_base_url or spec.api_base_url).rstrip("/"),
        }
        for field, url in urls.items():
            _check_url(field, url)
        await self._check_name_free(name)  # before the credential check calls the provider
        status, detail = await self._check_credentials(
            urls["token_url"], client_id, secret, validate
        )
        try:
            row = await q.create_connection(
                self._db,
                connection_id=connection_id,
                name=name,
                provider=provider,
                client_id=client_id,
                client_secret_sealed=self._credentials.seal_client_secret(connection_id, secret),
                scopes=sorted(set(scopes or [])),
                status=status,
                status_detail=detail,
                now=self._clock.now(),
                **urls,
            )
        except ConflictError:
            # Another process created the name between the check and the insert.
            await self._check_name_free(name)
            raise
        # "the only connection" may no longer be the only one
        await self._on_change()
        return self.model(row)

    async def _check_name_free(self, name: str) -> None:
        if await q.get_connection(self._db, name=name) is not None:
            raise ConflictError(
                f"A connection named {name!r} already exists: choose another name, or change "
                "that one (update_connection / `attio-gateway connections update`)."
            )

    async def _check_credentials(
        self, token_url: str, client_id: str, secret: SecretStr, validate: bool
    ) -> tuple[str, str | None]:
        if not validate:
            return ConnectionStatus.UNVERIFIED, "Credentials were not checked."
        accepted, detail = await flow.check_client_credentials(
            self._http, token_url=token_url, client_id=client_id, client_secret=secret
        )
        if accepted is None:
            return ConnectionStatus.UNVERIFIED, detail
        return (
            ConnectionStatus.ACTIVE if accepted else ConnectionStatus.INVALID_CREDENTIALS
        ), detail

    async def update(
        self,
        name: str,
        *,
        client_id: str | None,
        client_secret: str | SecretStr | None,
        scopes: list[str] | None,
        validate: bool,
    ) -> models.Connection:
        """See ``AsyncGateway.update_connection``."""
        row = await self.row(name)
        changes: dict[str, object] = {}
        if client_id is not None:
            changes["client_id"] = client_id
        if scopes is not None:
            changes["scopes"] = sorted(set(scopes))
        secret = self._credentials.client_secret(row)
        if client_secret is not None:
            secret = _secret(client_secret)
            changes["client_secret_sealed"] = self._credentials.seal_client_secret(row.id, secret)
        if client_id is not None or client_secret is not None:
            status, detail = await self._check_credentials(
                row.token_url, client_id or row.client_id, secret, validate
            )
            changes |= {"status": status, "status_detail": detail}
        updated = await q.update_connection(
            self._db, connection_id=row.id, now=self._clock.now(), **changes
        )
        await self._on_change()
        return self.model(updated)

    async def get(self, name: str) -> models.Connection:
        return self.model(await self.row(name))

    async def list_all(self) -> list[models.Connection]:
        return [self.model(row) for row in await q.list_connections(self._db)]

    async def delete(self, name: str) -> None:
        row = await self.row(name)
        await q.delete_connection(self._db, connection_id=row.id)
        await self._on_change()
