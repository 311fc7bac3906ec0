"""Re-seal every stored secret under the key ring's newest key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from attio_gateway.storage import queries
from attio_gateway.storage.database import Database
from attio_gateway.vault import purposes
from attio_gateway.vault.keyring import KeyRing, Sealed

#: kind of sealed value (as ``queries.reseal_all`` names it) → its associated data.
_PURPOSES: dict[str, Callable[[str], str]] = {
    "client_secret": purposes.client_secret,
    "access_token": purposes.access_token,
    "refresh_token": purposes.refresh_token,
    "code_verifier": purposes.code_verifier,
    "account_secret": purposes.account_secret,
    "server_secret": purposes.server_secret,
}


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    connections: int
    credentials: int
    authorization_requests: int = 0
    account_secrets: int = 0
    server_secrets: int = 0


async def rotate(db: Database, keyring: KeyRing) -> RotationReport:
    """Unseal each value with whichever key sealed it and seal it again with the newest.

    All in one transaction: a value no key can open raises and nothing is changed.
    """

    def reseal(kind: str, row_key: str, text: str) -> str:
        purpose = _PURPOSES[kind](row_key)
        return keyring.reseal(Sealed.from_text(text), purpose=purpose).to_text()

    counts = await queries.reseal_all(db, reseal=reseal, now=datetime.now(UTC))
    return RotationReport(
        key_id=keyring.current_key_id,
        connections=counts.connections,
        credentials=counts.credentials,
        authorization_requests=counts.authorization_requests,
        account_secrets=counts.account_secrets,
        server_secrets=counts.server_secrets,
    )
