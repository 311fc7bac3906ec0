"""Which connections an API client may act on (``ApiClient.connections``), checked before
a route acts. A client without a list may use every connection; one with a list only those,
and when it names no connection while it has exactly one, that one is meant."""

from __future__ import annotations

from attio_gateway.errors import InvalidInputError
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.admin import ApiClient

__all__ = ["check_authorization_request", "connection_of_account", "connection_of_call"]


def connection_of_call(client: ApiClient, connection_name: str | None) -> str | None:
    """The connection name to act on for a call that names at most a connection (and a
    user by identifier): ``connection_name`` itself, checked, or the client's only one.

    Raises: PermissionDeniedError for a connection the client may not use; InvalidInputError
    when a client restricted to several names none."""
    if client.connections is None:
        return connection_name
    if connection_name is not None:
        client.require_connection(connection_name)
        return connection_name
    if len(client.connections) == 1:
        return client.connections[0]
    raise InvalidInputError(
        "This API client is restricted to the connections "
        f"{', '.join(repr(c) for c in client.connections)}: say which with connection_name.",
        field="connection_name",
    )


async def connection_of_account(
    gateway: AsyncGateway,
    client: ApiClient,
    *,
    connection_name: str | None,
    identifier: str | None,
    connected_account_id: str | None,
) -> str | None:
    """As ``connection_of_call``, for a call that may name the account by id: then the
    account's own connection is what is checked (whatever ``connection_name`` says).

    Raises: NotFoundError for an unknown account id; PermissionDeniedError; InvalidInputError."""
    if client.connections is None:
        return connection_name
    if connected_account_id is not None:
        # Only the id: whether it agrees with the identifier and connection name is the
        # call's own check, after this one.
        connection, _ = await gateway.find_account(connected_account_id=connected_account_id)
        client.require_connection(connection.name)
        return connection_name
    return connection_of_call(client, connection_name)


async def check_authorization_request(
    gateway: AsyncGateway, client: ApiClient, auth_request_id: str
) -> None:
    """The authorization request's connection must be one the client may use (an unknown
    id is left to the verification, which says so)."""
    if client.connections is None:
        return
    name = await gateway.authorization_request_connection(auth_request_id)
    if name is not None:
        client.require_connection(name)
