"""The gateway's signature on what it posts to an app, and the check of Attio's on what
Attio posts to the gateway.

The gateway's scheme (``SIGNATURE_HEADER``)::

    X-Attio-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is inside the signed text, so an app can refuse an old delivery replayed
to it (``verify`` takes a tolerance, five minutes by default). Several ``v1=`` values may
be given (during a secret change); one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "SIGNATURE_HEADER",
    "TOLERANCE_SECONDS",
    "attio_signature_valid",
    "sign",
    "signature_header",
    "verify",
]

SIGNATURE_HEADER = "X-Attio-Gateway-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body`` keyed by ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The value of ``SIGNATURE_HEADER`` for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={sign(secret, body, timestamp)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    now: float,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Is ``header`` the gateway's signature of ``body`` with ``secret``, made within
    ``tolerance`` seconds of ``now``? For apps receiving the gateway's deliveries."""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def attio_signature_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Is ``signature`` (Attio's ``Attio-Signature`` header) the hex HMAC-SHA256 of the raw
    ``body`` keyed by the webhook's ``secret``? Compared in constant time."""
    if not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())
