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
    target_object: str = Field(description="e.g. people")
    target_record_id: str = Field(pattern=UUID)


class Assignee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referenced_actor_type: Literal["workspace-member"] = Field(
        default="workspace-member", description="Always workspace-member"
    )
    referenced_actor_id: str = Field(pattern=UUID, description="A workspace_member_id")


DEADLINE = "ISO 8601, e.g. 2026-04-01T17:00:00.000Z"


class CreateTaskInput(ToolInput):
    content: str = Field(min_length=1, max_length=2000)
    deadline_at: str | None = Field(default=None, description=DEADLINE)
    is_completed: bool = False
    linked_records: list[LinkedRecord] = Field(default_factory=list)
    assignees: list[Assignee] = Field(default_factory=list)


class ListTasksInput(ToolInput):
    linked_object: str | None = None
    linked_record_id: str | None = Field(default=None, description="Give with linked_object")
    is_completed: bool | None = Field(default=None, description="Omit for all")
    limit: int = Field(default=20, ge=1, le=500)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _pair(self) -> ListTasksInput:
        if (self.linked_object is None) != (self.linked_record_id is None):
            raise ValueError("linked_object and linked_record_id must be given together")
        return self


class TaskInput(ToolInput):
    task_id: str


class DeleteTaskInput(TaskInput):
    dry_run: bool = False


class UpdateTaskInput(TaskInput):
    deadline_at: str | None = Field(default=None, description=DEADLINE)
    is_completed: bool | None = None
    linked_records: list[LinkedRecord] | None = Field(default=None, description="Replaces all")
    assignees: list[Assignee] | None = Field(default=None, description="Replaces all")

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
            "Create a task (plaintext content), optionally linked to records and assigned to "
            "workspace members.",
            CreateTaskInput,
            T_WRITE,
            create_task,
        ),
        ToolSpec(
            "attio_list_tasks",
            "List tasks, optionally of one record and/or by completion.",
            ListTasksInput,
            T_READ,
            list_tasks,
            **read,
        ),
        ToolSpec(
            "attio_get_task",
            "Get a task: content, deadline, completion, assignees, linked records.",
            TaskInput,
            T_READ,
            get_task,
            **read,
        ),
        ToolSpec(
            "attio_delete_task",
            "Permanently delete a task; dry_run previews.",
            DeleteTaskInput,
            ("task:read-write",),
            delete_task,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            "attio_update_task",
            "Complete, reschedule, reassign or relink a task; only the fields given change.",
            UpdateTaskInput,
            T_WRITE,
            update_task,
            idempotent=True,
        ),
    ]
