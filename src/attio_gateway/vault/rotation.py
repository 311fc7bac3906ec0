"""Re-seal every stored secret under the key ring's newest key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from attio_gateway.errors import ConfigurationError
from attio_gateway.storage.database import Database
from attio_gateway.storage.sealed import SealedLocation, reseal_all, sealed_locations
from attio_gateway.vault import purposes
from attio_gateway.vault.keyring import KeyRing, Sealed

__all__ = ["RotationReport", "rotate"]


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    #: table → rows whose sealed values were re-sealed (0: none needed it).
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def rotate(db: Database, keyring: KeyRing) -> RotationReport:
    """Unseal every sealed value the tables hold (``storage.sealed``) with whichever key
    sealed it and seal it again with the newest, so afterwards no row needs an older key.

    All in one transaction: a value no key can open raises and nothing is changed. A
    sealed location without known associated data (``purposes.BY_LOCATION``) is refused
    before anything is read.
    """
    unknown = [loc.name for loc in sealed_locations() if loc.name not in purposes.BY_LOCATION]
    if unknown:
        raise ConfigurationError(
            "Vault rotation does not know the associated data of "
            f"{', '.join(unknown)}: add it to attio_gateway.vault.purposes.BY_LOCATION."
        )

    def reseal(location: SealedLocation, row: Mapping[str, Any], text: str) -> str:
        purpose = purposes.BY_LOCATION[location.name](row)
        return keyring.reseal(Sealed.from_text(text), purpose=purpose).to_text()

    rows = await reseal_all(db, reseal=reseal)
    return RotationReport(key_id=keyring.current_key_id, rows=rows)
