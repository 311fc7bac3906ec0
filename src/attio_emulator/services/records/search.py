"""``POST /v2/objects/records/search``: fuzzy search over record labels (API-NOTES §10)."""

from __future__ import annotations

from typing import Any

from attio_emulator.core import values
from attio_emulator.core.errors import validation_error, value_not_found
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.core.wire import int_param
from attio_emulator.services.objects.models import get_attribute, get_object
from attio_emulator.services.records.models import records_of

_LABEL = {
    "people": "name",
    "companies": "name",
    "deals": "name",
    "users": "user_id",
    "workspaces": "name",
}


def _strings(record: Document, attribute: Document | None, field: str) -> list[str]:
    if attribute is None:
        return []
    return [str(v[field]) for v in values.current(record, attribute) if v.get(field)]


def _maybe(state: EmulatorState, object_id: str, slug: str) -> Document | None:
    try:
        return get_attribute(state, object_id, slug)
    except Exception:
        return None


def search(state: EmulatorState, body: dict[str, Any]) -> list[Document]:
    query = body.get("query")
    if not isinstance(query, str):
        raise validation_error("query is required and must be a string.")
    if len(query) > 256:
        raise validation_error("query must be at most 256 characters.")
    objects = body.get("objects")
    if not isinstance(objects, list) or not objects:
        raise validation_error("objects is required: an array of at least one object slug or id.")
    request_as = body.get("request_as")
    if not isinstance(request_as, dict) or request_as.get("type") not in (
        "workspace",
        "workspace-member",
    ):
        raise validation_error(
            'request_as is required: {"type": "workspace"} or {"type": "workspace-member", …}.'
        )
    if request_as["type"] == "workspace-member":
        members = state.store.table("workspace_members")
        member_id = request_as.get("workspace_member_id")
        email = request_as.get("email_address")
        if not any(
            m["id"]["workspace_member_id"] == member_id or m.get("email_address") == email
            for m in members
        ):
            raise value_not_found("request_as names no workspace member of this workspace.")
    limit = int_param(body.get("limit"), "limit", default=25, minimum=1, maximum=25)
    needle = query.strip().lower()
    results: list[Document] = []
    for ref in objects:
        obj = get_object(state, str(ref))
        object_id = obj["id"]["object_id"]
        label_attr = _maybe(state, object_id, _LABEL.get(obj["api_slug"], "name"))
        label_field = (
            "full_name" if label_attr and label_attr["type"] == "personal-name" else ("value")
        )
        emails = _maybe(state, object_id, "email_addresses")
        phones = _maybe(state, object_id, "phone_numbers")
        domains = _maybe(state, object_id, "domains")
        for record in records_of(state, object_id):
            label = (_strings(record, label_attr, label_field) or [""])[0]
            item_emails = _strings(record, emails, "email_address")
            item_phones = _strings(record, phones, "phone_number")
            item_domains = _strings(record, domains, "domain")
            haystack = [label, *item_emails, *item_phones, *item_domains]
            if needle and not any(needle in h.lower() for h in haystack):
                continue
            item: Document = {
                "id": record["id"],
                "record_text": label,
                "record_image": None,
                "object_slug": obj["api_slug"],
            }
            if obj["api_slug"] == "people":
                item["email_addresses"] = item_emails
                item["phone_numbers"] = item_phones
            if obj["api_slug"] == "companies":
                item["domains"] = item_domains
            results.append(item)
            if len(results) >= limit:
                return results
    return results
