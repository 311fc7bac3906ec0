"""``McpAuthorization``: the gateway as the OAuth 2.1 authorization server of its own MCP
endpoint, with Attio as the way the user signs in.

It implements the ``mcp`` package's ``OAuthAuthorizationServerProvider`` (whose handlers
serve ``/authorize``, ``/token``, ``/register`` and ``/revoke``) and adds what those lack:
the consent step and the Attio sign-in between ``/authorize`` and the code.

::

    MCP client ─▶ /authorize ─▶ authorize(): checked (resource, redirect URI, PKCE S256),
                                stored ─▶ consent page (client name, redirect host, scopes)
    accept ─▶ a sign-in account (placeholder) + the connection's Attio authorization link
           ─▶ Attio consent ─▶ /sso/v1/oauth/{connection}/callback (grant parked)
           ─▶ finish(): the grant activates the account of workspace + member, the
              placeholder goes, a code bound to that account is issued
           ─▶ redirect_uri?code&state&iss
    /token ─▶ access token (short-lived) + refresh token (rotated on every use)

Only SHA-256 hashes of codes and tokens are stored; a DCR client's secret is sealed by
the vault. Tokens are audience-bound to the ``resource`` of the authorization request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from attio_gateway.clock import Clock
from attio_gateway.errors import NotFoundError, OAuthFlowError
from attio_gateway.mcp_auth.cimd import ClientMetadataDocuments, is_metadata_url
from attio_gateway.oauth import flow
from attio_gateway.oauth.lifecycle import Lifecycle
from attio_gateway.oauth.states import AccountStatus
from attio_gateway.storage import Database
from attio_gateway.storage import queries as q
from attio_gateway.storage.queries import mcp_auth as mq
from attio_gateway.storage.records import AccountRow, ConnectionRow
from attio_gateway.vault.credentials import Credentials

__all__ = [
    "ACCESS_TOKEN_TTL",
    "REFRESH_TOKEN_TTL",
    "Consent",
    "McpAuthorization",
    "account_identifier",
    "redirect_uri_allowed",
]

ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
#: From /authorize to the Attio sign-in's end.
REQUEST_TTL = timedelta(minutes=15)
CODE_TTL = timedelta(minutes=5)
#: Recognisable in logs and secret scanners; the random parts carry 256 bits.
ACCESS_PREFIX = "agma_"
REFRESH_PREFIX = "agmr_"
CODE_PREFIX = "agmc_"
#: The placeholder account a sign-in uses until Attio says who signed in.
SIGNIN_PREFIX = "mcp-signin:"
#: The identifiers of accounts an MCP sign-in binds (``attio:<workspace>:<member>``).
ACCOUNT_PREFIX = "attio:"
#: Where Attio's callback sends the user back to (the app's "verification page").
RETURN_PATH = "/mcp-auth/attio-return"
CONSENT_PATH = "/mcp-auth/consent"
MCP_PATH = "/mcp"

_LOOPBACK_NAMES = {"localhost"}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirect_uri_allowed(uri: str) -> bool:
    """https, or http on a loopback address (RFC 8252 §7.3); never a fragment."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname)


def account_identifier(info: flow.Introspection) -> str:
    """The identifier of the connected account an MCP sign-in acts as: Attio's workspace
    and member, so one person in one workspace is one account whichever client they use.

    Raises:
        OAuthFlowError: Attio did not say which workspace and member signed in.
    """
    if not info.workspace_id or not info.member_id:
        raise OAuthFlowError(
            "invalid_grant", "Attio did not say which workspace and member signed in."
        )
    return f"{ACCOUNT_PREFIX}{info.workspace_id}:{info.member_id}"


@dataclass(frozen=True)
class Consent:
    """What the consent page shows."""

    request_id: str
    client_id: str
    client_name: str | None
    redirect_uri: str
    redirect_host: str
    loopback_only: bool
    registered_dynamically: bool
    connection_name: str
    scopes: list[str]
    resource: str
    #: The account this browser signed in as before, while it is ACTIVE: the user may
    #: continue as it without Attio's consent page.
    known_account_id: str | None = None
    known_workspace: str | None = None


