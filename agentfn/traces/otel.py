"""OpenTelemetry spans for agent runs, following the GenAI semantic conventions.

Another event consumer next to :class:`~agentfn.traces.TraceRecorder`: one span
per run (``invoke_agent``), per model call (``chat``) and per tool call
(``execute_tool``), with ``gen_ai.*`` attributes. Off by default and free when
off: nothing here is imported unless asked for.

Enable by configuration: ``OTelRecorder.from_env()`` returns a recorder when
``AGENTFN_OTEL=1`` (or an ``OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT`` is set and
``AGENTFN_OTEL`` is not ``0``), exporting with the standard OTLP/HTTP exporter
unless the application already installed a tracer provider. ``agentfn run``,
``chat`` and ``serve`` attach one this way (or with ``--otel``); see
:func:`attach_from_env`. Message and tool
contents are attached only when
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` (they may hold personal data).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from agentfn.events import AgentEvent, ModelResponseEvent, RunEnd, RunStart, ToolResultEvent
from agentfn.exceptions import MissingExtraError

__all__ = ["OTelRecorder", "attach_from_env", "configure_otlp", "otel_enabled"]

log = logging.getLogger("agentfn.traces")

_TRUE = ("1", "true", "yes", "on", "otlp")
_MAX_TOOL_NAMES = 64


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def otel_enabled() -> bool:
    """Whether configuration asks for OpenTelemetry spans (see module docstring)."""
    flag = os.environ.get("AGENTFN_OTEL", "").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    if flag in _TRUE:
        return True
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_otlp(service_name: str | None = None, endpoint: str | None = None) -> Any:
    """A ``TracerProvider`` exporting to OTLP/HTTP in batches.

    The endpoint comes from ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`` when None; the service name from
    ``OTEL_SERVICE_NAME``, else ``agentfn``. Spans are queued and sent by a background thread
    (``BatchSpanProcessor``), so a run never waits on the collector.
    """
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise MissingExtraError("OpenTelemetry export", "otel", "opentelemetry-exporter-otlp-proto-http") from exc
    name = service_name or os.environ.get("OTEL_SERVICE_NAME") or "agentfn"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


@dataclass
class _OpenRun:
    span: Any
    context: Any
    model: str
    backend: str
    children: list[Any] = field(default_factory=list[Any])


class OTelRecorder:
    """Turn agent events into OpenTelemetry spans.

    Args:
        tracer_provider: where spans go; default: the global provider.
        capture_content: attach messages, arguments and results as attributes.
    """

    def __init__(self, tracer_provider: Any = None, *, capture_content: bool | None = None) -> None:
        try:
            from opentelemetry import trace
        except ImportError as exc:
            raise MissingExtraError("OpenTelemetry spans", "otel", "opentelemetry-api") from exc
        self._trace = trace
        self.provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
        self.tracer = self.provider.get_tracer("agentfn")
        if capture_content is None:
            capture_content = (
                os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "").lower() in _TRUE
            )
        self.capture_content = capture_content
        self.errors = 0
        self._runs: dict[str, _OpenRun] = {}

    @classmethod
    def from_env(cls, service_name: str | None = None, *, force: bool = False) -> OTelRecorder | None:
        """A recorder when configuration (or ``force``, the CLI's ``--otel``) enables OpenTelemetry, else None.

        Nothing from OpenTelemetry is imported when it is off. The service name defaults to
        ``OTEL_SERVICE_NAME``, else ``agentfn``.
        """
        if not (force or otel_enabled()):
            return None
        from opentelemetry import trace

        provider = trace.get_tracer_provider()
        # A ProxyTracerProvider means the application configured nothing: set up OTLP export.
        if type(provider).__name__ == "ProxyTracerProvider":
            provider = configure_otlp(service_name)
        return cls(provider)

    # -- the recorder contract ---------------------------------------------------------

    def handle(self, event: AgentEvent) -> None:
        try:
            if isinstance(event, RunStart):
                self._run_start(event)
            elif isinstance(event, ModelResponseEvent):
                self._model_call(event)
            elif isinstance(event, ToolResultEvent):
                self._tool_call(event)
            elif isinstance(event, RunEnd):
                self._run_end(event)
        except Exception as exc:  # never break a run over telemetry
            self.errors += 1
            log.warning("OpenTelemetry recorder failed on %s: %s", event.kind, exc)

    async def aflush(self) -> None:
        flush = getattr(self.provider, "force_flush", None)
        if flush is not None:
            await asyncio.to_thread(flush)

    def close(self) -> None:
        """End spans of runs that never finished, then flush."""
        for run in list(self._runs.values()):
            run.span.set_attribute("agentfn.outcome", "unfinished")
            run.span.end()
        self._runs.clear()
        flush = getattr(self.provider, "force_flush", None)
        if flush is not None:
            flush()

    # -- spans -------------------------------------------------------------------------

    def _run_start(self, ev: RunStart) -> None:
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": ev.agent_name,
            "gen_ai.request.model": ev.model_name,
            "gen_ai.provider.name": ev.backend,
            "gen_ai.conversation.id": ev.run_id,
            "agentfn.run_id": ev.run_id,
            # Names of the first tools only: agents with thousands of tools would pay per run for the list.
            "agentfn.tools": [t.name for t in ev.tools[:_MAX_TOOL_NAMES]],
            "agentfn.tool_count": len(ev.tools),
        }
        if self.capture_content:
            attrs["gen_ai.input.messages"] = json.dumps([m.model_dump(mode="json") for m in ev.messages])
        span = self.tracer.start_span(f"invoke_agent {ev.agent_name}", attributes=attrs, start_time=_ns(ev.time))
        self._runs[ev.run_id] = _OpenRun(span, self._trace.set_span_in_context(span), ev.model_name, ev.backend)

    def _model_call(self, ev: ModelResponseEvent) -> None:
        run = self._runs.get(ev.run_id)
        resp = ev.response
        model = run.model if run else resp.model_name
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": model,
            "gen_ai.response.model": resp.model_name or model,
            "gen_ai.usage.input_tokens": resp.usage.input_tokens,
            "gen_ai.usage.output_tokens": resp.usage.output_tokens,
            "agentfn.step": ev.step,
        }
        if run is not None:
            attrs["gen_ai.provider.name"] = run.backend
        if resp.finish_reason:
            attrs["gen_ai.response.finish_reasons"] = [resp.finish_reason]
        if self.capture_content:
            attrs["gen_ai.output.messages"] = json.dumps([resp.message.model_dump(mode="json")])
        span = self.tracer.start_span(
            f"chat {model}",
            context=run.context if run else None,
            kind=self._trace.SpanKind.CLIENT,
            attributes=attrs,
            start_time=_ns(ev.time - ev.latency_s),
        )
        span.end(end_time=_ns(ev.time))

    def _tool_call(self, ev: ToolResultEvent) -> None:
        run = self._runs.get(ev.run_id)
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": ev.tool_name,
            "gen_ai.tool.call.id": ev.call_id,
            "gen_ai.tool.type": "function",
            "agentfn.tool.status": ev.status,
            "agentfn.step": ev.step,
        }
        if self.capture_content:
            if ev.arguments is not None:
                attrs["gen_ai.tool.call.arguments"] = json.dumps(ev.arguments, default=str)
            attrs["gen_ai.tool.call.result"] = ev.content
        span = self.tracer.start_span(
            f"execute_tool {ev.tool_name}",
            context=run.context if run else None,
            attributes=attrs,
            start_time=_ns(ev.time - ev.latency_s),
        )
        if ev.status != "ok":
            span.set_attribute("error.type", ev.status)
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, ev.error or ev.status))
        span.end(end_time=_ns(ev.time))

    def _run_end(self, ev: RunEnd) -> None:
        run = self._runs.pop(ev.run_id, None)
        if run is None:
            return
        span = run.span
        span.set_attribute("gen_ai.usage.input_tokens", ev.usage.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", ev.usage.output_tokens)
        span.set_attribute("agentfn.outcome", ev.outcome)
        span.set_attribute("agentfn.steps", ev.steps)
        span.set_attribute("agentfn.tool_calls", ev.usage.tool_calls)
        if ev.reason:
            span.set_attribute("agentfn.reason", ev.reason)
        if ev.outcome == "error":
            span.set_attribute("error.type", "agent_error")
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, ev.reason or "error"))
        if self.capture_content and ev.output is not None:
            span.set_attribute("gen_ai.output.messages", json.dumps(ev.output, default=str))
        span.end(end_time=_ns(ev.time))


def attach_from_env(handlers: list[Any], *, force: bool = False) -> OTelRecorder | None:
    """Append an :class:`OTelRecorder` to an agent's ``handlers`` when OpenTelemetry is enabled.

    ``force`` (the CLI's ``--otel``) also sets ``AGENTFN_OTEL=1`` so processes started from
    here (``agentfn serve --workers N``) export too. Returns the recorder (None when off);
    ``close()`` it (``agentfn.cli.close_agent`` does) to flush what is queued.
    """
    if force:
        os.environ["AGENTFN_OTEL"] = "1"
    recorder = OTelRecorder.from_env()
    if recorder is not None:
        handlers.append(recorder)
    return recorder

