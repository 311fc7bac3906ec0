"""Webhook and meeting tools (TOOLS.md 54–57) plus create/update webhook, get and
find-or-create meeting, and a meeting's call recordings and transcripts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from attio_gateway.errors import ToolInputError
from attio_gateway.proxy.paths import attio_path
from attio_gateway.tools.context import ToolContext
from attio_gateway.tools.output import page
from attio_gateway.tools.spec import ToolInput, ToolSpec
from attio_gateway.tools.values import is_uuid

WEBHOOK_PAGE = (10, 100)  # Attio's allowed range of limit on GET /v2/webhooks
MEETING_PAGE = 200  # Attio's maximum page of meetings
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class ListWebhooksInput(ToolInput):
    limit: int = Field(default=10, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class WebhookInput(ToolInput):
    webhook_id: str


class DeleteWebhookInput(WebhookInput):
    dry_run: bool = False


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_type: str = Field(description="e.g. record.created")
    filter: dict[str, Any] | None = Field(default=None, description="null: every event")


class CreateWebhookInput(ToolInput):
    target_url: str = Field(pattern=r"^https://")
    subscriptions: list[Subscription] = Field(min_length=1)


class UpdateWebhookInput(WebhookInput):
    target_url: str | None = Field(default=None, pattern=r"^https://")
    subscriptions: list[Subscription] | None = Field(default=None, description="Replaces all")

    @model_validator(mode="after")
    def _something(self) -> UpdateWebhookInput:
        if self.target_url is None and self.subscriptions is None:
            raise ValueError("give target_url or subscriptions")
        return self


class MeetingFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participants: list[str] | None = Field(default=None, description="Member UUIDs or emails")
    linked_object: str | None = None
    linked_record_id: str | None = Field(default=None, description="Give with linked_object")
    starts_before: str | None = Field(default=None, description="ISO 8601, exclusive")
    ends_from: str | None = Field(default=None, description="ISO 8601, inclusive")
    timezone: str | None = Field(default=None, description="IANA, for all-day meetings")
    sort: Literal["start_asc", "start_desc"] | None = None

    @model_validator(mode="after")
    def _pair(self) -> MeetingFilter:
        if (self.linked_object is None) != (self.linked_record_id is None):
            raise ValueError("linked_object and linked_record_id must be given together")
        return self


class ListMeetingsInput(ToolInput):
    filter: MeetingFilter | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class MeetingInput(ToolInput):
    meeting_id: str


class ListCallRecordingsInput(MeetingInput):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, min_length=1, description="A next_cursor")


class CallTranscriptInput(MeetingInput):
    call_recording_id: str
    cursor: str | None = Field(default=None, min_length=1, description="A next_cursor")


class MeetingTime(BaseModel):
    """A start or end: ``{datetime, timezone}`` for timed meetings, ``{date}`` for all-day
    ones (one model rather than a union, so a mistake is reported against the field)."""

    model_config = ConfigDict(extra="forbid")
    datetime: AwareDatetime | None = Field(default=None, description="e.g. 2026-03-10T14:00:00Z")
    timezone: str | None = Field(default=None, description="IANA, e.g. Europe/London")
    date: dt.date | None = Field(default=None, description="All-day only; end is exclusive")

    @model_validator(mode="after")
    def _one_form(self) -> MeetingTime:
        if (self.datetime is None) == (self.date is None):
            raise ValueError("give either datetime (with timezone) or date")
        if self.date is not None and self.timezone is not None:
            raise ValueError("timezone goes with datetime, not with date")
        return self


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    is_organizer: bool = False
    status: Literal["accepted", "tentative", "declined", "pending"] = "accepted"


class MeetingLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: str = Field(min_length=1, description="e.g. companies")
    record_id: str = Field(pattern=UUID)


class CalendarRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ical_uid: str = Field(min_length=1)
    provider: Literal["google", "microsoft"]
    is_recurring: bool
    original_start_time: str | None = Field(
        default=None, description="For an exception of a recurring event"
    )


class FindOrCreateMeetingInput(ToolInput):
    external_ref: str | CalendarRef = Field(
        description="Your stable id, or a calendar event's {ical_uid, provider, is_recurring}"
    )
    title: str
    description: str = ""
    is_all_day: bool = Field(description="true: start/end are {date}; false: {datetime, timezone}")
    start: MeetingTime
    end: MeetingTime = Field(description="Not before start")
    participants: list[Participant]
    linked_records: list[MeetingLink] = Field(default_factory=list)

    @model_validator(mode="after")
    def _times(self) -> FindOrCreateMeetingInput:
        for key in ("start", "end"):
            moment: MeetingTime = getattr(self, key)
            if self.is_all_day != (moment.date is not None):
                shape = "{date}" if self.is_all_day else "{datetime, timezone}"
                raise ValueError(f"{key} must be {shape} when is_all_day is {self.is_all_day}")
        start, end = self.start, self.end
        if start.datetime is not None and end.datetime is not None:
            backwards = end.datetime < start.datetime
        else:
            backwards = (end.date or dt.date.min) < (start.date or dt.date.min)
        if backwards:
            raise ValueError("end must not be before start")
        if isinstance(self.external_ref, str) and not self.external_ref.strip():
            raise ValueError("external_ref must not be empty")
        return self


async def list_webhooks(ctx: ToolContext, args: ListWebhooksInput) -> Any:
    # Attio refuses limits under 10: ask for at least 10 and slice here.
    low, high = WEBHOOK_PAGE
    params = {"limit": max(low, min(high, args.limit)), "offset": args.offset}
    body = await ctx.attio.call("GET", "/v2/webhooks", params=params)
    return page(body["data"][: args.limit], offset=args.offset, limit=args.limit)


async def get_webhook(ctx: ToolContext, args: WebhookInput) -> Any:
    return await ctx.attio.call(
        "GET", attio_path("/v2/webhooks/{webhook_id}", webhook_id=args.webhook_id)
    )


async def delete_webhook(ctx: ToolContext, args: DeleteWebhookInput) -> Any:
    if args.dry_run:
        current = await ctx.attio.call(
            "GET", attio_path("/v2/webhooks/{webhook_id}", webhook_id=args.webhook_id)
        )
        return {"dry_run": True, "would_delete": current["data"]}
    await ctx.attio.call(
        "DELETE", attio_path("/v2/webhooks/{webhook_id}", webhook_id=args.webhook_id)
    )
    return {"deleted": True, "webhook_id": args.webhook_id}


async def create_webhook(ctx: ToolContext, args: CreateWebhookInput) -> Any:
    data = args.model_dump(mode="json")
    body = await ctx.attio.call("POST", "/v2/webhooks", json={"data": data})
    # Attio shows the signing secret only now; an LLM context is no place to keep it.
    secret = body["data"].pop("secret", None)
    body["data"]["secret_returned_once"] = secret is not None
    if ctx.on_secret is not None and secret is not None:
        await ctx.on_secret(f"webhook:{body['data']['id']['webhook_id']}", secret)
    return body


async def update_webhook(ctx: ToolContext, args: UpdateWebhookInput) -> Any:
    data = args.model_dump(mode="json", exclude={"webhook_id"}, exclude_none=True)
    return await ctx.attio.call(
        "PATCH",
        attio_path("/v2/webhooks/{webhook_id}", webhook_id=args.webhook_id),
        json={"data": data},
    )


async def _emails(ctx: ToolContext, participants: list[str]) -> str:
    """Attio filters participants by email: member UUIDs are looked up."""
    emails = []
    for who in participants:
        if is_uuid(who):
            member = await ctx.attio.call(
                "GET",
                attio_path(
                    "/v2/workspace_members/{workspace_member_id}",
                    fields={"workspace_member_id": "filter.participants"},
                    workspace_member_id=who,
                ),
            )
            emails.append(member["data"]["email_address"])
        elif "@" in who:
            emails.append(who)
        else:
            raise ToolInputError(
                f"participant {who!r} is neither a workspace member UUID nor an email address.",
                field="filter.participants",
            )
    return ",".join(emails)


async def list_meetings(ctx: ToolContext, args: ListMeetingsInput) -> Any:
    params: dict[str, Any] = {}
    if args.filter is not None:
        params = args.filter.model_dump(exclude_none=True, exclude={"participants"})
        if args.filter.participants:
            params["participants"] = await _emails(ctx, args.filter.participants)
    # Attio pages meetings by cursor: walk pages until offset + limit are covered.
    wanted = args.offset + args.limit
    meetings: list[Any] = []
    cursor: str | None = None
    while len(meetings) < wanted:
        query = {**params, "limit": min(MEETING_PAGE, wanted - len(meetings))}
        if cursor:
            query["cursor"] = cursor
        body = await ctx.attio.call("GET", "/v2/meetings", params=query)
        meetings.extend(body["data"])
        cursor = (body.get("pagination") or {}).get("next_cursor")
        if not cursor:
            break
    data = meetings[args.offset : wanted]
    more = cursor is not None or len(meetings) > wanted
    return {"data": data, "next_offset": args.offset + len(data) if more else None}


async def get_meeting(ctx: ToolContext, args: MeetingInput) -> Any:
    return await ctx.attio.call(
        "GET", attio_path("/v2/meetings/{meeting_id}", meeting_id=args.meeting_id)
    )


async def list_call_recordings(ctx: ToolContext, args: ListCallRecordingsInput) -> Any:
    params: dict[str, Any] = {"limit": args.limit}
    if args.cursor:
        params["cursor"] = args.cursor
    body = await ctx.attio.call(
        "GET",
        attio_path("/v2/meetings/{meeting_id}/call_recordings", meeting_id=args.meeting_id),
        params=params,
    )
    return {"data": body["data"], "next_cursor": body["pagination"]["next_cursor"]}


def transcript_lines(segments: list[dict[str, Any]]) -> str:
    """Segments (one word each, as Attio splits speech) as ``Speaker: words`` lines, a new
    line whenever the speaker changes."""
    lines: list[str] = []
    speaker: str | None = None
    for segment in segments:
        name = (segment.get("speaker") or {}).get("name") or "Unknown"
        if lines and name == speaker:
            lines[-1] += f" {segment['speech']}"
        else:
            lines.append(f"{name}: {segment['speech']}")
            speaker = name
    return "\n".join(lines)


async def get_call_transcript(ctx: ToolContext, args: CallTranscriptInput) -> Any:
    path = attio_path(
        "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}/transcript",
        meeting_id=args.meeting_id,
        call_recording_id=args.call_recording_id,
    )
    params = {"cursor": args.cursor} if args.cursor else None
    body = await ctx.attio.call("GET", path, params=params)
    data, next_cursor = body["data"], body["pagination"]["next_cursor"]
    if ctx.output == "compact":
        # This page's segments as plain text; the timings and raw_transcript stay out.
        return {
            "meeting_id": args.meeting_id,
            "call_recording_id": args.call_recording_id,
            "web_url": data.get("web_url"),
            "text": transcript_lines(data["transcript"]),
            "next_cursor": next_cursor,
        }
    return {"data": data, "next_cursor": next_cursor}


async def find_or_create_meeting(ctx: ToolContext, args: FindOrCreateMeetingInput) -> Any:
    data = args.model_dump(mode="json", exclude_none=True)
    return await ctx.attio.call("POST", "/v2/meetings", json={"data": data})


def workspace_tools() -> list[ToolSpec]:
    read = {"read_only": True, "idempotent": True}
    meeting_read = ("meeting:read", "record_permission:read")
    recording_read = ("meeting:read", "call_recording:read")
    return [
        ToolSpec(
            "attio_list_webhooks",
            "List the workspace's webhooks: target URLs, subscriptions and statuses.",
            ListWebhooksInput,
            ("webhook:read",),
            list_webhooks,
            **read,
        ),
        ToolSpec(
            "attio_get_webhook",
            "Get a webhook: target URL, subscriptions, status.",
            WebhookInput,
            ("webhook:read",),
            get_webhook,
            **read,
        ),
        ToolSpec(
            "attio_delete_webhook",
            "Permanently delete a webhook; dry_run previews.",
            DeleteWebhookInput,
            ("webhook:read-write",),
            delete_webhook,
            destructive=True,
            idempotent=True,
        ),
        ToolSpec(
            "attio_create_webhook",
            "Create a webhook posting the subscribed events to an HTTPS URL (its signing "
            "secret stays with the gateway).",
            CreateWebhookInput,
            ("webhook:read-write",),
            create_webhook,
        ),
        ToolSpec(
            "attio_update_webhook",
            "Change a webhook's target URL or subscriptions.",
            UpdateWebhookInput,
            ("webhook:read-write",),
            update_webhook,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_meetings",
            "List meetings, optionally by participants, linked record or time.",
            ListMeetingsInput,
            meeting_read,
            list_meetings,
            **read,
        ),
        ToolSpec(
            "attio_get_meeting",
            "Get a meeting: title, times, participants, linked records.",
            MeetingInput,
            meeting_read,
            get_meeting,
            **read,
        ),
        ToolSpec(
            "attio_find_or_create_meeting",
            "Log a meeting: return the one with this external_ref unchanged, or create it.",
            FindOrCreateMeetingInput,
            ("meeting:read-write", "record_permission:read"),
            find_or_create_meeting,
            idempotent=True,
        ),
        ToolSpec(
            "attio_list_call_recordings",
            "List a meeting's call recordings (processing, completed or failed).",
            ListCallRecordingsInput,
            recording_read,
            list_call_recordings,
            **read,
        ),
        ToolSpec(
            "attio_get_call_transcript",
            "A call recording's transcript, a page at a time (next_cursor); compact output "
            "gives 'Speaker: words' lines.",
            CallTranscriptInput,
            recording_read,
            get_call_transcript,
            **read,
        ),
    ]
