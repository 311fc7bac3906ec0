"""Attribute values: the write forms Attio accepts per type, and the shapes it reads back.

``normalize(...)`` turns whatever a client wrote for one attribute into a list of value
bodies (the type's fields only); ``render(...)`` turns a stored value into Attio's read
shape, embedding full option and status objects. Records and list entries both use it.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from attio_emulator.core.clock import format_timestamp, parse_timestamp
from attio_emulator.core.errors import AttioError, validation_error, value_not_found
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document

LOCATION_KEYS = (
    "line_1",
    "line_2",
    "line_3",
    "line_4",
    "locality",
    "region",
    "postcode",
    "country_code",
    "latitude",
    "longitude",
)
#: The field a filter shorthand or a sort without ``field`` uses, per type.
MAIN_FIELD = {
    "text": "value",
    "number": "value",
    "checkbox": "value",
    "currency": "currency_value",
    "date": "value",
    "timestamp": "value",
    "rating": "value",
    "status": "status",
    "select": "option",
    "record-reference": "target_record_id",
    "actor-reference": "referenced_actor_id",
    "location": "locality",
    "domain": "domain",
    "email-address": "email_address",
    "phone-number": "phone_number",
    "personal-name": "full_name",
    "interaction": "interacted_at",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Hostname-ish, as leniently as Attio stores them: labels of letters (any script), digits,
#: ``-`` and ``_`` (an observed Attio response holds ``tc_ec07_base-test-….com``; strict DNS
#: hostnames forbid ``_``), and a top-level label that is not all digits.
_DOMAIN = re.compile(r"^(?=.{1,253}$)([\w-]{1,63}\.)+(?!\d+$)[\w-]{2,63}$")


def _bad(attribute: Document, message: str) -> AttioError:
    return validation_error(f'Invalid value for attribute "{attribute["api_slug"]}": {message}')


def _unwrap(raw: Any, key: str, allowed: tuple[str, ...], attribute: Document) -> Any:
    """``{"value": x}`` → x for closed input objects; a bare primitive passes through."""
    if isinstance(raw, dict):
        extra = set(raw) - set(allowed) - {"attribute_type"}
        if extra:
            raise _bad(attribute, f"unexpected key(s) {sorted(extra)}; expected {list(allowed)}.")
        if key not in raw:
            raise _bad(attribute, f'expected an object with "{key}".')
        return raw[key]
    return raw


def _root_domain(domain: str) -> str:
    parts = domain.split(".")
    two_level = {"co.uk", "com.au", "co.jp", "com.br", "co.nz", "org.uk", "co.in"}
    if len(parts) >= 3 and ".".join(parts[-2:]) in two_level:
        root = ".".join(parts[-3:])
    else:
        root = ".".join(parts[-2:])
    return domain if root == domain else root  # one string when they agree


def _number(value: Any, attribute: Document, *, what: str = "a number") -> float | int:
    if isinstance(value, bool):
        raise _bad(attribute, f"expected {what}, got a boolean.")
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise _bad(attribute, f"expected {what}, got {value!r}.") from None
        return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    if isinstance(value, int | float):
        return value
    raise _bad(attribute, f"expected {what}, got {value!r}.")


def normalize_one(state: EmulatorState, attribute: Document, raw: Any) -> dict[str, Any]:
    """One written value → its stored fields (without history metadata)."""
    type_ = attribute["type"]
    if type_ == "text":
        value = _unwrap(raw, "value", ("value",), attribute)
        if not isinstance(value, str):
            raise _bad(attribute, f"expected a string, got {value!r}.")
        return {"value": value}
    if type_ == "number":
        return {"value": _number(_unwrap(raw, "value", ("value",), attribute), attribute)}
    if type_ == "checkbox":
        value = _unwrap(raw, "value", ("value",), attribute)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise _bad(attribute, f"expected true or false, got {value!r}.")
        return {"value": value}
    if type_ == "currency":
        value = _number(
            _unwrap(raw, "currency_value", ("currency_value",), attribute),
            attribute,
            what="a currency amount",
        )
        if round(float(value), 4) != float(value):
            raise _bad(attribute, "currency values have at most 4 decimal places.")
        code = attribute["config"]["currency"]["default_currency_code"] or "USD"
        return {"currency_value": value, "currency_code": code}
    if type_ == "date":
        value = _unwrap(raw, "value", ("value",), attribute)
        if not isinstance(value, str):
            raise _bad(attribute, f"expected a date string YYYY-MM-DD, got {value!r}.")
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
            else:
                day = parse_timestamp(value).date()
        except ValueError:
            raise _bad(attribute, f"expected a date YYYY-MM-DD, got {value!r}.") from None
        return {"value": day.isoformat()}
    if type_ == "timestamp":
        value = _unwrap(raw, "value", ("value",), attribute)
        if not isinstance(value, str):
            raise _bad(attribute, f"expected an ISO-8601 timestamp, got {value!r}.")
        try:
            text = value.strip()
            # Attio coerces partial inputs ("2023", "2023-01", "2023-01-02"), UTC assumed.
            if re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
                text += "-01" * (2 - text.count("-"))
                moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            else:
                moment = parse_timestamp(text)
        except ValueError:
            raise _bad(attribute, f"expected an ISO-8601 timestamp, got {value!r}.") from None
        return {"value": format_timestamp(moment)}
    if type_ == "rating":
        value = _number(_unwrap(raw, "value", ("value",), attribute), attribute)
        if float(value) not in (0, 1, 2, 3, 4, 5):
            raise _bad(attribute, f"a rating is an integer from 0 to 5, got {value!r}.")
        return {"value": int(value)}
    if type_ == "status":
        return _choice(state, attribute, _unwrap(raw, "status", ("status",), attribute), "status")
    if type_ == "select":
        return _choice(state, attribute, _unwrap(raw, "option", ("option",), attribute), "option")
    if type_ == "record-reference":
        return _reference(state, attribute, raw)
    if type_ == "actor-reference":
        return _actor(state, attribute, raw)
    if type_ == "location":
        return _location(attribute, raw)
    if type_ == "domain":
        value = raw.get("domain") if isinstance(raw, dict) else raw
        if not isinstance(value, str):
            raise _bad(attribute, f'expected a domain string or {{"domain": …}}, got {raw!r}.')
        domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.strip().lower())
        domain = re.split(r"[/?#]", domain)[0].rsplit("@", 1)[-1]
        domain = re.sub(r":\d*$", "", domain).rstrip(".").removeprefix("www.")
        if not _DOMAIN.match(domain):
            raise _bad(attribute, f"{value!r} is not a valid domain.")
        return {"domain": domain, "root_domain": _root_domain(domain)}
    if type_ == "email-address":
        value = raw.get("email_address") if isinstance(raw, dict) else raw
        if not isinstance(value, str) or not _EMAIL.match(value.strip()):
            raise _bad(attribute, f"{value!r} is not a valid email address.")
        original = value.strip()
        lowered = original.lower()
        email = original if lowered == original else lowered  # one string when they agree
        local, _, domain = email.partition("@")
        return {
            "original_email_address": original,
            "email_address": email,
            "email_domain": domain,
            "email_root_domain": _root_domain(domain),
            "email_local_specifier": local.split("+")[0],
        }
    if type_ == "phone-number":
        return _phone(attribute, raw)
    if type_ == "personal-name":
        return _name(attribute, raw)
    raise validation_error(f'Attribute "{attribute["api_slug"]}" of type {type_} is not writable.')


def _choice(state: EmulatorState, attribute: Document, ref: Any, key: str) -> dict[str, Any]:
    from attio_emulator.services.objects.models import find_option, find_status

    if not isinstance(ref, str):
        raise _bad(attribute, f"expected a {key} title or id, got {ref!r}.")
    finder = find_status if key == "status" else find_option
    found = finder(state, attribute, ref)
    if found is None or found["is_archived"]:
        raise value_not_found(f'Cannot find {key} "{ref}" on attribute "{attribute["api_slug"]}".')
    id_key = "status_id" if key == "status" else "option_id"
    return {f"_{id_key}": found["id"][id_key]}


def _reference(state: EmulatorState, attribute: Document, raw: Any) -> dict[str, Any]:
    from attio_emulator.services.objects.models import get_object

    allowed = attribute["config"]["record_reference"]["allowed_object_ids"]
    objects = state.store.table("objects")
    if isinstance(raw, str):
        # A bare string is matched on the single allowed object's natural key (API-NOTES §6).
        if len(allowed) != 1:
            raise _bad(attribute, "a bare string needs an attribute that allows one object.")
        target = objects.get(allowed[0])
        natural = {
            "companies": ("domains", "domain"),
            "people": ("email_addresses", "email_address"),
            "users": ("user_id", "value"),
            "workspaces": ("workspace_id", "value"),
        }
        if target is None or target["api_slug"] not in natural:
            raise _bad(attribute, "expected {target_object, target_record_id}.")
        slug, field = natural[target["api_slug"]]
        record = _find_by_unique(state, target, slug, field, raw.strip().lower())
        if record is None:
            raise value_not_found(
                f'No {target["api_slug"]} record matches "{raw}" for "{attribute["api_slug"]}".'
            )
        return {"target_object": target["api_slug"], "target_record_id": record["id"]["record_id"]}
    if not isinstance(raw, dict):
        raise _bad(attribute, f"expected {{target_object, target_record_id}}, got {raw!r}.")
    if "target_object" not in raw:
        raise _bad(attribute, 'record references need "target_object" (an object slug or id).')
    target = get_object(state, str(raw["target_object"]))
    if target["id"]["object_id"] not in allowed:
        raise _bad(attribute, f'records of "{target["api_slug"]}" are not allowed here.')
    record_id = raw.get("target_record_id")
    if record_id is None:
        matchers = {k: v for k, v in raw.items() if k not in ("target_object", "attribute_type")}
        if len(matchers) != 1:
            raise _bad(attribute, 'give "target_record_id" or exactly one unique attribute.')
        slug, values = next(iter(matchers.items()))
        record = None
        for value in values if isinstance(values, list) else [values]:
            from attio_emulator.services.objects.models import get_attribute

            matcher = get_attribute(state, target["id"]["object_id"], slug)
            body = normalize_one(state, matcher, value)
            field = MAIN_FIELD[matcher["type"]]
            record = _find_by_unique(state, target, slug, field, body[field])
        if record is None:
            raise value_not_found(f"No {target['api_slug']} record matches {matchers}.")
        record_id = record["id"]["record_id"]
    record = state.store.table("records").get(str(record_id))
    if record is None or record["id"]["object_id"] != target["id"]["object_id"]:
        raise value_not_found(
            f'Record "{record_id}" of "{target["api_slug"]}" referenced by '
            f'"{attribute["api_slug"]}" does not exist.'
        )
    return {"target_object": target["api_slug"], "target_record_id": str(record_id)}


def _find_by_unique(
    state: EmulatorState, target: Document, slug: str, field: str, wanted: Any
) -> Document | None:
    from attio_emulator.services.objects.models import get_attribute

    attribute = get_attribute(state, target["id"]["object_id"], slug)
    for record in state.store.table("records"):
        if record["id"]["object_id"] != target["id"]["object_id"]:
            continue
        for value in history(record, attribute):
            if value["active_until"] is None and value.get(field) == wanted:
                return record
    return None


def _actor(state: EmulatorState, attribute: Document, raw: Any) -> dict[str, Any]:
    members = state.store.table("workspace_members")
    if isinstance(raw, str) or (isinstance(raw, dict) and "workspace_member_email_address" in raw):
        email = raw if isinstance(raw, str) else raw["workspace_member_email_address"]
        member = next(
            (m for m in members if str(m.get("email_address", "")).lower() == str(email).lower()),
            None,
        )
        if member is None:
            raise value_not_found(f'No workspace member has the email address "{email}".')
        return {
            "referenced_actor_type": "workspace-member",
            "referenced_actor_id": member["id"]["workspace_member_id"],
        }
    if not isinstance(raw, dict):
        raise _bad(attribute, f"expected a workspace member reference, got {raw!r}.")
    kind = raw.get("referenced_actor_type")
    actor_id = raw.get("referenced_actor_id")
    if kind != "workspace-member":
        raise _bad(attribute, 'referenced_actor_type must be "workspace-member".')
    if not isinstance(actor_id, str) or members.get(actor_id) is None:
        raise value_not_found(f'Workspace member "{actor_id}" not found.')
    return {"referenced_actor_type": "workspace-member", "referenced_actor_id": actor_id}


def _location(attribute: Document, raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        return _location_from_text(attribute, raw)
    if not isinstance(raw, dict):
        raise _bad(attribute, f"expected a location object or string, got {raw!r}.")
    keys = set(raw) - {"attribute_type"}
    missing = [k for k in LOCATION_KEYS if k not in keys]
    extra = sorted(keys - set(LOCATION_KEYS))
    if missing or extra:
        raise _bad(
            attribute,
            f"a location object needs all ten keys {list(LOCATION_KEYS)} (null allowed); "
            f"missing {missing}, unexpected {extra}.",
        )
    body = {k: raw[k] for k in LOCATION_KEYS}
    for key in ("latitude", "longitude"):
        if body[key] is not None:
            body[key] = str(body[key])
    if body["country_code"] is not None:
        body["country_code"] = str(body["country_code"]).upper()
    return body


def _location_from_text(attribute: Document, raw: str) -> dict[str, Any]:
    """``"1 Infinite Loop, Cupertino, CA, 95014, US"`` read from the end: a two-letter last
    part is the country, then a part with a digit the postcode; a first part starting with a
    digit is the street line; of the rest the last two are locality and region (one alone is
    the locality) and any before them are further address lines."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise _bad(attribute, "an empty location string.")
    body: dict[str, Any] = dict.fromkeys(LOCATION_KEYS)
    if len(parts) >= 2 and len(parts[-1]) == 2 and parts[-1].isalpha():
        body["country_code"] = parts.pop().upper()
    if len(parts) >= 2 and any(c.isdigit() for c in parts[-1]):
        body["postcode"] = parts.pop()
    lines: list[str] = []
    if len(parts) >= 2 and parts[0][:1].isdigit():
        lines.append(parts.pop(0))
    if len(parts) > 2:
        lines += parts[:-2]
        parts = parts[-2:]
    if len(lines) > 4:
        raise _bad(attribute, f"more than four address lines in {raw!r}.")
    for number, line in enumerate(lines, start=1):
        body[f"line_{number}"] = line
    if parts:
        body["locality"] = parts[0]
    if len(parts) > 1:
        body["region"] = parts[1]
    return body


