"""``Credentials``: the only code that seals and unseals what the gateway stores.

Plain values are ``SecretStr`` (``Tokens`` for an access token and its refresh token);
sealed values are the ``key_id:base64`` text of a ``*_sealed`` column (``SealedTokens``
for a pair). Each method names what it converts and binds the associated data of that
kind of secret (``vault.purposes``), so a sealed value copied into another row or field
does not open there. Rotation (``vault.rotation``) re-seals the same locations from the
table definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from attio_gateway.storage.records import AuthorizationRequestRow, ConnectionRow, CredentialRow
from attio_gateway.vault import purposes
from attio_gateway.vault.keyring import KeyRing

__all__ = ["Credentials", "SealedTokens", "Tokens"]


@dataclass(frozen=True)
class Tokens:
    """Plain: an access token and, where the provider issues one, a refresh token."""

    access_token: SecretStr
    refresh_token: SecretStr | None = None


@dataclass(frozen=True)
class SealedTokens:
    """Sealed: the column texts of a ``Tokens`` pair, ready to store."""

    access_token_sealed: str = field(repr=False)
    refresh_token_sealed: str | None = field(default=None, repr=False)


class Credentials:
    """Seals and unseals every kind of stored secret under one ``KeyRing``.

    ``keyring`` may be replaced (a ring with a new key in front); what is sealed from
    then on uses it.

    Every ``unseal``-side method raises ``VaultError`` (``MissingKeyError`` or
    ``DecryptionError``) when the value cannot be opened.
    """

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    # --- a connection's client secret ------------------------------------------------------

    def seal_client_secret(self, connection_id: str, secret: SecretStr) -> str:
        return self.keyring.seal_text(secret, purpose=purposes.client_secret(connection_id))

    def client_secret(self, connection: ConnectionRow) -> SecretStr:
        return self.keyring.unseal_text(
            connection.client_secret_sealed, purpose=purposes.client_secret(connection.id)
        )

    # --- an account's tokens ---------------------------------------------------------------

    def _seal_pair(self, tokens: Tokens, access_purpose: str, refresh_purpose: str) -> SealedTokens:
        refresh = tokens.refresh_token
        return SealedTokens(
            access_token_sealed=self.keyring.seal_text(tokens.access_token, purpose=access_purpose),
            refresh_token_sealed=self.keyring.seal_text(refresh, purpose=refresh_purpose)
            if refresh
            else None,
        )

    def seal_tokens(self, account_id: str, tokens: Tokens) -> SealedTokens:
        return self._seal_pair(
            tokens, purposes.access_token(account_id), purposes.refresh_token(account_id)
        )

    def access_token(self, credential: CredentialRow) -> SecretStr:
        """The access token alone (the call path never needs the refresh token)."""
        return self.keyring.unseal_text(
            credential.access_token_sealed, purpose=purposes.access_token(credential.account_id)
        )

    def refresh_token(self, credential: CredentialRow) -> SecretStr | None:
        if not credential.refresh_token_sealed:
            return None
        return self.keyring.unseal_text(
            credential.refresh_token_sealed, purpose=purposes.refresh_token(credential.account_id)
        )

    def tokens(self, credential: CredentialRow) -> Tokens:
        return Tokens(self.access_token(credential), self.refresh_token(credential))

    # --- an authorization request: the PKCE verifier and a grant parked on it --------------

    def seal_code_verifier(self, state: str, verifier: str) -> str:
        return self.keyring.seal_text(verifier, purpose=purposes.code_verifier(state))

    def code_verifier(self, request: AuthorizationRequestRow) -> SecretStr | None:
        if not request.code_verifier_sealed:
            return None
        return self.keyring.unseal_text(
            request.code_verifier_sealed, purpose=purposes.code_verifier(request.state)
        )

    def seal_parked(self, state: str, tokens: Tokens) -> SealedTokens:
        """A grant waiting on its authorization request until the user is verified."""
        return self._seal_pair(
            tokens, purposes.pending_token(state), purposes.pending_refresh_token(state)
        )

    def parked(self, state: str, sealed: SealedTokens) -> Tokens:
        return Tokens(
            access_token=self.keyring.unseal_text(
                sealed.access_token_sealed, purpose=purposes.pending_token(state)
            ),
            refresh_token=self.keyring.unseal_text(
                sealed.refresh_token_sealed, purpose=purposes.pending_refresh_token(state)
            )
            if sealed.refresh_token_sealed
            else None,
        )

    # --- secrets a provider shows once, and the server's own -------------------------------

    def seal_account_secret(self, account_id: str, name: str, secret: SecretStr | str) -> str:
        return self.keyring.seal_text(
            secret, purpose=purposes.account_secret(f"{account_id}|{name}")
        )

    def account_secret(self, account_id: str, name: str, sealed: str) -> SecretStr:
        return self.keyring.unseal_text(
            sealed, purpose=purposes.account_secret(f"{account_id}|{name}")
        )

    def seal_mcp_client_secret(self, client_id: str, secret: SecretStr | str) -> str:
        return self.keyring.seal_text(secret, purpose=purposes.mcp_client_secret(client_id))

    def mcp_client_secret(self, client_id: str, sealed: str) -> SecretStr:
        return self.keyring.unseal_text(sealed, purpose=purposes.mcp_client_secret(client_id))

    def seal_server_secret(self, name: str, value: SecretStr | str) -> str:
        return self.keyring.seal_text(value, purpose=purposes.server_secret(name))

    def server_secret(self, name: str, sealed: str) -> SecretStr:
        return self.keyring.unseal_text(sealed, purpose=purposes.server_secret(name))

    # --- triggers: a workspace webhook's Attio secret, a subscription's signing secret -----

    def seal_trigger_webhook_secret(self, webhook_id: str, secret: SecretStr | str) -> str:
        return self.keyring.seal_text(secret, purpose=purposes.trigger_webhook_secret(webhook_id))

    def trigger_webhook_secret(self, webhook_id: str, sealed: str) -> SecretStr:
        return self.keyring.unseal_text(sealed, purpose=purposes.trigger_webhook_secret(webhook_id))

    def seal_trigger_subscription_secret(
        self, subscription_id: str, secret: SecretStr | str
    ) -> str:
        return self.keyring.seal_text(
            secret, purpose=purposes.trigger_subscription_secret(subscription_id)
        )

    def trigger_subscription_secret(self, subscription_id: str, sealed: str) -> SecretStr:
        return self.keyring.unseal_text(
            sealed, purpose=purposes.trigger_subscription_secret(subscription_id)
        )
