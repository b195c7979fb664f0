"""What OpenTelemetry export costs an agent run, beside the trace writer.

Run: ``.venv/bin/python benchmarks/otel_bench.py [--quick]``. Writes ``benchmarks/results/otel.json``
then ``otel.md`` (rendered from the JSON by :func:`render_markdown`).

A real ``Agent`` with a scripted model (``FunctionModel``: three tool steps, then an answer), run
sequentially, with each consumer attached in turn; rounds are interleaved and the median round is
reported, for an instant model and for a model that takes 5 ms per call:

- no consumer (the baseline);
- ``TraceRecorder`` on a SQLite file (the trace writer: batched, in a thread);
- ``OTelRecorder`` with the OTLP/HTTP exporter behind a ``BatchSpanProcessor`` (what ``--otel`` sets
  up), sending to a real OTLP/HTTP receiver in another process on 127.0.0.1;
- both together (``agentfn run --store ... --otel``);
- what a user might wire instead: the same exporter behind a ``SimpleSpanProcessor``, which sends
  every span synchronously as it ends.

"step time" is the wall time of the runs divided by their agent steps (model call + tool call);
"overhead" compares it with no consumer in the same round. After the timed runs the receiver's span
count is checked against the spans the runs produced.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).parent / "results"
STEPS_PER_RUN = 4  # three tool steps and the answer
SPANS_PER_RUN = 8  # invoke_agent + 4 chat + 3 execute_tool
CONFIGS = ("no consumer", "trace writer (SQLite)", "OTel batch export", "trace writer + OTel batch",
           "OTel per-span export (SimpleSpanProcessor)")


# -- an OTLP/HTTP receiver, run in its own process ---------------------------------------


def receiver_main(port_file: str) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    count = [0]
    reply = ExportTraceServiceResponse().SerializeToString()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest.FromString(body)
                count[0] += sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
                payload = reply
            else:  # GET-like probe for the span count
                payload = json.dumps({"spans": count[0]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


class Receiver:
    def __init__(self, tmp: Path) -> None:
        port_file = tmp / "receiver.port"
        self.proc = subprocess.Popen([sys.executable, __file__, "--receiver", str(port_file)])
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("the OTLP receiver did not start")
            time.sleep(0.05)
        self.endpoint = f"http://127.0.0.1:{port_file.read_text()}"

    def spans(self) -> int:
        import httpx

        return int(httpx.post(f"{self.endpoint}/count", content=b"").json()["spans"])

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# -- the agent and its consumers ----------------------------------------------------------


def make_agent(handlers: list[Any], latency_s: float) -> Any:
    from agentfn.agent import Agent
    from agentfn.backends.function import FunctionModel, call
    from agentfn.messages import AssistantMessage
    from agentfn.tool import tool

    @tool
    def get_weather(city: str) -> dict[str, Any]:
        """Weather for a city.

        Args:
            city: the city.
        """
        return {"city": city, "temp": 21}

    async def reply(messages: list[Any], request: Any) -> Any:
        if latency_s:
            await asyncio.sleep(latency_s)
        n = sum(1 for m in messages if m.role == "tool")
        if n < 3:
            return AssistantMessage(tool_calls=[call("get_weather", {"city": f"city {n}"})])
        return "It is 21C everywhere."

    return Agent(FunctionModel(reply), [get_weather], handlers=handlers, name="bench")


def make_consumers(config: str, tmp: Path, endpoint: str) -> list[Any]:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    from agentfn.traces import TraceRecorder
    from agentfn.traces.otel import OTelRecorder

    def otel(batch: bool) -> OTelRecorder:
        provider = TracerProvider(resource=Resource.create({"service.name": "otel-bench"}))
        exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        return OTelRecorder(provider)

    if config == "no consumer":
        return []
    if config == "trace writer (SQLite)":
        return [TraceRecorder(str(tmp / f"traces-{time.monotonic_ns()}.db"))]
    if config == "OTel batch export":
        return [otel(True)]
    if config == "trace writer + OTel batch":
        return [TraceRecorder(str(tmp / f"traces-{time.monotonic_ns()}.db")), otel(True)]
    return [otel(False)]


async def timed_runs(agent: Any, runs: int) -> float:
    started = time.perf_counter()
    for i in range(runs):
        result = await agent.run(f"weather {i}")
        assert result.ok
    return time.perf_counter() - started


def bench(runs: int, rounds: int, latency_s: float, tmp: Path, endpoint: str) -> dict[str, Any]:
    times: dict[str, list[float]] = {c: [] for c in CONFIGS}
    flush: dict[str, list[float]] = {c: [] for c in CONFIGS}
    for _ in range(rounds):
        for config in CONFIGS:
            consumers = make_consumers(config, tmp, endpoint)
            agent = make_agent(consumers, latency_s)
            asyncio.run(timed_runs(agent, 2))  # warm up imports and connections
            elapsed = asyncio.run(timed_runs(agent, runs))
            t0 = time.perf_counter()
            for c in consumers:
                c.close()
            flush[config].append(time.perf_counter() - t0)
            times[config].append(elapsed)
    steps = runs * STEPS_PER_RUN
    base = times["no consumer"]
    out: dict[str, Any] = {"runs": runs, "rounds": rounds, "model_latency_ms": latency_s * 1000,
                           "steps_per_run": STEPS_PER_RUN, "configs": {}}
    for config in CONFIGS:
        ratio = statistics.median(t / b for t, b in zip(times[config], base, strict=True))
        out["configs"][config] = {
            "step_us": statistics.median(times[config]) / steps * 1e6,
            "overhead_pct": (ratio - 1) * 100,
            "close_flush_ms": statistics.median(flush[config]) * 1000,
        }
    return out


# -- the report ---------------------------------------------------------------------------


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        "# OpenTelemetry export beside the trace writer",
        "",
        f"{data['machine']} (1-minute load average {data['load_avg_1m']} at the start), Python {data['python']}, "
        f"OpenTelemetry SDK {data['otel_sdk']}. A real `Agent`, "
        f"scripted model, {data['instant']['steps_per_run']} agent steps a run, runs one after another; each "
        "consumer in turn, rounds interleaved, median round. Overhead is the median over rounds of "
        "(time with the consumer / time with none in the same round) - 1. Spans go over OTLP/HTTP "
        "(protobuf) to a receiver process on 127.0.0.1.",
        "",
    ]
    for key, title in (("instant", "Instant model"), ("latency", "Model taking 5 ms a call")):
        block = data[key]
        lines += [
            f"## {title} ({block['runs']} runs x {block['rounds']} rounds)",
            "",
            "| consumer | step time (us) | overhead | close + flush (ms) |",
            "|---|---:|---:|---:|",
        ]
        for name, row in block["configs"].items():
            lines.append(f"| {name} | {row['step_us']:.0f} | {row['overhead_pct']:+.1f}% | "
                         f"{row['close_flush_ms']:.1f} |")
        lines.append("")
    check = data["spans_check"]
    lines += [
        f"Receiver check: {check['received']} spans received for {check['expected']} produced "
        f"({check['runs']} runs of {SPANS_PER_RUN} spans, batch export, after close).",
        "",
    ]
    return "\n".join(lines)


def spans_check(tmp: Path, endpoint: str, receiver: Receiver, runs: int) -> dict[str, Any]:
    before = receiver.spans()
    consumers = make_consumers("OTel batch export", tmp, endpoint)
    asyncio.run(timed_runs(make_agent(consumers, 0.0), runs))
    for c in consumers:
        c.close()
    return {"runs": runs, "expected": runs * SPANS_PER_RUN, "received": receiver.spans() - before}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run, not saved)")
    ap.add_argument("--receiver", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.receiver:
        receiver_main(args.receiver)
        return
    from importlib.metadata import version

    runs, rounds, lat_runs = (30, 2, 10) if args.quick else (200, 7, 60)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        receiver = Receiver(tmp)
        try:
            data = {
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                "load_avg_1m": round(os.getloadavg()[0], 1),
                "python": platform.python_version(),
                "otel_sdk": version("opentelemetry-sdk"),
                "instant": bench(runs, rounds, 0.0, tmp, receiver.endpoint),
                "latency": bench(lat_runs, max(2, rounds // 2), 0.005, tmp, receiver.endpoint),
                "spans_check": spans_check(tmp, receiver.endpoint, receiver, 50),
            }
        finally:
            receiver.close()
    report = render_markdown(data)
    print(report)
    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "otel.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "otel.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
