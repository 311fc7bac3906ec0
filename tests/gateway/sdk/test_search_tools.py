"""``actions.search_tools`` on the sync surface (the async one is exercised by the HTTP API
tests and the remote one by test_remote)."""

from __future__ import annotations

from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.errors import NotFoundError, ToolInputError
from attio_gateway.sdk import Gateway


def test_sync_search_tools(tmp_path: Path) -> None:
    with Gateway(Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")) as gw:
        found = gw.actions.search_tools("move a deal to another stage", limit=3)
        assert found["query"] == "move a deal to another stage"
        assert "attio_update_list_entry" in [t["name"] for t in found["tools"]]
        assert {t["status"] for t in found["tools"]} == {None}
        with pytest.raises(ToolInputError) as bad:
            gw.actions.search_tools("notes", limit=50)
        assert bad.value.field == "limit"
        with pytest.raises(ToolInputError) as empty:
            gw.actions.search_tools("")
        assert empty.value.field == "query"
        with pytest.raises(NotFoundError):
            gw.actions.search_tools("notes", identifier="alice", connection_name="nope")
