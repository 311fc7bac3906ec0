"""Re-seal every stored secret under the key ring's newest key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from attio_gateway.storage import queries
from attio_gateway.storage.database import Database
from attio_gateway.vault import purposes
from attio_gateway.vault.keyring import KeyRing, Sealed


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    connections: int
    credentials: int


def _reseal(keyring: KeyRing, text: str, purpose: str) -> str:
    return keyring.reseal(Sealed.from_text(text), purpose=purpose).to_text()


async def rotate(db: Database, keyring: KeyRing) -> RotationReport:
    """Unseal with whichever key sealed each value and seal again with the newest.

    Every secret is unsealed before anything is written, so a value no key can open stops
    the rotation before it changes anything.
    """
    now = datetime.now(UTC)
    connection_updates = [
        (row.id, _reseal(keyring, row.client_secret_sealed, purposes.client_secret(row.id)))
        for row in await queries.list_connections(db)
    ]
    credential_updates = [
        (
            row,
            _reseal(keyring, row.access_token_sealed, purposes.access_token(row.account_id)),
            _reseal(keyring, row.refresh_token_sealed, purposes.refresh_token(row.account_id))
            if row.refresh_token_sealed
            else None,
        )
        for row in await queries.list_credentials(db)
    ]
    for connection_id, sealed in connection_updates:
        await queries.update_connection(
            db, connection_id=connection_id, now=now, client_secret_sealed=sealed
        )
    for row, access, refresh in credential_updates:
        await queries.put_credential(
            db,
            account_id=row.account_id,
            access_token_sealed=access,
            refresh_token_sealed=refresh,
            expires_at=row.expires_at,
            now=now,
        )
    return RotationReport(
        key_id=keyring.current_key_id,
        connections=len(connection_updates),
        credentials=len(credential_updates),
    )
