"""Keys, sealing and unsealing.

A sealed value is ``Sealed(key_id, blob)`` where ``blob`` is a 12-byte random nonce
followed by the AES-GCM ciphertext and tag. The *purpose* (for example
``"credential:<account id>:access_token"``) is bound as associated data, so a sealed
value copied to another row or field does not unseal there.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from attio_gateway.config import Settings, private_dir, private_file
from attio_gateway.errors import ConfigurationError, DecryptionError, MissingKeyError

__all__ = [
    "KEY_FILE_NAME",
    "KeyRing",
    "Sealed",
    "key_file",
    "load_keyring",
    "new_key_text",
    "parse_key",
    "write_key_file",
]

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "vault.keys"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    """A sealed secret: the id of the key that sealed it and the opaque blob."""

    key_id: str
    blob: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r}, <{len(self.blob)} bytes>)"

    def to_text(self) -> str:
        """``key_id:base64`` — how a sealed value is stored in a text column."""
        return f"{self.key_id}:{base64.b64encode(self.blob).decode()}"

    @classmethod
    def from_text(cls, text: str) -> Sealed:
        key_id, sep, encoded = text.partition(":")
        try:
            if not sep or not key_id:
                raise ValueError("no key id")
            return cls(key_id, base64.b64decode(encoded, validate=True))
        except (ValueError, binascii.Error) as exc:
            raise DecryptionError(
                "A stored secret is malformed (expected 'key_id:base64'); "
                "the database row may have been edited by hand."
            ) from exc


@dataclass(frozen=True)
class _Key:
    key_id: str
    material: bytes = field(repr=False)


class KeyRing:
    """Several keys, newest first: the newest seals, all of them unseal.

    A ring read from a key file (``source``) follows that file: when it changes (``vault
    rotate`` puts a new key first), the next seal or unseal uses the keys it holds now, so
    a running gateway seals with the new key and opens what rotation re-sealed.
    """

    def __init__(
        self,
        keys: list[tuple[str, bytes]],
        *,
        source: Path | None = None,
        source_stamp: tuple[int, int, int] | None = None,
    ) -> None:
        self._keys = _checked(keys)
        self._source = source
        #: the key file's (inode, mtime, size) when ``keys`` were read from it.
        self._stamp = source_stamp

    def _current(self) -> list[_Key]:
        if self._source is not None:
            stamp = _stamp_of(self._source)
            if stamp is not None and stamp != self._stamp:
                self._reload(self._source, stamp)
        return self._keys

    def _reload(self, path: Path, stamp: tuple[int, int, int]) -> None:
        self._stamp = stamp  # a broken file is reported once, not on every call
        try:
            keys = _checked(_read_key_lines(path))
        except (OSError, UnicodeDecodeError, ConfigurationError) as exc:
            logger.warning(
                "The vault key file %s changed but cannot be used (%s); keeping the keys "
                "read before (%s).",
                path,
                getattr(exc, "message", exc),
                ", ".join(k.key_id for k in self._keys),
            )
            return
        self._keys = keys
        logger.info("Vault keys reloaded from %s: %s", path, ", ".join(self.key_ids))

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={self.key_ids!r})"

    @property
    def key_ids(self) -> list[str]:
        return [key.key_id for key in self._current()]

    @property
    def current_key_id(self) -> str:
        return self._current()[0].key_id

    def seal(self, plaintext: SecretStr | str, *, purpose: str) -> Sealed:
        value = plaintext.get_secret_value() if isinstance(plaintext, SecretStr) else plaintext
        key = self._current()[0]
        nonce = os.urandom(_NONCE_BYTES)
        blob = nonce + AESGCM(key.material).encrypt(nonce, value.encode(), purpose.encode())
        return Sealed(key.key_id, blob)

    def unseal(self, sealed: Sealed, *, purpose: str) -> SecretStr:
        key = next((k for k in self._current() if k.key_id == sealed.key_id), None)
        if key is None:
            raise MissingKeyError(
                f"No configured vault key has id {sealed.key_id!r} (configured: "
                f"{', '.join(self.key_ids)}). Add that key to ATTIO_GATEWAY_VAULT_KEYS "
                "or restore the key file it came from."
            )
        nonce, ciphertext = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
        try:
            plaintext = AESGCM(key.material).decrypt(nonce, ciphertext, purpose.encode())
        except InvalidTag as exc:
            raise DecryptionError(
                f"A secret sealed with vault key {key.key_id!r} failed authentication: "
                "it was tampered with, moved to another record, or the key material for "
                f"{key.key_id!r} is not the one that sealed it."
            ) from exc
        return SecretStr(plaintext.decode())

    def seal_text(self, plaintext: SecretStr | str, *, purpose: str) -> str:
        """``seal`` straight to the ``key_id:base64`` text a ``*_sealed`` column stores."""
        return self.seal(plaintext, purpose=purpose).to_text()

    def unseal_text(self, text: str, *, purpose: str) -> SecretStr:
        """``unseal`` a ``*_sealed`` column's text."""
        return self.unseal(Sealed.from_text(text), purpose=purpose)

    def reseal(self, sealed: Sealed, *, purpose: str) -> Sealed:
        """The same secret under the newest key (unchanged if it is already)."""
        if sealed.key_id == self.current_key_id:
            return sealed
        return self.seal(self.unseal(sealed, purpose=purpose), purpose=purpose)

    def with_new_key(self) -> tuple[KeyRing, str]:
        """A ring with a freshly generated key in front, and that key's ``id:base64`` text."""
        text = new_key_text()
        key_id, material = parse_key(text)
        ring = KeyRing([(key_id, material)] + [(k.key_id, k.material) for k in self._current()])
        return ring, text


