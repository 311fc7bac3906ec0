"""Many first authorization links for one new identifier at once (an app's retries, several
tabs) share one connected account, on SQLite and PostgreSQL: none fails on the unique
(connection, identifier) constraint."""

from __future__ import annotations

import asyncio
from pathlib import Path

from attio_gateway import AsyncGateway
from attio_gateway.config import Settings


async def test_sixteen_concurrent_first_links_make_one_account(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    async with AsyncGateway(settings) as gateway:
        await gateway.create_connection(
            name="attio", client_id="id", client_secret="secret", validate=False
        )
        for round_ in range(5):
            identifier = f"new-user-{round_}"
            links = await asyncio.gather(
                *(gateway.actions.get_authorization_link(identifier=identifier) for _ in range(16))
            )
            assert len({link.link for link in links}) == 16  # each its own single-use link
            page = await gateway.actions.list_connected_accounts(identifier=identifier)
            assert len(page.connected_accounts) == 1
