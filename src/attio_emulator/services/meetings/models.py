"""Meetings (API-NOTES §16): find-or-create by ``external_ref``, cursor-paginated listing."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attio_emulator.core.clock import new_id, parse_timestamp
from attio_emulator.core.errors import not_found, validation_error
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.wire import public
from attio_emulator.services.objects.models import get_object
from attio_emulator.services.records.models import get_record

STATUSES = ("accepted", "tentative", "declined", "pending")


def _table(state: EmulatorState) -> Any:
    return state.store.table("meetings")


def _moment(value: Any, key: str, all_day: bool) -> Document:
    if all_day:
        if not isinstance(value, dict) or not isinstance(value.get("date"), str):
            raise validation_error(f'{key} of an all-day meeting must be {{"date": "YYYY-MM-DD"}}.')
        try:
            date.fromisoformat(value["date"])
        except ValueError:
            raise validation_error(
                f"{key}.date must be YYYY-MM-DD, got {value['date']!r}."
            ) from None
        return {"date": value["date"]}
    if not isinstance(value, dict) or not isinstance(value.get("datetime"), str):
        raise validation_error(f'{key} must be {{"datetime": ISO-8601, "timezone": IANA name}}.')
    try:
        parse_timestamp(value["datetime"])
    except ValueError:
        raise validation_error(f"{key}.datetime is not ISO-8601: {value['datetime']!r}.") from None
    zone = value.get("timezone")
    if zone is not None:
        _zone(zone, f"{key}.timezone")
    return {"datetime": value["datetime"], "timezone": zone}


def _zone(name: Any, key: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise validation_error(f"{key} must be an IANA time zone, got {name!r}.") from None


def _instant(moment: Document, zone: ZoneInfo) -> datetime:
    """A start/end as an instant; all-day dates are midnight in ``zone``."""
    if "date" in moment:
        return datetime.fromisoformat(moment["date"]).replace(tzinfo=zone).astimezone(UTC)
    return parse_timestamp(moment["datetime"])


def _participants(value: Any) -> list[Document]:
    if not isinstance(value, list):
        raise validation_error("participants must be a list.")
    result = []
    for n, p in enumerate(value):
        ok = (
            isinstance(p, dict)
            and isinstance(p.get("email_address"), str)
            and isinstance(p.get("is_organizer"), bool)
            and p.get("status") in STATUSES
        )
        if not ok:
            raise validation_error(
                f"participants[{n}] must be {{email_address, is_organizer, status}} "
                f"with status one of {', '.join(STATUSES)}."
            )
        result.append(
            {
                "status": p["status"],
                "is_organizer": p["is_organizer"],
                "email_address": p["email_address"],
            }
        )
    return result


def _linked(state: EmulatorState, value: Any) -> list[Document]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise validation_error("linked_records must be a list.")
    result = []
    for n, link in enumerate(value):
        if not isinstance(link, dict):
            raise validation_error(f"linked_records[{n}] must be {{object, record_id}}.")
        obj = get_object(state, str(link.get("object")))
        record = get_record(state, obj, str(link.get("record_id")))
        result.append(
            {
                "object_slug": obj["api_slug"],
                "object_id": obj["id"]["object_id"],
                "record_id": record["id"]["record_id"],
            }
        )
    return result


def _external_key(value: Any) -> str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("ical_uid"), str):
        if value.get("provider") not in ("google", "microsoft"):
            raise validation_error('external_ref.provider must be "google" or "microsoft".')
        return f"{value['provider']}:{value['ical_uid']}:{value.get('original_start_time') or ''}"
    raise validation_error("external_ref must be a string or {ical_uid, provider, is_recurring}.")


def find_or_create(state: EmulatorState, data: dict[str, Any], actor: Document) -> Document:
    for key in (
        "title",
        "description",
        "start",
        "end",
        "is_all_day",
        "participants",
        "external_ref",
    ):
        if key not in data:
            raise validation_error(f"{key} is required.")
    key = _external_key(data["external_ref"])
    existing = next((m for m in _table(state) if m["_external_ref"] == key), None)
    if existing is not None:
        return public(existing)
    if not isinstance(data["title"], str) or not isinstance(data["description"], str):
        raise validation_error("title and description must be strings.")
    all_day = data["is_all_day"]
    if not isinstance(all_day, bool):
        raise validation_error("is_all_day must be a boolean.")
    start = _moment(data["start"], "start", all_day)
    end = _moment(data["end"], "end", all_day)
    if _instant(end, ZoneInfo("UTC")) < _instant(start, ZoneInfo("UTC")):
        raise validation_error("end must not be before start.")
    meeting_id = new_id()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "meeting_id": meeting_id},
        "title": data["title"],
        "description": data["description"],
        "is_all_day": all_day,
        "start": start,
        "end": end,
        "participants": _participants(data["participants"]),
        "linked_records": _linked(state, data.get("linked_records")),
        "created_at": state.clock.timestamp(),
        "created_by_actor": actor,
        "_external_ref": key,
    }
    _table(state).put(meeting_id, doc)
    return public(doc)


def get_meeting(state: EmulatorState, meeting_id: str) -> Document:
    doc: Document | None = _table(state).get(meeting_id)
    if doc is None:
        raise not_found(f'Meeting with ID "{meeting_id}" not found.')
    return public(doc)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise validation_error(f"cursor is not a cursor this API returned: {cursor!r}.")


T = TypeVar("T")


def cursor_page(items: list[T], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """The page of ``items`` that ``cursor`` points at, and the cursor of the next page."""
    offset = decode_cursor(cursor) if cursor else 0
    more = offset + limit < len(items)
    return items[offset : offset + limit], encode_cursor(offset + limit) if more else None


def list_meetings(
    state: EmulatorState,
    *,
    limit: int,
    cursor: str | None,
    linked_object: str | None,
    linked_record_id: str | None,
    participants: str | None,
    sort: str | None,
    ends_from: str | None,
    starts_before: str | None,
    timezone: str | None,
) -> tuple[list[Document], str | None]:
    zone = _zone(timezone or "UTC", "timezone")
    meetings = [public(m) for m in _table(state)]
    if (linked_object is None) != (linked_record_id is None):
        raise validation_error("linked_object and linked_record_id must be given together.")
    if linked_object is not None:
        obj = get_object(state, linked_object)
        meetings = [
            m
            for m in meetings
            if any(
                link["object_id"] == obj["id"]["object_id"]
                and link["record_id"] == linked_record_id
                for link in m["linked_records"]
            )
        ]
    if participants:
        emails = {e.strip().lower() for e in participants.split(",") if e.strip()}
        meetings = [
            m
            for m in meetings
            if emails & {(p["email_address"] or "").lower() for p in m["participants"]}
        ]
    for name, text in (("ends_from", ends_from), ("starts_before", starts_before)):
        if text is None:
            continue
        try:
            bound = parse_timestamp(text)
        except ValueError:
            raise validation_error(f"{name} must be an ISO-8601 timestamp, got {text!r}.") from None
        if name == "ends_from":
            meetings = [m for m in meetings if _instant(m["end"], zone) >= bound]
        else:
            meetings = [m for m in meetings if _instant(m["start"], zone) < bound]
    if sort not in (None, "start_asc", "start_desc"):
        raise validation_error(f'sort must be "start_asc" or "start_desc", got {sort!r}.')
    meetings.sort(key=lambda m: _instant(m["start"], zone), reverse=sort == "start_desc")
    return cursor_page(meetings, cursor, limit)
