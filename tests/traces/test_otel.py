from __future__ import annotations

import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from agentfn.agent import Agent
from agentfn.backends.function import TestModel
from agentfn.tool import tool
from agentfn.traces.otel import OTelRecorder, otel_enabled
from agentfn.traces.testing import ScriptedCall, scripted_run_events


@tool
def get_weather(city: str) -> str:
    """Weather for a city.

    Args:
        city: the city.
    """
    return f"sunny in {city}"


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_genai_spans_for_a_scripted_run(spans: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = spans
    rec = OTelRecorder(provider)
    events = scripted_run_events(
        [[ScriptedCall("get_weather", {"city": "Paris"}), ScriptedCall("book", status="error", error="boom")]],
        run_id="r1", agent_name="trip",
    )
    for e in events:
        rec.handle(e)
    rec.close()
    finished = exporter.get_finished_spans()
    by_name = {s.name: s for s in finished}
    assert set(by_name) == {"invoke_agent trip", "chat test-model", "execute_tool get_weather", "execute_tool book"}
    run = by_name["invoke_agent trip"]
    assert run.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert run.attributes["gen_ai.agent.name"] == "trip"
    assert run.attributes["gen_ai.request.model"] == "test-model"
    assert run.attributes["gen_ai.usage.input_tokens"] == 100
    assert run.attributes["agentfn.outcome"] == "answered"
    chats = [s for s in finished if s.name.startswith("chat")]
    assert len(chats) == 2
    assert all(c.kind == SpanKind.CLIENT and c.parent is not None and c.parent.span_id == run.context.span_id for c in chats)
    assert chats[0].attributes["gen_ai.operation.name"] == "chat"
    assert chats[0].attributes["gen_ai.usage.output_tokens"] == 10
    assert tuple(chats[0].attributes["gen_ai.response.finish_reasons"]) == ("tool_calls",)
    tool_span = by_name["execute_tool get_weather"]
    assert tool_span.attributes["gen_ai.tool.name"] == "get_weather"
    assert tool_span.attributes["gen_ai.tool.call.id"] == "call_0_0"
    assert tool_span.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool_span.parent is not None and tool_span.parent.span_id == run.context.span_id
    assert "gen_ai.tool.call.arguments" not in tool_span.attributes  # content off by default
    failed = by_name["execute_tool book"]
    assert failed.status.status_code == StatusCode.ERROR and failed.attributes["error.type"] == "error"
    assert all(s.context.trace_id == run.context.trace_id for s in finished)


def test_content_capture_and_a_real_agent(spans: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = spans
    rec = OTelRecorder(provider, capture_content=True)
    result = Agent(TestModel(), tools=[get_weather], recorder=rec, name="w").run_sync("weather?")
    assert result.outcome == "answered"
    by_name = {s.name: s for s in exporter.get_finished_spans()}
    tool_span = by_name["execute_tool get_weather"]
    assert "sunny" in str(tool_span.attributes["gen_ai.tool.call.result"])
    assert "gen_ai.tool.call.arguments" in tool_span.attributes
    assert "weather?" in str(by_name["invoke_agent w"].attributes["gen_ai.input.messages"])


def test_unfinished_runs_are_closed(spans: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = spans
    rec = OTelRecorder(provider)
    for e in scripted_run_events([[ScriptedCall("a")]])[:-1]:
        rec.handle(e)
    rec.handle(object())  # type: ignore[arg-type]  # not an event: ignored, never raised
    rec.close()
    run = [s for s in exporter.get_finished_spans() if s.name.startswith("invoke_agent")]
    assert run[0].attributes["agentfn.outcome"] == "unfinished"


def test_off_by_default_and_nothing_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AGENTFN_OTEL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    assert not otel_enabled() and OTelRecorder.from_env() is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert otel_enabled()
    monkeypatch.setenv("AGENTFN_OTEL", "0")
    assert not otel_enabled()
    code = (
        "import sys, agentfn.traces, agentfn.traces.otel as o;"
        "assert o.OTelRecorder.from_env() is None;"
        "print(any(m.startswith('opentelemetry') for m in sys.modules))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("OTEL_", "AGENTFN_OTEL"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


def test_from_env_sets_up_otlp_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_OTEL", "1")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    rec = OTelRecorder.from_env("svc")
    assert rec is not None
    assert rec.provider.resource.attributes["service.name"] == "svc"
    rec.provider.shutdown()
