"""Tasks (API-NOTES §13): content ≤ 2000 characters, deadline, completion, assignees, links."""

from __future__ import annotations

from typing import Any

from attio_emulator.core import values
from attio_emulator.core.clock import format_timestamp, new_id, parse_timestamp
from attio_emulator.core.errors import not_found, validation_error, value_not_found
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document
from attio_emulator.services.members.models import get_member, list_members
from attio_emulator.services.objects.models import get_attribute, get_object
from attio_emulator.services.records.models import get_record, records_of
from attio_emulator.services.webhooks.models import emit

MAX_CONTENT = 2000


def _table(state: EmulatorState) -> Any:
    return state.store.table("tasks")


def _deadline(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return format_timestamp(parse_timestamp(value)) if isinstance(value, str) else None
    except ValueError:
        pass
    raise validation_error(f"deadline_at must be an ISO-8601 timestamp or null, got {value!r}.")


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise validation_error(f"{key} must be a boolean, got {value!r}.")
    return value


def _linked_records(state: EmulatorState, value: Any) -> list[Document]:
    if not isinstance(value, list):
        raise validation_error("linked_records must be a list.")
    result = []
    for n, link in enumerate(value):
        if not isinstance(link, dict) or not isinstance(link.get("target_object"), str):
            raise validation_error(f"linked_records[{n}].target_object is required.")
        obj = get_object(state, link["target_object"])
        if isinstance(link.get("target_record_id"), str):
            record = get_record(state, obj, link["target_record_id"])
        else:
            record = _find_by_matching_value(state, obj, link, n)
        result.append(
            {
                "target_object_id": obj["id"]["object_id"],
                "target_record_id": record["id"]["record_id"],
            }
        )
    return result


def _find_by_matching_value(
    state: EmulatorState, obj: Document, link: Document, n: int
) -> Document:
    """A link by a unique attribute's value, e.g. ``{"domains": [{"domain": "acme.com"}]}``."""
    matchers = {k: v for k, v in link.items() if k != "target_object"}
    if len(matchers) != 1:
        raise validation_error(
            f"linked_records[{n}] needs target_record_id or one matching attribute."
        )
    ((slug, wanted),) = matchers.items()
    wanted_values = wanted if isinstance(wanted, list) else [wanted]
    attribute = get_attribute(state, obj["id"]["object_id"], slug)
    for record in records_of(state, obj["id"]["object_id"]):
        stored = values.current(record, attribute)
        for item in wanted_values:
            probe = item if isinstance(item, dict) else {}
            if any(
                all(str(s.get(k)) == str(v) for k, v in probe.items()) or s.get("value") == item
                for s in stored
                if isinstance(s, dict)
            ):
                return record
    raise value_not_found(f"linked_records[{n}]: no {obj['api_slug']} record matches {slug}.")


def _assignees(state: EmulatorState, value: Any) -> list[Document]:
    if not isinstance(value, list):
        raise validation_error("assignees must be a list.")
    result = []
    for n, assignee in enumerate(value):
        if not isinstance(assignee, dict):
            raise validation_error(f"assignees[{n}] must be an object.")
        if "workspace_member_email_address" in assignee:
            email = str(assignee["workspace_member_email_address"]).lower()
            member = next(
                (m for m in list_members(state) if m["email_address"].lower() == email), None
            )
            if member is None:
                raise value_not_found(f'assignees[{n}]: no workspace member with email "{email}".')
        elif assignee.get("referenced_actor_type") == "workspace-member":
            member = get_member(state, str(assignee.get("referenced_actor_id")))
        else:
            raise validation_error(
                f"assignees[{n}] needs referenced_actor_type/referenced_actor_id "
                "or workspace_member_email_address."
            )
        result.append(
            {
                "referenced_actor_type": "workspace-member",
                "referenced_actor_id": member["id"]["workspace_member_id"],
            }
        )
    return result


def create_task(state: EmulatorState, data: dict[str, Any], actor: Document) -> Document:
    for key in ("content", "format", "deadline_at", "is_completed", "linked_records", "assignees"):
        if key not in data:
            raise validation_error(f"{key} is required.")
    content = data["content"]
    if not isinstance(content, str) or not content:
        raise validation_error("content must be a non-empty string.")
    if len(content) > MAX_CONTENT:
        raise validation_error(f"content must be at most {MAX_CONTENT} characters.")
    if data["format"] != "plaintext":
        raise validation_error(f'format must be "plaintext", got {data["format"]!r}.')
    completed = _bool(data["is_completed"], "is_completed")
    task_id = new_id()
    now = state.clock.timestamp()
    doc = {
        "id": {"workspace_id": state.workspace.workspace_id, "task_id": task_id},
        "content_plaintext": content,
        "deadline_at": _deadline(data["deadline_at"]),
        "is_completed": completed,
        "completed_at": now if completed else None,
        "linked_records": _linked_records(state, data["linked_records"]),
        "assignees": _assignees(state, data["assignees"]),
        "created_by_actor": actor,
        "created_at": now,
    }
    _table(state).put(task_id, doc)
    emit(state, "task.created", {"task_id": task_id}, actor)
    return doc


def get_task(state: EmulatorState, task_id: str) -> Document:
    doc: Document | None = _table(state).get(task_id)
    if doc is None:
        raise not_found(f'Task with ID "{task_id}" not found.')
    return doc


def update_task(
    state: EmulatorState, task_id: str, data: dict[str, Any], actor: Document
) -> Document:
    doc = dict(get_task(state, task_id))
    unknown = set(data) - {"deadline_at", "is_completed", "linked_records", "assignees"}
    if unknown:
        raise validation_error(
            f"Only deadline_at, is_completed, linked_records and assignees can be updated, "
            f"not {', '.join(sorted(unknown))}."
        )
    if "deadline_at" in data:
        doc["deadline_at"] = _deadline(data["deadline_at"])
    if "is_completed" in data:
        completed = _bool(data["is_completed"], "is_completed")
        if completed != doc["is_completed"]:
            doc["completed_at"] = state.clock.timestamp() if completed else None
        doc["is_completed"] = completed
    if "linked_records" in data:  # replaced, not merged
        doc["linked_records"] = _linked_records(state, data["linked_records"])
    if "assignees" in data:
        doc["assignees"] = _assignees(state, data["assignees"])
    _table(state).put(task_id, doc)
    emit(state, "task.updated", {"task_id": task_id}, actor)
    return doc


def delete_task(state: EmulatorState, task_id: str, actor: Document) -> None:
    get_task(state, task_id)
    _table(state).delete(task_id)
    emit(state, "task.deleted", {"task_id": task_id}, actor)


def list_tasks(
    state: EmulatorState,
    *,
    limit: int,
    offset: int,
    sort: str | None,
    linked_object: str | None,
    linked_record_id: str | None,
    assignee: str | None,
    is_completed: str | None,
    assignee_given: bool,
) -> list[Document]:
    tasks: list[Document] = _table(state).values()
    if (linked_object is None) != (linked_record_id is None):
        raise validation_error("linked_object and linked_record_id must be given together.")
    if linked_object is not None:
        object_id = get_object(state, linked_object)["id"]["object_id"]
        tasks = [
            t
            for t in tasks
            if {"target_object_id": object_id, "target_record_id": linked_record_id}
            in t["linked_records"]
        ]
    if assignee_given:
        if assignee in (None, "", "null"):
            tasks = [t for t in tasks if not t["assignees"]]
        else:
            wanted = str(assignee).lower()
            ids = {
                m["id"]["workspace_member_id"]
                for m in list_members(state)
                if wanted in (m["email_address"].lower(), m["id"]["workspace_member_id"])
            }
            tasks = [t for t in tasks if ids & {a["referenced_actor_id"] for a in t["assignees"]}]
    if is_completed is not None:
        if is_completed not in ("true", "false"):
            raise validation_error(f'is_completed must be "true" or "false", got {is_completed!r}.')
        tasks = [t for t in tasks if t["is_completed"] == (is_completed == "true")]
    if sort not in (None, "created_at:asc", "created_at:desc"):
        raise validation_error(f'sort must be "created_at:asc" or "created_at:desc", got {sort!r}.')
    tasks = sorted(tasks, key=lambda t: t["created_at"], reverse=sort == "created_at:desc")
    return tasks[offset : offset + limit]
