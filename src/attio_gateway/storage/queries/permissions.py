"""Toolsets, policy rules, budgets and the permission settings.

Every change also writes a new random ``generation`` in the same transaction, so a
process that keeps these in memory knows, by reading one row, whether to reload them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from attio_gateway.storage.database import Database
from attio_gateway.storage.queries._shared import _insert
from attio_gateway.storage.tables import (
    approvals,
    budgets,
    permission_settings,
    policy_rules,
    toolsets,
)

__all__ = [
    "decide_approval",
    "delete_budget",
    "delete_policy_rule",
    "delete_toolset",
    "get_approval",
    "get_permission_setting",
    "insert_approval",
    "insert_budget",
    "insert_toolset",
    "list_approvals",
    "list_budgets",
    "list_policy_rules",
    "list_toolsets",
    "mark_approval_executed",
    "permissions_generation",
    "put_permission_setting",
    "put_policy_rule",
    "replace_policy_rules",
    "update_toolset",
]

GENERATION = "generation"


def _dict(row: Row[Any]) -> dict[str, Any]:
    return dict(row._asdict())


async def _put(db: Database, conn: AsyncConnection, name: str, value: Any) -> None:
    await conn.execute(
        _insert(db, permission_settings)
        .values(name=name, value=value)
        .on_conflict_do_update(index_elements=["name"], set_={"value": value})
    )


async def _changed(db: Database, conn: AsyncConnection) -> None:
    await _put(db, conn, GENERATION, uuid.uuid4().hex)


async def permissions_generation(db: Database) -> str | None:
    """The generation of the stored toolsets, rules and budgets (``None``: never changed)."""
    value = await get_permission_setting(db, name=GENERATION)
    return None if value is None else str(value)


async def get_permission_setting(db: Database, *, name: str) -> Any:
    async with db.read() as conn:
        return (
            await conn.execute(
                select(permission_settings.c.value).where(permission_settings.c.name == name)
            )
        ).scalar()


async def put_permission_setting(db: Database, *, name: str, value: Any) -> None:
    async with db.transaction() as conn:
        await _put(db, conn, name, value)
        await _changed(db, conn)


# --- toolsets ------------------------------------------------------------------------------


async def list_toolsets(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = (await conn.execute(select(toolsets).order_by(toolsets.c.name))).all()
    return [_dict(row) for row in rows]


async def insert_toolset(
    db: Database, *, name: str, description: str, tools: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Raises: ConflictError: the name is taken."""
    values = {
        "name": name,
        "description": description,
        "tools": tools,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    async with db.transaction() as conn:
        await conn.execute(toolsets.insert().values(**values))
        await _changed(db, conn)
    return values


async def update_toolset(
    db: Database, *, name: str, description: str, tools: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """Replace a toolset's description and tools, its version one higher; ``None``: no such
    toolset."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(toolsets)
            .where(toolsets.c.name == name)
            .values(
                description=description,
                tools=tools,
                version=toolsets.c.version + 1,
                updated_at=now,
            )
        )
        if result.rowcount == 0:
            return None
        await _changed(db, conn)
        row = (await conn.execute(select(toolsets).where(toolsets.c.name == name))).one()
    return _dict(row)


async def delete_toolset(db: Database, *, name: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(delete(toolsets).where(toolsets.c.name == name))
        if result.rowcount:
            await _changed(db, conn)
    return bool(result.rowcount)


# --- policy rules --------------------------------------------------------------------------


async def list_policy_rules(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(policy_rules).order_by(policy_rules.c.created_at, policy_rules.c.id)
            )
        ).all()
    return [_dict(row) for row in rows]


async def put_policy_rule(
    db: Database, *, rule_id: str, rule: dict[str, Any], source: str | None, now: datetime
) -> None:
    """Create the rule, or replace the one with this id (keeping when it was created)."""
    async with db.transaction() as conn:
        await conn.execute(
            _insert(db, policy_rules)
            .values(id=rule_id, rule=rule, source=source, created_at=now, updated_at=now)
            .on_conflict_do_update(
                index_elements=["id"], set_={"rule": rule, "source": source, "updated_at": now}
            )
        )
        await _changed(db, conn)


async def delete_policy_rule(db: Database, *, rule_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(delete(policy_rules).where(policy_rules.c.id == rule_id))
        if result.rowcount:
            await _changed(db, conn)
    return bool(result.rowcount)


async def replace_policy_rules(
    db: Database,
    *,
    source: str,
    rules: list[tuple[str, dict[str, Any]]],
    default_effect: str | None,
    now: datetime,
) -> None:
    """In one transaction: drop the rules loaded from ``source`` before, store ``rules``
    (id, rule) as loaded from it, and set the default effect when one is given.

    Raises:
        ConflictError: a rule id is taken by a rule of another source.
    """
    async with db.transaction() as conn:
        await conn.execute(delete(policy_rules).where(policy_rules.c.source == source))
        if rules:
            await conn.execute(
                policy_rules.insert(),
                [
                    {
                        "id": rule_id,
                        "rule": rule,
                        "source": source,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for rule_id, rule in rules
                ],
            )
        if default_effect is not None:
            await _put(db, conn, "default_effect", default_effect)
        await _changed(db, conn)


# --- budgets -------------------------------------------------------------------------------


async def list_budgets(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = (await conn.execute(select(budgets).order_by(budgets.c.created_at))).all()
    return [_dict(row) for row in rows]


async def insert_budget(
    db: Database,
    *,
    budget_id: str,
    identifier: str | None,
    toolset: str | None,
    calls_per_minute: int | None,
    writes_per_day: int | None,
    now: datetime,
) -> dict[str, Any]:
    values = {
        "id": budget_id,
        "identifier": identifier,
        "toolset": toolset,
        "calls_per_minute": calls_per_minute,
        "writes_per_day": writes_per_day,
        "created_at": now,
    }
    async with db.transaction() as conn:
        await conn.execute(budgets.insert().values(**values))
        await _changed(db, conn)
    return values


async def delete_budget(db: Database, *, budget_id: str) -> bool:
    async with db.transaction() as conn:
        result = await conn.execute(delete(budgets).where(budgets.c.id == budget_id))
        if result.rowcount:
            await _changed(db, conn)
    return bool(result.rowcount)


# --- approvals -----------------------------------------------------------------------------


async def insert_approval(db: Database, *, values: dict[str, Any]) -> None:
    async with db.transaction() as conn:
        await conn.execute(approvals.insert().values(**values))


async def get_approval(db: Database, *, approval_id: str) -> dict[str, Any] | None:
    async with db.read() as conn:
        row = (await conn.execute(select(approvals).where(approvals.c.id == approval_id))).first()
    return None if row is None else _dict(row)


async def list_approvals(
    db: Database, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = select(approvals).order_by(approvals.c.created_at.desc(), approvals.c.id)
    if status is not None:
        query = query.where(approvals.c.status == status)
    async with db.read() as conn:
        rows = (await conn.execute(query.limit(limit))).all()
    return [_dict(row) for row in rows]


async def decide_approval(
    db: Database,
    *,
    approval_id: str,
    status: str,
    by: str | None,
    reason: str | None,
    now: datetime,
) -> bool:
    """Decide a pending approval that has not expired; whether this call decided it."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(approvals)
            .where(
                approvals.c.id == approval_id,
                approvals.c.status == "pending",
                approvals.c.expires_at > now,
            )
            .values(status=status, decided_by=by, reason=reason, decided_at=now)
        )
    return bool(result.rowcount)


async def mark_approval_executed(db: Database, *, approval_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.status == "approved")
            .values(status="executed")
        )
