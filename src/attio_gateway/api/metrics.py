"""Prometheus metrics, one registry per app (so two apps in one test process never collide).

Calls are counted where every call passes: ``observe_call`` is a call observer of the
app's gateway (``AsyncGateway.call_observers``), so a tool call is counted once whether it
came from ``/api/v1/tools/execute``, ``/mcp`` or the dashboard's playground."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from attio_gateway.sdk.logmodels import CallRecord

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
        self.proxy_calls = Counter(
            "attio_gateway_proxy_calls",
            "Proxied requests, by outcome (success or error) and error tier.",
            ["outcome", "error_tier"],
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

    def observe_call(self, call: CallRecord) -> None:
        """Count one finished call (a call observer of the gateway)."""
        if call.kind == "tool":
            outcome = "success" if call.outcome == "success" else call.error_code or "error"
            self.tool_calls.labels(
                tool=self.tool_label(call.tool_name or ""), outcome=outcome
            ).inc()
        else:
            self.proxy_calls.labels(outcome=call.outcome, error_tier=call.error_tier or "").inc()
        self.upstream_latency.labels(kind=call.kind).observe(call.duration_seconds)
        if call.error_code == "rate_limited" or call.http_status == 429:
            self.rate_limited.inc()
