"""``agentfn serve`` overhead: HTTP server vs calling the agent in-process, at 1, 16 and 256 clients.

Run: ``.venv/bin/python benchmarks/serve_bench.py`` (about a minute). Writes
``benchmarks/results/serve.md`` and ``serve.json``.

Both sides run the same agent: an instant scripted model (step 1 calls a sync
``add(a, b)`` tool, step 2 answers), validation, limits, guards and events on.
The server runs in its own process (uvicorn, one worker, API-key auth and rate
limiting on, metrics on) and is driven by an async httpx client with N
concurrent connections (aiohttp), each sending requests back to back for a fixed time;
the in-process side runs N concurrent ``agent.run`` loops the same way.
Latency is per request, as the client sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
KEY = "sk-bench"
CONCURRENCY = (1, 16, 256)
SECONDS = 6.0
WARMUP_S = 1.0
BODY = {"model": "bench", "messages": [{"role": "user", "content": "What is 1 + 2?"}]}


def build_agent(*, keep_requests: bool = True) -> Any:
    """The bench agent; ``keep_requests=False`` stops FunctionModel recording every request (~2.5 KB a step)."""
    from agentfn import Agent, AssistantMessage, FunctionModel, tool
    from agentfn.backends.function import call

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    def reply(messages: list[Any], request: Any) -> Any:
        if messages[-1].role == "user":
            return AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})])
        return "3"

    return Agent(FunctionModel(reply, keep_requests=keep_requests), [add], name="bench")


def serve(port: int, *, keep_requests: bool = True, trace_store: str | None = None) -> None:
    """The server process: the bench agent behind the real app (recording runs into ``trace_store`` if given)."""
    import uvicorn

    from agentfn.serve import ServeConfig, create_app, hash_key

    agent = build_agent(keep_requests=keep_requests)
    config = ServeConfig.model_validate({
        "keys": [{"name": "bench", "sha256": hash_key(KEY), "rate_per_minute": 1e9, "burst": 1_000_000}],
        "agents": [{"name": "bench"}], "port": port, "trace_store": trace_store,
    })
    app = create_app(config, model=agent.model, toolsets={"bench": agent.toolset})
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, backlog=4096)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(latencies: list[float], errors: int, wall: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")

    return {
        "requests": len(latencies), "errors": errors, "throughput_rps": len(latencies) / wall,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "mean_ms": statistics.fmean(ordered) * 1000 if ordered else float("nan"),
    }


def process_cpu(pid: int) -> Any:
    """A clock of the CPU seconds process ``pid`` (all its threads) has used, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")

    def clock() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return clock


async def _drive(concurrency: int, one: Any, cpu_clock: Any = time.process_time) -> dict[str, Any]:
    """N workers calling ``one()`` back to back: warm-up, then a timed window.

    ``cpu_clock`` measures the side under test (the server process, or this process for
    in-process runs): CPU per request does not depend on how loaded the machine is.
    """
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = 0.0

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                ok = await one()
            except Exception:
                ok = False
            if measuring:
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

    stop_at = time.perf_counter() + WARMUP_S
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    measuring = True
    started = time.perf_counter()
    cpu0 = cpu_clock()
    stop_at = started + SECONDS
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    summary = _summary(latencies, errors, time.perf_counter() - started)
    summary["cpu_ms_per_request"] = (cpu_clock() - cpu0) * 1000 / max(1, len(latencies))
    return summary


async def bench_floor(base_url: str, concurrency: int, server_cpu: Any) -> dict[str, Any]:
    """``GET /healthz``: what one HTTP round trip costs on this machine, with no agent at all."""
    import aiohttp

    async with aiohttp.ClientSession(base_url, connector=aiohttp.TCPConnector(limit=concurrency)) as client:

        async def one() -> bool:
            async with client.get("/healthz") as r:
                await r.read()
                return r.status == 200

        return await _drive(concurrency, one, server_cpu)


async def bench_server(base_url: str, concurrency: int, server_cpu: Any, stream: bool = False) -> dict[str, Any]:
    """aiohttp is the client: httpx's pool costs more CPU than the server at 256 connections."""
    import aiohttp

    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    payload = json.dumps({**BODY, "stream": stream}).encode()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, connector=connector, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=120)) as client:

        async def one() -> bool:
            async with client.post("/v1/chat/completions", data=payload) as r:
                text = await r.read()
            if stream:
                return r.status == 200 and text.endswith(b"data: [DONE]\n\n")
            return r.status == 200 and json.loads(text)["choices"][0]["message"]["content"] == "3"

        return await _drive(concurrency, one, server_cpu)


