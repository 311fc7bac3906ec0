"""Approvals: a call a rule ``ask``\\ s about is not sent; it is kept, exactly, with a
preview of what it would change, until a person approves or denies it. The approved call
runs when it is submitted again with the approval id, once (it runs under the idempotency
key ``approval:<id>``, so a second submission is answered from the first one's result).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from attio_gateway.clock import Clock
from attio_gateway.errors import (
    ApprovalRequiredError,
    ConflictError,
    GatewayError,
    InvalidInputError,
    NotFoundError,
    PolicyDeniedError,
)
from attio_gateway.permissions.models import Decision, _Out
from attio_gateway.storage import Database
from attio_gateway.storage.queries import new_id
from attio_gateway.storage.queries import permissions as pq
from attio_gateway.tools import catalog as tool_catalog
from attio_gateway.tools.output import compact_record
from attio_gateway.tools.spec import ToolSpec

__all__ = [
    "APPROVAL_TTL",
    "Approval",
    "Approvals",
    "fingerprint",
    "preview_proxy_call",
    "preview_tool_call",
]

#: How long a pending approval waits, and an approved one can be used, in seconds.
APPROVAL_TTL = 3600.0

Status = Literal["pending", "approved", "denied", "executed", "expired"]
#: Runs a read tool (name, input) as the caller and returns its compact data.
ToolReader = Callable[[str, dict[str, Any]], Awaitable[Any]]


class Approval(_Out):
    id: str
    #: ``pending`` (until ``expires_at``; then ``expired``), ``approved``, ``denied``,
    #: ``executed`` (the approved call ran).
    status: Status
    identifier: str
    connection_name: str
    #: The exact call: ``kind``, then ``tool``/``arguments``/``toolset`` or
    #: ``method``/``path``/``query``/``json``.
    call: dict[str, Any]
    #: What it would change (docs/permissions.md); ``None`` when nothing could be read.
    preview: dict[str, Any] | None
    rule_id: str | None
    message: str | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None


def fingerprint(call: Mapping[str, Any]) -> str:
    text = json.dumps(call, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


async def preview_tool_call(
    spec: ToolSpec, arguments: Mapping[str, Any], read: ToolReader
) -> dict[str, Any]:
    """What a write tool would do: for an update, each attribute ``before → after`` (the
    record read now); for a delete, the record it removes. Other tools: the arguments."""
    preview: dict[str, Any] = {"tool": spec.name, "arguments": dict(arguments)}
    record_id = arguments.get("record_id")
    names = set(tool_catalog().names())
    for verb in ("update", "delete"):
        prefix = f"attio_{verb}_"
        getter = f"attio_get_{spec.name.removeprefix(prefix)}"
        if not spec.name.startswith(prefix) or getter not in names:
            continue
        if not isinstance(record_id, str):
            return preview
        query: dict[str, Any] = {"record_id": record_id}
        if "object" in arguments:
            query["object"] = arguments["object"]
        try:
            current = await read(getter, query)
        except GatewayError as exc:
            preview["current"] = {"error": exc.code, "message": exc.message}
            return preview
        record = current.get("data") if isinstance(current, dict) else None
        before = record.get("values", {}) if isinstance(record, dict) else {}
        if verb == "delete":
            preview["would_delete"] = record
            return preview
        values = arguments.get("values")
        if isinstance(values, dict):
            preview.update(_changes(before, values))
        return preview
    return preview


_RECORD_PATH = re.compile(r"^/v2/objects/[^/]+/records/[^/]+$")


def _changes(before: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    changes = [
        {"attribute": name, "before": before.get(name), "after": after}
        for name, after in values.items()
    ]
    return {
        "changes": changes,
        "summary": "; ".join(
            f"{c['attribute']}: {_shown(c['before'])} → {_shown(c['after'])}" for c in changes
        ),
    }


async def preview_proxy_call(
    call: Mapping[str, Any], get: Callable[[str], Awaitable[Any]]
) -> dict[str, Any]:
    """A proxied request as it would be sent; for a PATCH, PUT or DELETE of one record,
    also each attribute ``before → after`` (as sent) or the record it removes."""
    preview: dict[str, Any] = {
        "request": {k: call.get(k) for k in ("method", "path", "query", "json")},
    }
    method, path = str(call.get("method")), str(call.get("path")).split("?")[0]
    if method not in ("PATCH", "PUT", "DELETE") or not _RECORD_PATH.match(path):
        return preview
    try:
        current = await get(path)
    except GatewayError as exc:
        preview["current"] = {"error": exc.code, "message": exc.message}
        return preview
    data = current.get("data") if isinstance(current, dict) else None
    if not isinstance(data, dict) or "id" not in data:
        return preview
    record = compact_record(data)
    if method == "DELETE":
        preview["would_delete"] = record
        return preview
    body = call.get("json")
    values = body.get("data", {}).get("values") if isinstance(body, dict) else None
    if isinstance(values, dict):
        preview.update(_changes(record["values"], values))
    return preview


def _approval(row: Mapping[str, Any], now: datetime) -> Approval:
    status = row["status"]
    if status == "pending" and row["expires_at"] <= now:
        status = "expired"
    return Approval.model_validate({**row, "status": status})


class Approvals:
    """Calls waiting for a person (``gateway.approvals``): list, get, approve, deny."""

    def __init__(self, db: Database, clock: Clock, *, ttl: float = APPROVAL_TTL) -> None:
        self._db = db
        self._clock = clock
        self.ttl = ttl

    async def list(self, *, status: str | None = None, limit: int = 100) -> builtins.list[Approval]:
        """Newest first; ``status`` one of pending, approved, denied, executed."""
        if status not in (None, "pending", "approved", "denied", "executed"):
            raise InvalidInputError(
                f"status: {status!r} is not one of pending, approved, denied, executed",
                field="status",
            )
        now = self._clock.now()
        rows = await pq.list_approvals(self._db, status=status, limit=min(max(limit, 1), 1000))
        return [_approval(row, now) for row in rows]

    async def get(self, approval_id: str) -> Approval:
        """Raises: NotFoundError: no such approval."""
        row = await pq.get_approval(self._db, approval_id=approval_id)
        if row is None:
            raise NotFoundError(f"No approval with id {approval_id!r}.")
        return _approval(row, self._clock.now())

    async def _decide(self, approval_id: str, status: str, by: str, reason: str | None) -> Approval:
        if not by or len(by) > 200:
            raise InvalidInputError("by: who decides, 1 to 200 characters", field="by")
        decided = await pq.decide_approval(
            self._db,
            approval_id=approval_id,
            status=status,
            by=by,
            reason=reason,
            now=self._clock.now(),
        )
        current = await self.get(approval_id)
        if not decided:
            raise ConflictError(
                f"Approval {approval_id!r} is {current.status}: only a pending approval can "
                "be approved or denied."
            )
        return current

    async def approve(self, approval_id: str, *, by: str = "operator") -> Approval:
        """Approve a pending call; the caller then submits it again with the approval id.

        Raises: NotFoundError; ConflictError: not pending (decided or expired)."""
        return await self._decide(approval_id, "approved", by, None)

    async def deny(
        self, approval_id: str, *, by: str = "operator", reason: str | None = None
    ) -> Approval:
        """Raises: NotFoundError; ConflictError: not pending (decided or expired)."""
        return await self._decide(approval_id, "denied", by, reason)

    # --- the call path -----------------------------------------------------------------------

    async def ask(
        self,
        *,
        decision: Decision,
        account_id: str,
        identifier: str,
        connection_name: str,
        call: dict[str, Any],
        preview: Callable[[], Awaitable[dict[str, Any] | None]],
    ) -> ApprovalRequiredError:
        """Keep ``call`` as a pending approval; the error the caller gets."""
        now = self._clock.now()
        shown = await preview()
        approval_id = new_id()
        expires = now + timedelta(seconds=self.ttl)
        await pq.insert_approval(
            self._db,
            values={
                "id": approval_id,
                "account_id": account_id,
                "identifier": identifier,
                "connection_name": connection_name,
                "status": "pending",
                "call": call,
                "fingerprint": fingerprint(call),
                "preview": shown,
                "rule_id": decision.rule_id,
                "message": decision.message,
                "created_at": now,
                "expires_at": expires,
            },
        )
        what = f"rule {decision.rule_id!r}" if decision.rule_id else "the default policy"
        summary = f" ({shown['summary']})" if shown and shown.get("summary") else ""
        return ApprovalRequiredError(
            (decision.message or f"This call needs a person's approval ({what}).")
            + f"{summary} It was not sent; once approval {approval_id} is approved, submit "
            "the same call again with approval_id.",
            rule_id=decision.rule_id,
            approval_id=approval_id,
            status="pending",
            expires_at=expires.isoformat(),
            preview=shown,
        )

    async def check(self, approval_id: str, *, account_id: str, call: dict[str, Any]) -> None:
        """May ``call`` run under ``approval_id``? Returns when it may.

        Raises:
            NotFoundError: no such approval for this account.
            ConflictError: the approval was given for another call.
            ApprovalRequiredError: it is still pending.
            PolicyDeniedError: it was denied, or expired before it was used.
        """
        row = await pq.get_approval(self._db, approval_id=approval_id)
        if row is None or row["account_id"] != account_id:
            raise NotFoundError(f"No approval with id {approval_id!r} for this account.")
        approval = _approval(row, self._clock.now())
        if row["fingerprint"] != fingerprint(call):
            raise ConflictError(
                f"Approval {approval_id!r} was given for another call; submit exactly the "
                "approved call (see the approval's call), or this one without approval_id."
            )
        if approval.status == "pending":
            raise ApprovalRequiredError(
                f"Approval {approval_id!r} is still pending.",
                rule_id=approval.rule_id,
                approval_id=approval_id,
                status="pending",
                expires_at=approval.expires_at.isoformat(),
                preview=approval.preview,
            )
        if approval.status == "denied":
            why = f": {approval.reason}" if approval.reason else ""
            raise PolicyDeniedError(
                f"Approval {approval_id!r} was denied by {approval.decided_by}{why}.",
                rule_id=approval.rule_id,
            )
        if approval.status == "expired" or (
            approval.status == "approved" and approval.expires_at <= self._clock.now()
        ):
            raise PolicyDeniedError(
                f"Approval {approval_id!r} expired; submit the call without approval_id to "
                "ask again.",
                rule_id=approval.rule_id,
            )

    async def executed(self, approval_id: str) -> None:
        await pq.mark_approval_executed(self._db, approval_id=approval_id)
