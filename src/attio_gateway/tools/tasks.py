"""Task tools (TOOLS.md 19–22) and ``attio_update_task`` (complete, reschedule, reassign)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.output import page
from attio_gateway.tools.spec import ToolInput, ToolSpec

T_READ = (
    "task:read",
    "object_configuration:read",
    "record_permission:read",
    "user_management:read",
)
T_WRITE = ("task:read-write", *T_READ[1:])
UUID = r"^[0-9a-fA-F-]{36}$"


class LinkedRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_object: str = Field(description="Object slug, e.g. people")
    target_record_id: str = Field(pattern=UUID, description="UUID of the record")


class Assignee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referenced_actor_type: Literal["workspace-member"] = Field(
        default="workspace-member", description="Always workspace-member"
    )
    referenced_actor_id: str = Field(pattern=UUID, description="UUID of the workspace member")


DEADLINE = (
    "ISO 8601 deadline timestamp including milliseconds and timezone, e.g. 2026-04-01T17:00:00.000Z"
)


class CreateTaskInput(ToolInput):
    content: str = Field(
        min_length=1, max_length=2000, description="Task content in plaintext (max 2000 characters)"
    )
    deadline_at: str | None = Field(default=None, description=DEADLINE)
    is_completed: bool = Field(
        default=False, description="Initial completion status (default: false)"
    )
    linked_records: list[LinkedRecord] = Field(
        default_factory=list,
        description="Records to link this task to — each item needs target_object (slug) and "
        "target_record_id (UUID)",
    )
    assignees: list[Assignee] = Field(
        default_factory=list,
        description="Workspace members to assign the task to — each item needs "
        "referenced_actor_type (workspace-member) and referenced_actor_id (UUID)",
    )


class ListTasksInput(ToolInput):
    linked_object: str | None = Field(
        default=None, description="Object type slug to filter tasks by linked record type"
    )
    linked_record_id: str | None = Field(
        default=None, description="UUID of the record tasks are linked to — use with linked_object"
    )
    is_completed: bool | None = Field(
        default=None, description="true for completed, false for open, omit to return all"
    )
    limit: int = Field(
        default=20, ge=1, le=500, description="Number of tasks to return (default 20)"
    )
    offset: int = Field(default=0, ge=0, description="Tasks to skip for pagination (default 0)")

    @model_validator(mode="after")
    def _pair(self) -> ListTasksInput:
        if (self.linked_object is None) != (self.linked_record_id is None):
            raise ValueError("linked_object and linked_record_id must be given together")
        return self


class TaskInput(ToolInput):
    task_id: str = Field(description="UUID of the task")


class DeleteTaskInput(TaskInput):
    dry_run: bool = Field(default=False, description="Only preview what would be deleted")


class UpdateTaskInput(TaskInput):
    deadline_at: str | None = Field(default=None, description=DEADLINE)
    is_completed: bool | None = Field(default=None, description="true to complete the task")
    linked_records: list[LinkedRecord] | None = Field(
        default=None, description="Replaces the linked records"
    )
    assignees: list[Assignee] | None = Field(default=None, description="Replaces the assignees")

    @model_validator(mode="after")
    def _something(self) -> UpdateTaskInput:
        if not self.model_fields_set - {"task_id"}:
            raise ValueError(
                "give at least one of deadline_at, is_completed, linked_records, assignees"
            )
        return self


async def create_task(ctx: ToolContext, args: CreateTaskInput) -> Any:
    # Attio requires all six fields, including format (absent from the document): fill them.
    data = {
        "content": args.content,
        "format": "plaintext",
        "deadline_at": args.deadline_at,
        "is_completed": args.is_completed,
        "linked_records": [r.model_dump() for r in args.linked_records],
        "assignees": [a.model_dump() for a in args.assignees],
    }
    return await ctx.attio.call("POST", "/v2/tasks", json={"data": data})


async def list_tasks(ctx: ToolContext, args: ListTasksInput) -> Any:
    # Attio's own default limit is 500: always send ours (20).
    params: dict[str, Any] = {"limit": args.limit, "offset": args.offset}
    if args.linked_object:
        params |= {"linked_object": args.linked_object, "linked_record_id": args.linked_record_id}
    if args.is_completed is not None:
        params["is_completed"] = "true" if args.is_completed else "false"
    body = await ctx.attio.call("GET", "/v2/tasks", params=params)
    return page(body["data"], offset=args.offset, limit=args.limit)


async def get_task(ctx: ToolContext, args: TaskInput) -> Any:
    return await ctx.attio.call("GET", attio_path("/v2/tasks/{task_id}", task_id=args.task_id))


async def delete_task(ctx: ToolContext, args: DeleteTaskInput) -> Any:
    if args.dry_run:
        current = await ctx.attio.call(
            "GET", attio_path("/v2/tasks/{task_id}", task_id=args.task_id)
        )
        return {"dry_run": True, "would_delete": current["data"]}
    await ctx.attio.call("DELETE", attio_path("/v2/tasks/{task_id}", task_id=args.task_id))
    return {"deleted": True, "task_id": args.task_id}


async def update_task(ctx: ToolContext, args: UpdateTaskInput) -> Any:
    data = args.model_dump(mode="json", exclude={"task_id"}, include=args.model_fields_set)
    return await ctx.attio.call(
        "PATCH", attio_path("/v2/tasks/{task_id}", task_id=args.task_id), json={"data": data}
    )


def task_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    return [
        ToolSpec(
            "attio_create_task",
            "Create a new task in Attio, optionally linked to records and assigned to workspace "
            "members. Only plaintext is supported for task content.",
            CreateTaskInput,
            T_WRITE,
            create_task,
        ),
        ToolSpec(
            "attio_list_tasks",
            "List tasks, optionally those linked to one record and/or by completion status. "
            "Returns next_offset when more may follow.",
            ListTasksInput,
            T_READ,
            list_tasks,
            **read,
        ),
        ToolSpec(
            "attio_get_task",
            "Retrieve a task: content, deadline, completion status, assignees, linked records.",
            TaskInput,
            T_READ,
            get_task,
            **read,
        ),
        ToolSpec(
            "attio_delete_task",
            "Permanently delete a task. Irreversible; use dry_run to see what would be deleted.",
            DeleteTaskInput,
            ("task:read-write",),
            delete_task,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            "attio_update_task",
            "Update a task: complete it (is_completed), reschedule it (deadline_at), reassign it "
            "(assignees) or change its linked records. Only the given fields change.",
            UpdateTaskInput,
            T_WRITE,
            update_task,
            idempotent=True,
        ),
    ]