async def bench_inprocess(concurrency: int) -> dict[str, Any]:
    from agentfn.messages import messages_from_openai

    agent = build_agent()

    async def one() -> bool:
        result = await agent.run(messages_from_openai(BODY["messages"]))
        return result.output == "3"

    return await _drive(concurrency, one)


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the benchmark server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the benchmark server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    rows: list[dict[str, Any]] = []
    try:
        _wait_for(port, proc)
        base_url = f"http://127.0.0.1:{port}"
        cpu = process_cpu(proc.pid)
        for c in CONCURRENCY:
            server = asyncio.run(bench_server(base_url, c, cpu))
            local = asyncio.run(bench_inprocess(c))
            rows.append({"concurrency": c, "mode": "json", "server": server, "in_process": local})
            print(f"c={c:>3}  server {server['throughput_rps']:8.0f} req/s p50 {server['p50_ms']:7.2f} ms "
                  f"p99 {server['p99_ms']:7.2f} ms err {server['errors']} | in-process {local['throughput_rps']:8.0f} "
                  f"runs/s p50 {local['p50_ms']:7.2f} ms p99 {local['p99_ms']:7.2f} ms | CPU/request server "
                  f"{server['cpu_ms_per_request']:.3f} ms, in-process {local['cpu_ms_per_request']:.3f} ms", flush=True)
        floor = {c: asyncio.run(bench_floor(base_url, c, cpu)) for c in (1, 16)}
        for c, f in floor.items():
            print(f"c={c:>3}  GET /healthz {f['throughput_rps']:8.0f} req/s p50 {f['p50_ms']:7.2f} ms", flush=True)
            rows.append({"concurrency": c, "mode": "healthz", "server": f,
                         "in_process": next(r["in_process"] for r in rows if r["concurrency"] == c)})
        streamed = asyncio.run(bench_server(base_url, 16, cpu, stream=True))
        rows.append({"concurrency": 16, "mode": "sse", "server": streamed,
                     "in_process": next(r["in_process"] for r in rows if r["concurrency"] == 16)})
        print(f"c= 16  SSE    {streamed['throughput_rps']:8.0f} req/s p50 {streamed['p50_ms']:7.2f} ms", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    write(rows)


def write(rows: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "seconds_per_point": SECONDS, "warmup_s": WARMUP_S, "load_avg_at_end": os.getloadavg()[0]}
    data = {"meta": meta, "rows": rows}
    (RESULTS / "serve.json").write_text(json.dumps(data, indent=2))
    (RESULTS / "serve.md").write_text(render_markdown(data))
    print(f"wrote {RESULTS / 'serve.md'}")


def render_markdown(data: dict[str, Any]) -> str:
    """``serve.md`` from ``serve.json`` (pure: every figure comes from ``data``)."""
    meta, rows = data["meta"], data["rows"]
    lines = [
        "# `agentfn serve` overhead (instant scripted model)",
        "",
        f"Python {meta['python']}, {meta['machine']}, {meta['cpus']} cores (shared; 1-minute load average at the end "
        f"{meta['load_avg_at_end']:.1f}). Command: `.venv/bin/python benchmarks/serve_bench.py`.",
        "Agent: step 1 calls a sync `add(a, b)` tool, step 2 answers; validation, limits, guards, events on.",
        "Server: uvicorn, one worker process, API-key auth, rate limiting and Prometheus metrics on; client:",
        f"aiohttp with N connections sending back to back for {meta['seconds_per_point']:.0f} s after a "
        f"{meta['warmup_s']:.0f} s warm-up. In-process:",
        "N concurrent `agent.run` loops in one event loop. Latency per request as the client sees it.",
        "",
        "| clients | mode | server req/s | in-process runs/s | throughput ratio | server p50 | in-process p50 | "
        "server p99 | in-process p99 | p50 overhead | CPU/request server | CPU/run in-process | CPU ratio | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        s, local = r["server"], r["in_process"]
        lines.append(
            f"| {r['concurrency']} | {r['mode']} | {s['throughput_rps']:.0f} | {local['throughput_rps']:.0f} | "
            f"{s['throughput_rps'] / local['throughput_rps']:.3f} | {s['p50_ms']:.2f} ms | {local['p50_ms']:.3f} ms | "
            f"{s['p99_ms']:.2f} ms | {local['p99_ms']:.3f} ms | +{s['p50_ms'] - local['p50_ms']:.2f} ms | "
            f"{s['cpu_ms_per_request']:.3f} ms | {local['cpu_ms_per_request']:.3f} ms | "
            f"{s['cpu_ms_per_request'] / local['cpu_ms_per_request']:.1f}x | {s['errors']} |"
        )
    lines += [
        "",
        "Mode `json` is a non-streaming tool-using chat completion, `sse` the same streamed, `healthz` a bare",
        "`GET /healthz` (the HTTP round-trip floor of this machine, no agent) for scale.",
        "",
        "CPU/request is the server process's CPU time (all threads, from /proc) per completed request;",
        "CPU/run in-process is this process's CPU time per `agent.run`. Unlike latency and throughput it",
        "does not depend on what else the machine is running, so the CPU ratio is the steadiest overhead figure.",
        "",
        "Throughput ratio = server / in-process (below 1: what HTTP, JSON, auth and metrics cost when the model",
        "is free). With a real model a step takes tens to thousands of milliseconds, so the added milliseconds",
        "are what matters: compare the p50 overhead column with your model's latency. The client shares the",
        "machine's cores with the server, so at high concurrency both sides compete for CPU.",
    ]
    return "\n".join(lines) + "\n"

if __name__ == "__main__":
    main()