def _phone(attribute: Document, raw: Any) -> dict[str, Any]:
    """E.164 number and country via libphonenumber's metadata (the ``phonenumbers`` port):
    a number's own region when its prefix tells (``+1 416…`` → CA), else the calling code's
    main country (``+1 555…`` → US, never the alphabetically first)."""
    if isinstance(raw, dict):
        original = raw.get("original_phone_number")
        country = raw.get("country_code")
    else:
        original, country = raw, None
    if not isinstance(original, str) or not original.strip():
        raise _bad(attribute, f"expected a phone number string, got {original!r}.")
    if country is not None and not isinstance(country, str):
        raise _bad(attribute, f"country_code must be a two-letter code, got {country!r}.")
    region = country.upper() if country else None
    if region is None and not re.sub(r"[^\d+]", "", original).startswith("+"):
        raise _bad(attribute, f"{original!r} needs a leading + or a country_code.")
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise _bad(attribute, f"unsupported country code {country!r}.")
    try:
        parsed = phonenumbers.parse(original, region)
    except phonenumbers.NumberParseException:
        raise _bad(attribute, f"{original!r} is not a valid phone number.") from None
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not re.fullmatch(r"\+\d{7,15}", number):
        raise _bad(attribute, f"{original!r} is not a valid phone number.")
    if region is None:
        calling_code = parsed.country_code or 0
        region = phonenumbers.region_code_for_number(
            parsed
        ) or phonenumbers.region_code_for_country_code(calling_code)
        if region in (phonenumbers.UNKNOWN_REGION, "001"):  # "001": non-geographic codes
            region = None
    return {
        "original_phone_number": original,
        "phone_number": number,
        "country_code": region,
    }


