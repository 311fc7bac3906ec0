"""The token vault: the only code that sees plaintext tokens and client secrets.

Values are sealed with AES-GCM under the newest key of a ``KeyRing``; every ciphertext
carries the id of the key that sealed it, so older keys keep unsealing until
``attio-gateway vault rotate`` re-seals everything under the newest one.
"""

from attio_gateway.vault.keyring import KeyRing, Sealed, load_keyring

__all__ = ["KeyRing", "Sealed", "load_keyring"]