def _checked(keys: list[tuple[str, bytes]]) -> list[_Key]:
    if not keys:
        raise ConfigurationError("The vault needs at least one key.")
    seen: set[str] = set()
    checked: list[_Key] = []
    for key_id, material in keys:
        if not key_id or ":" in key_id:
            raise ConfigurationError(f"Vault key id {key_id!r} must be non-empty, without ':'.")
        if key_id in seen:
            raise ConfigurationError(f"Vault key id {key_id!r} is configured twice.")
        if len(material) != 32:
            raise ConfigurationError(
                f"Vault key {key_id!r} must be 32 bytes (base64 of 32 random bytes), "
                f"got {len(material)}."
            )
        seen.add(key_id)
        checked.append(_Key(key_id, material))
    return checked


def _stamp_of(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed key file (``write_key_file`` replaces it: a new inode)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def _read_key_lines(path: Path) -> list[tuple[str, bytes]]:
    return [parse_key(line) for line in path.read_text().splitlines() if line.strip()]


def new_key_text() -> str:
    """A fresh random 256-bit key as ``key_id:base64key``."""
    return _key_text(f"k{secrets.token_hex(4)}", AESGCM.generate_key(bit_length=256))


def _key_text(key_id: str, material: bytes) -> str:
    return f"{key_id}:{base64.b64encode(material).decode()}"


def parse_key(text: str) -> tuple[str, bytes]:
    """``key_id:base64key`` → (id, 32 bytes); a clear error for anything else."""
    key_id, sep, encoded = text.strip().partition(":")
    if not sep or not key_id:
        raise ConfigurationError(
            "A vault key must look like 'key_id:base64key' (generate one with "
            "`attio-gateway vault new-key`)."
        )
    try:
        material = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ConfigurationError(f"Vault key {key_id!r} is not valid base64.") from exc
    return key_id, material


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


def load_keyring(settings: Settings, *, create: bool = True) -> KeyRing:
    """Keys from ``ATTIO_GATEWAY_VAULT_KEYS``, else from the data dir's key file.

    With neither, the embedded default generates a key into a 0600 key file (once).
    """
    if settings.vault_keys:
        return KeyRing([parse_key(key.get_secret_value()) for key in settings.vault_keys])
    path = key_file(settings)
    if path.exists():
        private_dir(path.parent)  # narrowed if an older version left them readable
        private_file(path)
        stamp = _stamp_of(path)  # before reading: a change meanwhile is read again later
        return KeyRing(_read_key_lines(path), source=path, source_stamp=stamp)
    if not create:
        raise ConfigurationError(
            f"No vault key: set ATTIO_GATEWAY_VAULT_KEYS or provide the key file {path}."
        )
    private_dir(path.parent)
    write_key_file(path, [new_key_text()])
    logger.warning(
        "Generated a new vault key in %s (mode 0600). Back it up: without it the stored "
        "credentials cannot be read.",
        path,
    )
    return load_keyring(settings, create=False)


def write_key_file(path: Path, lines: list[str]) -> None:
    """Write key lines to ``path`` readable by the owner only, replacing it atomically."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
