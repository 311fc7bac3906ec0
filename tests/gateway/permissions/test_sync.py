"""The synchronous ``Gateway`` has the same permission services, each method run to its end."""

from __future__ import annotations

from pathlib import Path

import pytest

from attio_gateway.config import Settings
from attio_gateway.errors import InvalidInputError
from attio_gateway.sdk import Gateway


def test_sync_gateway_permissions(tmp_path: Path) -> None:
    with Gateway(Settings(data_dir=tmp_path)) as gateway:
        made = gateway.toolsets.create("t", tools=["attio_list_deals"])
        assert made.version == 1 and [t.name for t in gateway.toolsets.list()] == ["t"]
        gateway.policies.create(id="r", match={"toolset": "t"}, effect="deny")
        decision = gateway.policies.evaluate(tool_name="attio_list_deals", toolset="t")
        assert (decision.effect, decision.rule_id) == ("deny", "r")
        assert gateway.budgets.create(calls_per_minute=5).calls_per_minute == 5
        assert gateway.approvals.list() == []
        with pytest.raises(InvalidInputError):
            gateway.toolsets.create("u", tools=["nope"])
