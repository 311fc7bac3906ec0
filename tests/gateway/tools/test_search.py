"""Tool search: the right tool is in the top 3 for ≥ 90% of the written task set."""

from __future__ import annotations

import json
from pathlib import Path

from attio_gateway.tools import catalog
from attio_gateway.tools.search import ToolIndex, _words, readiness

TASKS: list[list[str]] = json.loads(Path(__file__).with_name("tool_search_tasks.json").read_text())


def accuracy() -> tuple[float, float]:
    index = ToolIndex(catalog().search())
    top1 = top3 = 0
    for task, tool in TASKS:
        names = [s.name for s in index.search(task, limit=3)]
        top1 += bool(names) and names[0] == tool
        top3 += tool in names
    return top1 / len(TASKS), top3 / len(TASKS)


def test_the_task_set_is_large_and_names_real_tools() -> None:
    assert len(TASKS) >= 50
    assert {tool for _, tool in TASKS} <= set(catalog().names())


def test_top3_accuracy_is_at_least_90_percent() -> None:
    top1, top3 = accuracy()
    print(f"tool search: top-1 {top1:.0%}, top-3 {top3:.0%} of {len(TASKS)} tasks")
    assert top3 >= 0.9, (top1, top3)


def test_readiness() -> None:
    assert readiness([], connected=False)["status"] == "needs_connection"
    assert readiness(["note:read"], connected=True) == {
        "status": "needs_scopes",
        "missing_scopes": ["note:read"],
    }
    assert readiness([], connected=True)["status"] == "ready"


def test_plurals_in_ies_meet_their_singular() -> None:
    # "list every company" must reach attio_list_companies
    assert "company" in _words("companies") and "entry" in _words("entries")
    names = [s.name for s in ToolIndex(catalog().search()).search("list every company", limit=3)]
    assert "attio_list_companies" in names
