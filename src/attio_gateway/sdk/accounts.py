"""``Accounts``: connected accounts — one end user's authorization on one connection.

Finding an account (by id, or by identifier on a connection), creating it pending,
importing a token the app holds, disconnecting and deleting it (revoking the token at the
provider first), the secrets a provider shows once, and the authorization link.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from attio_gateway.clock import Clock
from attio_gateway.errors import ConflictError, InvalidInputError, NotFoundError, ToolInputError
from attio_gateway.jsonvalue import JSONObject
from attio_gateway.oauth.lifecycle import Lifecycle
from attio_gateway.oauth.states import AccountStatus
from attio_gateway.sdk import models
from attio_gateway.sdk.connections import Connections
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.vault.credentials import Credentials

__all__ = ["MAX_IDENTIFIER_LENGTH", "Accounts", "page_offset"]

#: Longest identifier (your id for a user) the gateway stores.
MAX_IDENTIFIER_LENGTH = 500

#: What a page token holds: ASCII digits (str.isdigit also accepts "²", which int() refuses).
_DIGITS = re.compile(r"[0-9]+")

#: Called after an account changed (drop every process's caches).
OnChange = Callable[[], Awaitable[None]]


def check_identifier(identifier: str) -> None:
    """Identifiers are the app's ids for its users: printable text of bounded length (a
    NUL would reach PostgreSQL, which refuses it with an error that is not the caller's)."""
    if len(identifier) > MAX_IDENTIFIER_LENGTH:
        raise InvalidInputError(
            f"identifier is {len(identifier)} characters long; at most "
            f"{MAX_IDENTIFIER_LENGTH} are allowed.",
            field="identifier",
        )
    if any(not character.isprintable() for character in identifier):
        raise InvalidInputError(
            f"identifier {identifier!r} contains control characters.", field="identifier"
        )


def page_offset(page_token: str | None) -> int:
    """The offset a ``next_page_token`` this API returned stands for.

    Raises:
        ToolInputError: it is not one this API returned.
    """
    if not page_token:
        return 0
    if not _DIGITS.fullmatch(page_token):
        raise ToolInputError("page_token is not one this API returned.", field="page_token")
    return int(page_token)


def account_page_token(row: AccountRow) -> str:
    """The token of the page after ``row``: where that page starts, opaque to callers."""
    where = json.dumps([row.created_at.isoformat(), row.id], separators=(",", ":"))
    return "k" + base64.urlsafe_b64encode(where.encode()).decode().rstrip("=")


def account_page_start(page_token: str | None) -> tuple[datetime, str] | None:
    """The ``(created_at, id)`` a token of ``account_page_token`` stands for.

    Raises:
        ToolInputError: it is not one this API returned.
    """
    if not page_token:
        return None
    try:
        if not page_token.startswith("k"):
            raise ValueError(page_token)
        body = page_token[1:] + "=" * (-len(page_token[1:]) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(body.encode()))
        return datetime.fromisoformat(created_at), str(row_id)
    except (ValueError, TypeError) as exc:
        raise ToolInputError(
            "page_token is not one this API returned.", field="page_token"
        ) from exc


