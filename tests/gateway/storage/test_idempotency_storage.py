"""Idempotency keys in storage: one claim wins however many race, outcomes, takeover, expiry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from attio_gateway.storage import Database
from attio_gateway.storage import queries as q

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=24)


async def make_account(db: Database) -> str:
    connection = await q.create_connection(
        db,
        name="attio",
        provider="attio",
        client_id="client-1",
        client_secret_sealed="k1:c2VhbGVk",
        scopes=["record_permission:read"],
        authorize_url="https://app.attio.com/authorize",
        token_url="https://app.attio.com/oauth/token",
        api_base_url="https://api.attio.com",
        status="ACTIVE",
        status_detail=None,
        now=NOW,
    )
    account = await q.create_account(
        db, connection_id=connection.id, identifier="u", status="ACTIVE", now=NOW
    )
    return account.id


async def claim(db: Database, account_id: str, owner: str, *, now: datetime = NOW) -> tuple:
    return await q.claim_idempotency_key(
        db,
        account_id=account_id,
        key="k-1",
        fingerprint="f" * 64,
        request={"method": "POST", "path": "/v2/notes", "arguments": {"a": 1}},
        owner=owner,
        now=now,
        expires_at=now + timedelta(hours=24),
    )


async def test_sixteen_concurrent_claims_of_one_key_give_one_winner(db: Database) -> None:
    account_id = await make_account(db)
    owners = [str(uuid.uuid4()) for _ in range(16)]
    results = await asyncio.gather(*(claim(db, account_id, owner) for owner in owners))
    winners = [owner for owner, (_, won) in zip(owners, results, strict=True) if won]
    assert len(winners) == 1
    assert {row.owner for row, _ in results} == {winners[0]}


async def test_outcome_takeover_release_and_expiry(db: Database) -> None:
    account_id = await make_account(db)
    row, won = await claim(db, account_id, "a")
    assert won and row.state == "in_flight" and row.request["arguments"] == {"a": 1}
    # Only the holder records the outcome.
    assert not await q.finish_idempotency_key(
        db, account_id=account_id, key="k-1", owner="b", state="done", result={}, now=NOW
    )
    assert await q.finish_idempotency_key(
        db, account_id=account_id, key="k-1", owner="a", state="unknown", result=None, now=NOW
    )
    # One of two takeovers of the unknown outcome wins; a done key is never taken over.
    took = [
        await q.take_over_idempotency_key(
            db, account_id=account_id, key="k-1", previous_owner="a", owner=new, now=NOW
        )
        for new in ("b", "c")
    ]
    assert took == [True, False]
    result = {"status": 200, "body": {"data": {"id": "x"}}}
    assert await q.finish_idempotency_key(
        db, account_id=account_id, key="k-1", owner="b", state="done", result=result, now=NOW
    )
    stored = await q.get_idempotency_key(db, account_id=account_id, key="k-1")
    assert stored is not None and stored.state == "done" and stored.result == result
    assert not await q.take_over_idempotency_key(
        db, account_id=account_id, key="k-1", previous_owner="b", owner="d", now=NOW
    )
    # Still held until it expires; then a claim starts over and the purge drops the rest.
    _, won = await claim(db, account_id, "e", now=NOW + timedelta(hours=1))
    assert not won
    _, won = await claim(db, account_id, "e", now=LATER)
    assert won
    assert await q.release_idempotency_key(db, account_id=account_id, key="k-1", owner="e")
    await claim(db, account_id, "f")
    assert await q.delete_expired_idempotency_keys(db, now=LATER) == 1
    assert await q.get_idempotency_key(db, account_id=account_id, key="k-1") is None
