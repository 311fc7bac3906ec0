"""Prometheus metrics, one registry per app (so two apps in one test process never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.known_tools: set[str] = set()
        self.requests = Counter(
            "attio_gateway_http_requests",
            "HTTP requests served, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.tool_calls = Counter(
            "attio_gateway_tool_calls",
            "Tool executions, by tool and outcome (success or the error code).",
            ["tool", "outcome"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "attio_gateway_upstream_latency_seconds",
            "Time spent on a tool call or proxied request to Attio, retries included.",
            ["kind"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "attio_gateway_upstream_rate_limited",
            "Calls that ended in Attio's 429 after retries.",
            registry=self.registry,
        )
        self.accounts = Gauge(
            "attio_gateway_connected_accounts",
            "Connected accounts by status (measured at scrape time).",
            ["status"],
            registry=self.registry,
        )

    def tool_label(self, name: str) -> str:
        return name if name in self.known_tools else "unknown"