class McpAuthorization:
    """The OAuth authorization server of the MCP endpoint, for one gateway process."""

    def __init__(
        self,
        *,
        db: Database,
        credentials: Credentials,
        clock: Clock,
        lifecycle: Lifecycle,
        base_url: str,
        http: httpx.AsyncClient,
        metadata_private_networks: bool = False,
    ) -> None:
        self._db = db
        self._documents = ClientMetadataDocuments(
            http=http,
            redirect_allowed=redirect_uri_allowed,
            allow_private_networks=metadata_private_networks,
            monotonic=clock.monotonic,
        )
        self._credentials = credentials
        self._clock = clock
        self._lifecycle = lifecycle
        #: RFC 8414 issuer: the public base URL, exactly (no trailing slash).
        self.issuer = base_url.rstrip("/")
        #: RFC 9728 resource: the exact public URL of the MCP endpoint.
        self.resource = self.issuer + MCP_PATH

    # --- clients -------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        """A client registered here (DCR), or the one an https ``client_id`` publishes
        (its Client ID Metadata Document)."""
        if is_metadata_url(client_id):
            return await self._documents.client(client_id)
        if len(client_id) > 255:
            return None
        row = await mq.get_client(self._db, client_id=client_id)
        if row is None:
            return None
        secret = (
            self._credentials.mcp_client_secret(client_id, row.client_secret_sealed)
            if row.client_secret_sealed
            else None
        )
        return OAuthClientInformationFull.model_validate(
            {
                **row.info,
                "client_secret": secret.get_secret_value() if secret else None,
            }
        )

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        """Dynamic Client Registration (RFC 7591): redirect URIs https or loopback only.

        Raises:
            RegistrationError: a redirect URI that is not allowed, or a name too long.
        """
        for uri in client_info.redirect_uris or []:
            if not redirect_uri_allowed(str(uri)):
                raise RegistrationError(
                    "invalid_redirect_uri",
                    f"redirect_uri {str(uri)!r} is refused: only https, or http on a loopback "
                    "address (127.0.0.1, [::1], localhost), without a fragment.",
                )
        if client_info.client_name is not None and len(client_info.client_name) > 200:
            raise RegistrationError(
                "invalid_client_metadata", "client_name is over 200 characters."
            )
        info = client_info.model_dump(mode="json", exclude_none=True)
        secret = info.pop("client_secret", None)
        sealed = (
            self._credentials.seal_mcp_client_secret(client_info.client_id, secret)
            if secret
            else None
        )
        await mq.put_client(
            self._db,
            client_id=client_info.client_id,
            info=info,
            client_secret_sealed=sealed,
            now=self._clock.now(),
        )

    # --- /authorize ----------------------------------------------------------------------

    def _resource_of(self, requested: str | None) -> str:
        if not requested:
            raise AuthorizeError(
                "invalid_target",
                f"resource is required (RFC 8707): the MCP server's URL, {self.resource}.",
            )
        if requested.rstrip("/") != self.resource:
            raise AuthorizeError(
                "invalid_target",
                f"resource {requested!r} is not served here; this server is {self.resource}.",
            )
        return self.resource

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        """Check and keep the request; the user goes on to the consent page.

        Raises:
            AuthorizeError: no or another ``resource``; a redirect URI not allowed.
        """
        resource = self._resource_of(params.resource)
        if not redirect_uri_allowed(str(params.redirect_uri)):
            raise AuthorizeError("invalid_request", "redirect_uri must be https or loopback.")
        if len(params.state or "") > 500 or len(params.code_challenge) > 128:
            raise AuthorizeError("invalid_request", "state or code_challenge is too long.")
        request_id = secrets.token_urlsafe(32)
        now = self._clock.now()
        if is_metadata_url(client.client_id):
            # Known from its document: kept as a row, so its tokens name a known client.
            await mq.keep_client(
                self._db,
                client_id=client.client_id,
                info=client.model_dump(mode="json", exclude_none=True),
                now=now,
            )
        await mq.create_request(
            self._db,
            request_id=request_id,
            client_id=client.client_id,
            params={
                "redirect_uri": str(params.redirect_uri),
                "redirect_uri_provided_explicitly": params.redirect_uri_provided_explicitly,
                "code_challenge": params.code_challenge,
                "state": params.state,
                "scopes": params.scopes or [],
                "resource": resource,
            },
            now=now,
            expires_at=now + REQUEST_TTL,
        )
        await self.purge()
        return f"{self.issuer}{CONSENT_PATH}?request={request_id}"

    async def purge(self) -> None:
        """Forget requests past their deadline, and the sign-in placeholders of those
        abandoned on the way (Attio's consent denied or never answered)."""
        now = self._clock.now()
        for row in await mq.expired_requests(self._db, now=now):
            if row.signin_account_id is None:
                continue
            account = await q.get_account(self._db, account_id=row.signin_account_id)
            if account is not None and account.identifier.startswith(SIGNIN_PREFIX):
                await q.delete_account(self._db, account_id=account.id)
        await mq.delete_expired_requests(self._db, now=now, used_before=now - REFRESH_TOKEN_TTL)

    # --- consent and the Attio sign-in ---------------------------------------------------

    async def _open_request(self, request_id: str) -> mq.McpRequestRow:
        row = await mq.get_request(self._db, request_id=request_id[:100])
        if row is None or row.expires_at <= self._clock.now():
            raise OAuthFlowError(
                "invalid_request",
                "This authorization request is unknown or has expired; start again from "
                "the MCP client.",
            )
        return row

    async def _connection(self) -> ConnectionRow:
        """The connection MCP users sign in through: the one named ``attio``, else the
        only one."""
        named = await q.get_connection(self._db, name="attio")
        if named is not None:
            return named
        every = await q.list_connections(self._db)
        if len(every) == 1:
            return every[0]
        raise NotFoundError(
            "No connection to sign in with: create one named 'attio' "
            "(`attio-gateway connections create`)."
        )

    async def known_account(self, account_id: str | None) -> AccountRow | None:
        """The account an earlier MCP sign-in in this browser bound, if it may still act
        (ACTIVE, on the sign-in connection); ``None`` otherwise."""
        if not account_id:
            return None
        account = await q.get_account(self._db, account_id=account_id[:36])
        if (
            account is None
            or account.status != AccountStatus.ACTIVE
            or not account.identifier.startswith(ACCOUNT_PREFIX)
        ):
            return None
        connection = await self._connection()
        return account if account.connection_id == connection.id else None

    async def consent(self, request_id: str, *, known_account_id: str | None = None) -> Consent:
        """What the consent page names (with the account this browser signed in as
        before, ``known_account_id``, when it may still act).

        Raises:
            OAuthFlowError: unknown, expired or already answered request.
            NotFoundError: no connection to sign in with.
        """
        row = await self._open_request(request_id)
        if row.consented_at is not None:
            raise OAuthFlowError("invalid_request", "This request was already answered.")
        client = await self.get_client(row.client_id)
        if client is None:
            raise OAuthFlowError("invalid_request", "The client of this request is gone.")
        connection = await self._connection()
        known = await self.known_account(known_account_id)
        uris = [str(uri) for uri in client.redirect_uris or []]
        redirect = str(row.params["redirect_uri"])
        return Consent(
            request_id=row.id,
            client_id=client.client_id,
            client_name=client.client_name,
            redirect_uri=redirect,
            redirect_host=urlsplit(redirect).netloc,
            loopback_only=bool(uris)
            and all(_is_loopback(urlsplit(uri).hostname or "") for uri in uris),
            registered_dynamically=not is_metadata_url(client.client_id),
            connection_name=connection.name,
            scopes=list(connection.scopes),
            resource=str(row.params["resource"]),
            known_account_id=known.id if known else None,
            known_workspace=(known.workspace_name or known.workspace_id) if known else None,
        )

    async def accept(self, request_id: str) -> str:
        """The user accepted: the Attio authorization link they go through next.

        Raises:
            OAuthFlowError: unknown, expired or already answered request.
            NotFoundError: no connection to sign in with.
        """
        row = await self._open_request(request_id)
        if row.consented_at is not None:
            raise OAuthFlowError("invalid_request", "This request was already answered.")
        connection = await self._connection()
        now = self._clock.now()
        placeholder = await q.create_account(
            self._db,
            connection_id=connection.id,
            identifier=SIGNIN_PREFIX + secrets.token_urlsafe(24),
            status=AccountStatus.PENDING_AUTH,
            now=now,
        )
        if not await mq.mark_consented(
            self._db, request_id=row.id, signin_account_id=placeholder.id, now=now
        ):
            await q.delete_account(self._db, account_id=placeholder.id)
            raise OAuthFlowError("invalid_request", "This request was already answered.")
        link = await self._lifecycle.authorization_link(
            connection, placeholder, state=row.id, user_verify_url=self.issuer + RETURN_PATH
        )
        return link.url

    async def accept_as(self, request_id: str, account_id: str) -> str:
        """The user accepted as the account they signed in as before in this browser
        (still ACTIVE): the code is issued at once, without Attio's consent page.

        Raises:
            OAuthFlowError: unknown, expired or answered request; an account that may no
                longer act (sign in with Attio again).
        """
        row = await self._open_request(request_id)
        account = await self.known_account(account_id)
        if account is None:
            raise OAuthFlowError(
                "login_required", "That Attio account must sign in again; start over."
            )
        if not await mq.mark_consented(
            self._db, request_id=row.id, signin_account_id=None, now=self._clock.now()
        ):
            raise OAuthFlowError("invalid_request", "This request was already answered.")
        return await self._code_for(row, account)

    async def deny(self, request_id: str) -> str:
        """The user refused: where to send them (the client's redirect URI with
        ``error=access_denied``). The request is forgotten.

        Raises:
            OAuthFlowError: unknown, expired or already answered request.
        """
        row = await self._open_request(request_id)
        if row.consented_at is not None:
            raise OAuthFlowError("invalid_request", "This request was already answered.")
        await mq.delete_request(self._db, request_id=row.id)
        return construct_redirect_uri(
            str(row.params["redirect_uri"]),
            error="access_denied",
            error_description="The user refused access.",
            state=row.params.get("state"),
            iss=self.issuer,
        )

    async def sign_in_failed(self, attio_state: str, error: str) -> str | None:
        """Attio's callback failed (the user denied on Attio's page, or the exchange was
        refused) for the link ``attio_state``: when that link was an MCP sign-in still
        waiting, the request is forgotten (with its placeholder) and the client's redirect
        URI with ``error`` is returned, so the client is not left waiting. ``None`` for
        any other link."""
        link = await q.get_authorization_request(self._db, state=attio_state[:128])
        if (
            link is None
            or link.user_verify_url != self.issuer + RETURN_PATH
            or not link.redirect_after
        ):
            return None
        row = await mq.get_request(self._db, request_id=link.redirect_after)
        if row is None or row.code_hash is not None or row.signin_account_id != link.account_id:
            return None
        placeholder = await q.get_account(self._db, account_id=link.account_id)
        if placeholder is not None and placeholder.identifier.startswith(SIGNIN_PREFIX):
            await q.delete_account(self._db, account_id=placeholder.id)
        await mq.delete_request(self._db, request_id=row.id)
        denied = error == "access_denied"
        return construct_redirect_uri(
            str(row.params["redirect_uri"]),
            error="access_denied" if denied else "server_error",
            error_description="The user refused access on Attio's page."
            if denied
            else "The sign-in with Attio failed.",
            state=row.params.get("state"),
            iss=self.issuer,
        )

    async def finish(self, auth_request_id: str, request_id: str) -> tuple[str, str]:
        """Back from Attio: the grant parked under ``auth_request_id`` activates the
        account of the workspace and member who signed in, and a code bound to that
        account is issued. Returns the client's redirect URI with ``code``, ``state`` and
        ``iss``, and the account's id.

        Raises:
            OAuthFlowError: the request or the grant is unknown, used or expired, or Attio
                did not say who signed in.
        """
        row = await self._open_request(request_id)
        if row.consented_at is None or row.signin_account_id is None or row.code_hash:
            raise OAuthFlowError("invalid_request", "This request is not waiting for Attio.")
        placeholder = await q.get_account(self._db, account_id=row.signin_account_id)
        if placeholder is None:
            raise OAuthFlowError("invalid_request", "This sign-in was already completed.")

        async def account_for(connection: ConnectionRow, info: flow.Introspection) -> AccountRow:
            account, _ = await q.upsert_account(
                self._db,
                connection_id=connection.id,
                identifier=account_identifier(info),
                status=AccountStatus.PENDING_AUTH,
                now=self._clock.now(),
            )
            return account

        try:
            account = await self._lifecycle.activate_parked(
                auth_request_id, placeholder.identifier, account_for=account_for
            )
        finally:
            await q.delete_account(self._db, account_id=placeholder.id)
        return await self._code_for(row, account), account.id

    async def _code_for(self, row: mq.McpRequestRow, account: AccountRow) -> str:
        """Issue the request's code, bound to ``account``; the client's redirect URI with
        ``code``, ``state`` and ``iss``."""
        code = CODE_PREFIX + secrets.token_urlsafe(32)
        if not await mq.issue_code(
            self._db,
            request_id=row.id,
            account_id=account.id,
            code_hash=_hash(code),
            code_expires_at=self._clock.now() + CODE_TTL,
        ):
            raise OAuthFlowError("invalid_request", "A code was already issued for this request.")
        return construct_redirect_uri(
            str(row.params["redirect_uri"]),
            code=code,
            state=row.params.get("state"),
            iss=self.issuer,
        )

    # --- /token --------------------------------------------------------------------------

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        if not authorization_code.startswith(CODE_PREFIX):
            return None
        row = await mq.get_request_by_code(self._db, code_hash=_hash(authorization_code))
        if row is None or row.client_id != client.client_id or row.account_id is None:
            return None
        if row.used_at is not None:
            # A replayed code: the tokens it gave are revoked (RFC 6749 §4.1.2).
            await mq.revoke_grant(self._db, grant_id=row.id, now=self._clock.now())
            return None
        assert row.code_expires_at is not None
        params = row.params
        return AuthorizationCode(
            code=authorization_code,
            scopes=list(params["scopes"]),
            expires_at=row.code_expires_at.timestamp(),
            client_id=row.client_id,
            code_challenge=str(params["code_challenge"]),
            redirect_uri=params["redirect_uri"],
            redirect_uri_provided_explicitly=bool(params["redirect_uri_provided_explicitly"]),
            resource=str(params["resource"]),
            subject=row.account_id,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        code_hash = _hash(authorization_code.code)
        row = await mq.get_request_by_code(self._db, code_hash=code_hash)
        now = self._clock.now()
        if row is None or not await mq.consume_code(self._db, code_hash=code_hash, now=now):
            if row is not None:
                await mq.revoke_grant(self._db, grant_id=row.id, now=now)
            raise TokenError("invalid_grant", "authorization code was already used")
        assert authorization_code.subject is not None and authorization_code.resource
        return await self._issue(
            grant_id=row.id,
            client_id=client.client_id,
            account_id=authorization_code.subject,
            scopes=authorization_code.scopes,
            resource=authorization_code.resource,
        )

    async def _issue(
        self, *, grant_id: str, client_id: str, account_id: str, scopes: list[str], resource: str
    ) -> OAuthToken:
        now = self._clock.now()
        access = ACCESS_PREFIX + secrets.token_urlsafe(32)
        refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
        for token, kind, ttl in (
            (access, "access", ACCESS_TOKEN_TTL),
            (refresh, "refresh", REFRESH_TOKEN_TTL),
        ):
            await mq.create_token(
                self._db,
                token_hash=_hash(token),
                kind=kind,
                grant_id=grant_id,
                client_id=client_id,
                account_id=account_id,
                scopes=scopes,
                resource=resource,
                now=now,
                expires_at=now + ttl,
            )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=int(ACCESS_TOKEN_TTL.total_seconds()),
            scope=" ".join(scopes) or None,
            refresh_token=refresh,
        )

    async def _token_row(self, token: str, kind: str, prefix: str) -> mq.McpTokenRow | None:
        if not token.startswith(prefix) or len(token) > 200:
            return None
        row = await mq.get_token(self._db, token_hash=_hash(token))
        if row is None or row.kind != kind:
            return None
        return row

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        row = await self._token_row(refresh_token, "refresh", REFRESH_PREFIX)
        if row is None or row.client_id != client.client_id:
            return None
        now = self._clock.now()
        if row.revoked_at is not None:
            # A rotated refresh token used again: someone holds a copy; end the grant.
            await mq.revoke_grant(self._db, grant_id=row.grant_id, now=now)
            return None
        if row.expires_at <= now:
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=row.client_id,
            scopes=list(row.scopes),
            expires_at=int(row.expires_at.timestamp()),
            resource=row.resource,
            subject=row.account_id,
        )

    async def exchange_refresh_token(
        self,
        client: OAuthClientInformationFull,
        refresh_token: RefreshToken,
        scopes: list[str],
    ) -> OAuthToken:
        row = await self._token_row(refresh_token.token, "refresh", REFRESH_PREFIX)
        now = self._clock.now()
        if row is None or not await mq.revoke_token(self._db, token_hash=row.token_hash, now=now):
            raise TokenError("invalid_grant", "refresh token was already used")
        return await self._issue(
            grant_id=row.grant_id,
            client_id=client.client_id,
            account_id=row.account_id,
            scopes=scopes,
            resource=row.resource,
        )

    # --- bearer tokens at /mcp, revocation -----------------------------------------------

    async def load_access_token(self, token: str) -> AccessToken | None:
        row = await self._token_row(token, "access", ACCESS_PREFIX)
        if row is None or row.revoked_at is not None or row.expires_at <= self._clock.now():
            return None
        return AccessToken(
            token=token,
            client_id=row.client_id,
            scopes=list(row.scopes),
            expires_at=int(row.expires_at.timestamp()),
            resource=row.resource,
            subject=row.account_id,
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        """Revoke the whole authorization the token belongs to (its access and refresh
        tokens alike)."""
        prefix = ACCESS_PREFIX if isinstance(token, AccessToken) else REFRESH_PREFIX
        kind = "access" if isinstance(token, AccessToken) else "refresh"
        row = await self._token_row(token.token, kind, prefix)
        if row is not None:
            await mq.revoke_grant(self._db, grant_id=row.grant_id, now=self._clock.now())

    async def tokens(
        self, *, account_id: str | None = None, client_id: str | None = None
    ) -> list[mq.McpTokenRow]:
        """Issued tokens (hashes only), per account or per client."""
        return await mq.list_tokens(self._db, account_id=account_id, client_id=client_id)

    async def revoke_grant(self, grant_id: str) -> int:
        return await mq.revoke_grant(self._db, grant_id=grant_id, now=self._clock.now())