def _name(attribute: Document, raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        last, sep, first = raw.partition(",")
        first_name, last_name = (first.strip(), last.strip()) if sep else (raw.strip(), "")
        full = " ".join(p for p in (first_name, last_name) if p)
        return {"first_name": first_name, "last_name": last_name, "full_name": full}
    if not isinstance(raw, dict):
        raise _bad(attribute, f"expected {{first_name, last_name, full_name}}, got {raw!r}.")
    first_name = raw.get("first_name") or ""
    last_name = raw.get("last_name") or ""
    full = raw.get("full_name") or " ".join(p for p in (first_name, last_name) if p)
    for key, value in (("first_name", first_name), ("last_name", last_name), ("full_name", full)):
        if not isinstance(value, str):
            raise _bad(attribute, f"{key} must be a string.")
    return {"first_name": first_name, "last_name": last_name, "full_name": full}


def normalize(state: EmulatorState, attribute: Document, raw: Any) -> list[dict[str, Any]]:
    """Everything written for one attribute → value bodies (an empty list clears)."""
    if not attribute["is_writable"]:
        raise AttioError(
            400,
            "invalid_request_error",
            "system_edit_unauthorized",
            f'Attribute "{attribute["api_slug"]}" is a read-only system attribute.',
        )
    if raw is None:
        return []
    if isinstance(raw, list):
        if not attribute["is_multiselect"] and len(raw) > 1:
            raise _bad(attribute, "this attribute takes a single value, got several.")
        items = raw
    else:
        items = [raw]
    return [normalize_one(state, attribute, item) for item in items]


#: Orders values stored in the same instant (``_seq``, never rendered): a write's values
#: are prepended to the history as a group, so their position alone cannot tell.
_stored_sequence = itertools.count()


#: The keys ``stored`` adds to a value body: history metadata, not part of the value.
HISTORY_KEYS = frozenset(
    {"active_from", "active_until", "created_by_actor", "attribute_type", "_seq"}
)

#: Properties whose strings repeat across records (a domain, a country, a first name): one
#: shared string each instead of a copy per value (``sys.intern``; freed when unused).
_SHARED_STRINGS = frozenset(
    {
        "email_domain",
        "email_root_domain",
        "root_domain",
        "country_code",
        "first_name",
        "last_name",
        "full_name",
        "currency_code",
        "target_object",
        "referenced_actor_type",
    }
)


def stored(body: dict[str, Any], attribute: Document, actor: dict[str, Any], now: str) -> Document:
    """A value body with Attio's history metadata, ready to keep on a record or entry (put
    it into a history with ``prepend``)."""
    value = {"active_from": now, "active_until": None, "created_by_actor": actor}
    for key, item in body.items():
        value[key] = sys.intern(item) if key in _SHARED_STRINGS and type(item) is str else item
    value["attribute_type"] = attribute["type"]
    return value


#: System attributes whose one value is the record's own id, creation time or creator. They
#: are not stored on each record (three values fewer per record: about 850 bytes) but derived
#: on read by ``history`` from the record's ``id``, ``created_at`` and ``_actor`` (who
#: created it).
DERIVED = frozenset({"record_id", "created_at", "created_by"})


def is_derived(attribute: Document) -> bool:
    return attribute["api_slug"] in DERIVED and bool(attribute.get("is_system_attribute"))


def history(row: Document, attribute: Document) -> list[Document]:
    """Every stored value of ``attribute`` on ``row`` (a record or an entry), newest first;
    for ``record_id``, ``created_at`` and ``created_by`` of a record that does not store
    them, the one value Attio shows, made from the record itself."""
    stored: list[Document] | None = row["values"].get(attribute["id"]["attribute_id"])
    if stored is not None:
        return stored
    if "_actor" not in row or not is_derived(attribute):
        return []
    actor = row["_actor"]
    value: Document = {"active_from": row["created_at"], "active_until": None}
    value["created_by_actor"] = actor
    slug = attribute["api_slug"]
    if slug == "created_by":
        value["referenced_actor_type"] = actor["type"]
        value["referenced_actor_id"] = actor["id"]
    else:
        value["value"] = row["id"]["record_id"] if slug == "record_id" else row["created_at"]
    value["attribute_type"] = attribute["type"]
    return [value]


def own_scalar(attribute: Document, field: str) -> Callable[[Document], str] | None:
    """For ``record_id``/``created_at`` sorted on ``value``: the key straight from a record
    that derives the value (``history``), so a sort over 100k records builds no values."""
    if field != "value" or not is_derived(attribute):
        return None
    if attribute["api_slug"] == "record_id":
        return lambda row: str(row["id"]["record_id"])
    if attribute["api_slug"] == "created_at":
        return lambda row: str(row["created_at"])
    return None


def current(row: Document, attribute: Document) -> list[Document]:
    """The current values of ``attribute`` on ``row`` (``history`` without ended ones)."""
    return [v for v in history(row, attribute) if v["active_until"] is None]


def prepended(held: list[Document], new: list[Document]) -> list[Document]:
    """``prepend`` into a new list of exactly the needed size (a list grown in place keeps
    room for more: 88 bytes for one value instead of 64). Store it in place of ``held``."""
    mark_order(held, new)
    return new + held


def mark_order(held: list[Document], new: list[Document]) -> None:
    """Give ``new`` values ``_seq`` where their instant alone cannot order them in ``held``
    (see ``prepend``)."""
    if len(new) > 1 or (new and any(v["active_from"] == new[0]["active_from"] for v in held)):
        for value in new:
            value["_seq"] = next(_stored_sequence)


def prepend(held: list[Document], new: list[Document]) -> None:
    """Put values written together at the front of a history (which is newest first).

    A value carries ``_seq`` (its place in write order) only where its instant alone cannot
    order it: one of several written together, or written in the instant of a value the
    history already holds. Most values need none, which keeps them small (a value with five
    keys takes 184 bytes, with six 272).
    """
    mark_order(held, new)
    held[:0] = new


def oldest_first(history: list[Document]) -> list[Document]:
    """A stored history in Attio's historic order: oldest first, values written in the same
    instant (several writes, or a multiselect's values in one) in the order written."""
    return sorted(history, key=lambda v: (v["active_from"], v.get("_seq", -1)))


def body_of(value: Document) -> dict[str, Any]:
    """A stored value without its history metadata: a body that can be written again."""
    return {k: v for k, v in value.items() if k not in HISTORY_KEYS}


def same_value(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two stored values say the same thing (history metadata and the address as originally
    typed ignored).

    Either side may be a fresh body from ``normalize`` (no metadata, no ``attribute_type``).
    """
    ignored = HISTORY_KEYS | {"original_email_address", "original_phone_number"}
    return {k: v for k, v in a.items() if k not in ignored} == {
        k: v for k, v in b.items() if k not in ignored
    }


def render(state: EmulatorState, value: Document) -> Document:
    """A stored value in Attio's read shape (options and statuses embedded in full)."""
    out = {k: v for k, v in value.items() if not k.startswith("_")}
    if "_option_id" in value:
        option = state.store.table("select_options").get(value["_option_id"])
        out["option"] = option
    if "_status_id" in value:
        status = state.store.table("statuses").get(value["_status_id"])
        out["status"] = status
    return out


def field_value(state: EmulatorState, value: Document, field: str) -> Any:
    """The comparable value of ``field`` in a stored value (titles for options/statuses)."""
    if field == "option":
        option = state.store.table("select_options").get(value.get("_option_id", ""))
        return option["title"] if option else None
    if field == "status":
        status = state.store.table("statuses").get(value.get("_status_id", ""))
        return status["title"] if status else None
    return value.get(field)


def choice_ids(value: Document) -> set[str]:
    return {value[k] for k in ("_option_id", "_status_id") if k in value}


__all__ = [
    "LOCATION_KEYS",
    "MAIN_FIELD",
    "choice_ids",
    "field_value",
    "normalize",
    "render",
    "same_value",
    "stored",
]