class Accounts:
    """Connected accounts and what is kept for them."""

    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        clock: Clock,
        connections: Connections,
        lifecycle: Lifecycle,
        on_change: OnChange,
    ) -> None:
        self._db = db
        self._credentials = credentials
        self._clock = clock
        self._connections = connections
        self._lifecycle = lifecycle
        self._on_change = on_change

    # --- reading ---------------------------------------------------------------------------

    async def model(
        self, row: AccountRow, *, connection: ConnectionRow | None = None, with_tokens: bool
    ) -> models.ConnectedAccount:
        connection = connection or await self._connections.row(connection_id=row.connection_id)
        token: dict[str, Any] = {"scopes": row.granted_scopes}
        if with_tokens:
            credential = await q.get_credential(self._db, account_id=row.id)
            if credential is not None:
                tokens = self._credentials.tokens(credential)
                token["access_token"] = tokens.access_token.get_secret_value()
                if tokens.refresh_token is not None:
                    token["refresh_token"] = tokens.refresh_token.get_secret_value()
        return models.ConnectedAccount(
            id=row.id,
            identifier=row.identifier,
            provider=connection.provider,
            connector=connection.name,
            status=AccountStatus(row.status),
            authorization_details={"oauth_token": token},
            granted_scopes=row.granted_scopes,
            expected_scopes=connection.scopes,
            workspace=models.Workspace(
                id=row.workspace_id, name=row.workspace_name, slug=row.workspace_slug
            ),
            authorized_by_member_id=row.authorized_by_member_id,
            token_expires_at=row.token_expires_at,
            api_config=row.api_config,
            created_at=row.created_at,
            updated_at=row.updated_at,
            last_used_at=row.last_used_at,
        )

    async def response(
        self, row: AccountRow, connection: ConnectionRow, *, with_tokens: bool = False
    ) -> models.ConnectedAccountResponse:
        return models.ConnectedAccountResponse(
            connected_account=await self.model(row, connection=connection, with_tokens=with_tokens)
        )

    async def find(
        self,
        *,
        connection_name: str | None = None,
        identifier: str | None = None,
        connected_account_id: str | None = None,
    ) -> tuple[ConnectionRow, AccountRow]:
        """The account named by ``connected_account_id``, or by ``identifier`` on
        ``connection_name``. Given both ways, they must name the same account: acting as
        alice because her id came along with ``identifier="bob"`` would cross users.

        Raises:
            NotFoundError: no such account (or connection).
            ToolInputError: the id and the identifier or connection name disagree.
        """
        if connected_account_id is not None:
            row = await q.get_account(self._db, account_id=connected_account_id)
            if row is None:
                raise NotFoundError(f"No connected account with id {connected_account_id!r}.")
            connection = await self._connections.row(connection_id=row.connection_id)
            if identifier and identifier != row.identifier:
                raise ToolInputError(
                    f"connected_account_id {connected_account_id!r} belongs to identifier "
                    f"{row.identifier!r}, not to identifier {identifier!r}: give one or the "
                    "other, or both for the same user.",
                    field="identifier",
                )
            if connection_name and connection_name != connection.name:
                raise ToolInputError(
                    f"connected_account_id {connected_account_id!r} is on connection "
                    f"{connection.name!r}, not on connection_name {connection_name!r}.",
                    field="connection_name",
                )
            return connection, row
        if not identifier:
            raise NotFoundError("Say whose account: identifier or connected_account_id.")
        check_identifier(identifier)
        connection = await self._connections.row(connection_name)
        row = await q.get_account(self._db, connection_id=connection.id, identifier=identifier)
        if row is None:
            raise NotFoundError(
                f"No connected account for identifier {identifier!r} on connection "
                f"{connection.name!r}; send the user an authorization link first."
            )
        return connection, row

    async def ensure(
        self, connection: ConnectionRow, identifier: str, *, api_config: JSONObject | None
    ) -> AccountRow:
        """The account for ``identifier`` on ``connection``, created pending if absent —
        race-free: callers asking for a new identifier at once all get the one row."""
        check_identifier(identifier)
        row, _ = await q.upsert_account(
            self._db,
            connection_id=connection.id,
            identifier=identifier,
            status=AccountStatus.PENDING_AUTH,
            now=self._clock.now(),
            api_config=api_config,
        )
        return row

    async def list_page(
        self,
        *,
        connection_name: str | None,
        identifier: str | None,
        provider: str | None,
        page_size: int | None,
        page_token: str | None,
    ) -> models.ListConnectedAccountsResponse:
        connection_id = None
        if connection_name is not None:
            connection_id = (await self._connections.row(connection_name)).id
        size = min(max(page_size or 50, 1), 500)
        rows = await q.list_accounts(
            self._db,
            connection_id=connection_id,
            identifier=identifier,
            limit=size + 1,
            after=account_page_start(page_token),
        )
        accounts = []
        # One read per connection, not per account: a page of 500 made 500 reads before.
        connections: dict[str, ConnectionRow] = {}
        for row in rows[:size]:
            connection = connections.get(row.connection_id)
            if connection is None:
                connection = await self._connections.row(connection_id=row.connection_id)
                connections[row.connection_id] = connection
            model = await self.model(row, connection=connection, with_tokens=False)
            if provider is None or model.provider == provider:
                accounts.append(model)
        return models.ListConnectedAccountsResponse(
            connected_accounts=accounts,
            next_page_token=account_page_token(rows[size - 1]) if len(rows) > size else None,
            total_size=len(accounts),
        )

    # --- the link --------------------------------------------------------------------------

    async def authorization_link(
        self,
        *,
        identifier: str | None,
        connection_name: str | None,
        connected_account_id: str | None,
        state: str | None,
        user_verify_url: str | None,
    ) -> models.AuthorizationLink:
        """A link to send the user (the account is created pending if it is new)."""
        if connected_account_id is not None:
            connection, account = await self.find(
                connection_name=connection_name,
                identifier=identifier,
                connected_account_id=connected_account_id,
            )
        else:
            if not identifier:
                raise ToolInputError(
                    "identifier is required (your id for the user).", field="identifier"
                )
            connection = await self._connections.row(connection_name)
            account = await self.ensure(connection, identifier, api_config=None)
        link = await self._lifecycle.authorization_link(
            connection, account, state=state, user_verify_url=user_verify_url
        )
        return models.AuthorizationLink(link=link.url, expiry=link.expiry)

    # --- changing --------------------------------------------------------------------------

    async def create(
        self,
        connection_name: str,
        identifier: str,
        *,
        authorization_details: JSONObject | None,
        api_config: JSONObject | None,
        exists_ok: bool,
    ) -> models.ConnectedAccountResponse:
        """The account for ``identifier`` (created pending; ``exists_ok=False``: it must be
        new), activated with the token in ``authorization_details`` if one is given."""
        connection = await self._connections.row(connection_name)
        if not exists_ok:
            existing = await q.get_account(
                self._db, connection_id=connection.id, identifier=identifier
            )
            if existing is not None:
                raise ConflictError(
                    f"{identifier!r} already has a connected account on {connection.name!r}; "
                    "use get_or_create_connected_account or update_connected_account."
                )
        account = await self.ensure(connection, identifier, api_config=api_config)
        if authorization_details:
            account = await self._import(connection, account, authorization_details)
        return await self.response(account, connection)

    async def update(
        self,
        connection_name: str,
        identifier: str,
        *,
        authorization_details: JSONObject | None,
        api_config: JSONObject | None,
    ) -> models.ConnectedAccountResponse:
        connection, account = await self.find(
            connection_name=connection_name, identifier=identifier
        )
        if api_config is not None:
            account = await q.update_account(
                self._db, account_id=account.id, now=self._clock.now(), api_config=api_config
            )
            await self._on_change()
        if authorization_details:
            account = await self._import(connection, account, authorization_details)
        return await self.response(account, connection)

    async def _import(
        self, connection: ConnectionRow, account: AccountRow, details: JSONObject
    ) -> AccountRow:
        oauth_token = details.get("oauth_token")
        token = oauth_token.get("access_token") if isinstance(oauth_token, dict) else None
        if not isinstance(token, str) or not token:
            raise ToolInputError(
                'authorization_details must be {"oauth_token": {"access_token": "..."}}.',
                field="authorization_details",
            )
        return await self._lifecycle.import_token(connection, account, SecretStr(token))

    async def delete(self, connection: ConnectionRow, account: AccountRow) -> None:
        """Revoke the token at the provider (best effort) and forget the account."""
        await self._lifecycle.revoke_at_provider(connection, account)
        await q.delete_account(self._db, account_id=account.id)
        await self._on_change()

    async def disconnect(
        self, connection: ConnectionRow, account: AccountRow
    ) -> models.ConnectedAccountResponse:
        """Revoke the token at the provider (best effort) and drop it: ``DISCONNECTED``."""
        await self._lifecycle.revoke_at_provider(connection, account)
        await q.delete_credential(self._db, account_id=account.id)
        account = await q.update_account(
            self._db,
            account_id=account.id,
            now=self._clock.now(),
            status=AccountStatus.DISCONNECTED,
        )
        await self._on_change()
        return await self.response(account, connection)

    # --- secrets a provider shows once -----------------------------------------------------

    async def keep_secret(self, account: AccountRow, name: str, secret: str) -> None:
        """Seal and keep a secret the provider shows once (a webhook's signing secret)."""
        await q.put_account_secret(
            self._db,
            account_id=account.id,
            name=name,
            secret_sealed=self._credentials.seal_account_secret(account.id, name, secret),
            now=self._clock.now(),
        )

    async def secret(self, name: str, *, identifier: str, connection_name: str | None) -> SecretStr:
        _, account = await self.find(connection_name=connection_name, identifier=identifier)
        sealed = await q.get_account_secret(self._db, account_id=account.id, name=name)
        if sealed is None:
            raise NotFoundError(f"No secret {name!r} is kept for {identifier!r}.")
        return self._credentials.account_secret(account.id, name, sealed)
