"""Prometheus metrics for ``agentfn serve`` (one registry per app, so tests and embedders can run several)."""

from __future__ import annotations

from typing import Any

from agentfn.events import AgentEvent, RunEnd, ToolResultEvent

__all__ = ["ServerMetrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServerMetrics:
    """Requests, latency, runs, tool calls, errors and tokens.

    Metric names (all prefixed ``agentfn_``): ``http_requests_total{path,method,status}``,
    ``http_request_duration_seconds{path}``, ``runs_total{agent,outcome}``,
    ``tool_calls_total{tool,status}``, ``errors_total{kind}``, ``tokens_total{kind}``
    (``input``/``output``), ``rate_limited_total``, ``runs_in_progress``.
    """

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("agentfn_http_requests", "HTTP requests", ["path", "method", "status"], registry=r)
        self.latency = Histogram(
            "agentfn_http_request_duration_seconds", "HTTP request latency (streams: until the last byte)",
            ["path"], buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.runs = Counter("agentfn_runs", "Agent runs by outcome", ["agent", "outcome"], registry=r)
        self.tool_calls = Counter("agentfn_tool_calls", "Tool calls by status", ["tool", "status"], registry=r)
        self.errors = Counter("agentfn_errors", "Errors by kind", ["kind"], registry=r)
        self.tokens = Counter("agentfn_tokens", "Model tokens", ["kind"], registry=r)
        self.rate_limited = Counter("agentfn_rate_limited", "Requests refused with 429", registry=r)
        self.in_progress = Gauge("agentfn_runs_in_progress", "Agent runs in progress", registry=r)
        # labels() hashes and locks on every call; the label sets here are few, so keep the children.
        self._children: dict[tuple[str, ...], Any] = {}
        self._input_tokens = self.tokens.labels("input")
        self._output_tokens = self.tokens.labels("output")

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)  # pyright: ignore[reportUnknownMemberType]
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        self._child(self.requests, path, method, str(status)).inc()
        self._child(self.latency, path).observe(seconds)

    def observe_event(self, agent: str, event: AgentEvent) -> None:
        """Count what a run did, from the same events the trace store sees."""
        if isinstance(event, ToolResultEvent):
            # A model can invent any number of tool names: keep them out of the label set.
            tool = "(unknown)" if event.status == "not_found" else event.tool_name
            self._child(self.tool_calls, tool, event.status).inc()
        elif isinstance(event, RunEnd):
            self._child(self.runs, agent, event.outcome).inc()
            self._input_tokens.inc(event.usage.input_tokens)
            self._output_tokens.inc(event.usage.output_tokens)

    def error(self, kind: str) -> None:
        self._child(self.errors, kind).inc()

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def value(self, name: str, **labels: Any) -> float:
        """A sample's current value (for tests and the readiness page); 0 when absent."""
        found = self.registry.get_sample_value(name, {k: str(v) for k, v in labels.items()})
        return float(found or 0.0)
