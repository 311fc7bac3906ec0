"""Ids and time as Attio writes them: UUID v4 strings, ISO-8601 UTC with 9 fractional digits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    return str(uuid.uuid4())


class Clock:
    """The emulator's clock; tests may freeze or move it with ``set``."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen or datetime.now(UTC)

    def set(self, moment: datetime | None) -> None:
        self._frozen = moment

    def timestamp(self) -> str:
        return format_timestamp(self.now())


def format_timestamp(moment: datetime) -> str:
    """``2026-03-02T09:15:41.208000000Z`` — Attio's nine fractional digits."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z"


def parse_timestamp(text: str) -> datetime:
    """Any ISO-8601 timestamp (``Z`` or offset, up to 9 fractional digits) → aware UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python keeps microseconds only: cut nanosecond digits before parsing.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        rest = tail
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest}" if digits else f"{head}{rest}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
