"""What 1,000 policy rules add to a tool call of the embedded SDK (docs/permissions.md).

``python -m benchmarks.permissions [CALLS]`` — the emulator runs in a thread, served over
HTTP; one ``AsyncGateway`` calls ``attio_update_deal`` (a write the rules allow) in
alternating blocks without rules and with 1,000 rules loaded, and prints the p50 of each
and the cost of one evaluation alone. The 1,000 rules are a bad case for the index: half
name ``attio_update_deal`` itself (each with an argument predicate that does not hold), so
every call walks 500 of them before the default decides.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from attio_emulator.server import run_in_thread
from attio_gateway.config import Settings
from attio_gateway.permissions.models import RuleInput
from attio_gateway.permissions.rules import Facts, RuleSet, compile_rule
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection
from attio_gateway.tools import catalog


def thousand_rules() -> str:
    lines = ["version: 1", "rules:"]
    other_tools = [n for n in catalog().names() if n != "attio_update_deal"]
    for i in range(500):
        lines += [
            "  - match:",
            "      tool: attio_update_deal",
            f"      arguments: [{{path: record_id, equals: 'not-{i}'}}]",
            "    effect: deny",
        ]
    for i in range(400):
        tool = other_tools[i % len(other_tools)]
        lines += [f"  - match: {{tool: {tool}, identifier: 'user-{i}'}}", "    effect: deny"]
    for i in range(50):
        lines += [f"  - match: {{tool: 'attio_list_*', identifier: 'g-{i}'}}", "    effect: ask"]
    for i in range(50):
        lines += [f"  - match: {{identifier: 'nobody-{i}'}}", "    effect: deny"]
    return "\n".join(lines) + "\n"


def evaluation_cost(text: str) -> float:
    """Microseconds per evaluation of one allowed ``attio_update_deal`` call."""
    import yaml

    rules = [RuleInput.model_validate(r) for r in yaml.safe_load(text)["rules"]]
    compiled = RuleSet(
        [compile_rule(f"r{i}", r.match, r.effect, None, i) for i, r in enumerate(rules)]
    )
    facts = Facts(
        kind="tool",
        read=False,
        connection="attio",
        identifier="u",
        tool="attio_update_deal",
        arguments={"record_id": "x", "values": {"stage": "Lost"}},
    )
    assert compiled.evaluate(facts).rule_id is None
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        compiled.evaluate(facts)
    return (time.perf_counter() - started) / rounds * 1e6


async def main(calls: int) -> None:
    text = thousand_rules()
    with run_in_thread() as emulator, tempfile.TemporaryDirectory() as tmp:
        async with AsyncGateway(Settings(data_dir=Path(tmp))) as gw:
            await create_emulator_connection(gw, emulator.base_url)
            await connect_user(gw, "u")
            members = await gw.actions.execute_tool({}, "attio_list_workspace_members", "u")
            owner = members.data["data"][0]["id"]["workspace_member_id"]
            made = await gw.actions.execute_tool(
                {"values": {"name": "Bench", "stage": "Lead", "owner": owner}},
                "attio_create_deal",
                "u",
            )
            deal = made.data["data"]["id"]["record_id"]
            arguments = {"record_id": deal, "values": {"stage": "Lost"}}
            samples: dict[str, list[float]] = {"without rules": [], "1,000 rules": []}
            for block in range(6):
                with_rules = block % 2 == 1
                await gw.policies.load(text if with_rules else "rules: []", source="bench")
                assert len(await gw.policies.list()) == (1000 if with_rules else 0)
                name = "1,000 rules" if with_rules else "without rules"
                for _ in range(calls // 3):
                    started = time.perf_counter()
                    await gw.actions.execute_tool(arguments, "attio_update_deal", "u")
                    samples[name].append(time.perf_counter() - started)
    p50 = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    for name, value in p50.items():
        print(f"{name:>14}: p50 {value:.3f} ms over {len(samples[name])} calls")
    added = (p50["1,000 rules"] - p50["without rules"]) / p50["without rules"] * 100
    print(f"{'added':>14}: {added:+.1f} % of the p50")
    print(f"{'one evaluation':>14}: {evaluation_cost(text):.1f} µs (500 candidate rules)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 600))
