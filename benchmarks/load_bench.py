"""Load: 1,000 concurrent agent runs in one process, and 1/16/256 concurrent clients against ``agentfn serve``.

Run: ``.venv/bin/python benchmarks/load_bench.py`` (one to two minutes). Writes
``benchmarks/results/load.md`` and ``load.json``.

The agent is the serve benchmark's (``benchmarks/serve_bench.py``): an instant scripted model whose step 1
calls a sync ``add(a, b)`` tool and whose step 2 answers, with validation, limits, guards and events on, so
the figures are the runtime's own cost. Unlike the serve benchmark (a timed window of back-to-back
requests, for throughput), this one sends a fixed number of requests in waves of N simultaneous clients
and counts what matters under load: errors (must be zero), p50/p99 latency, and memory (resident set
size after a warm-up wave and at the end: growth means something is kept per request).

Rows:
* in-process, N concurrent ``agent.run`` in one event loop, N = 1, 16, 256 and 1,000; 1,000 once more with
  the SQLite trace recorder on (every run must be in the store afterwards);
* server: the real app under uvicorn in its own process (API-key auth, rate limiting, metrics on), N
  concurrent aiohttp clients; the server's RSS is read from /proc.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from serve_bench import BODY, KEY, _free_port, _wait_for, build_agent  # shared with the serve benchmark
from serve_bench import serve as serve_bench_serve

RESULTS = Path(__file__).parent / "results"
SERVER_CONCURRENCY = (1, 16, 256)
IN_PROCESS_CONCURRENCY = (1, 16, 256, 1000)
WAVES = 3  # measured waves per row, after one warm-up wave
MIN_REQUESTS = 200  # low concurrency: enough requests per wave for a p99


def bench_agent() -> Any:
    """The serve benchmark's agent, without ``FunctionModel``'s record of every request.

    That record (~2.5 KB a step) would be measured as memory growth of the runtime, which it is not.
    """
    return build_agent(keep_requests=False)


def serve(port: int) -> None:
    """The server process: as in serve_bench.py (auth, rate limiting, metrics on), with :func:`bench_agent`."""
    serve_bench_serve(port, keep_requests=False)


def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


def _stats(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    ordered = sorted(latencies)
    return {
        "p50_ms": statistics.median(ordered) * 1e3,
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3,
        "max_ms": ordered[-1] * 1e3,
    }


async def _waves(concurrency: int, one: Any, rss: Any) -> dict[str, Any]:
    """A warm-up wave, then ``WAVES`` waves of ``concurrency`` clients each sending its share back to back."""
    per_client = max(1, MIN_REQUESTS // concurrency)
    latencies: list[float] = []
    errors: list[str] = []

    async def client(record: bool) -> None:
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                ok = await one()
            except Exception as exc:  # counted, never fatal: the figure is the error count
                ok, why = False, f"{type(exc).__name__}: {exc}"
            else:
                why = "wrong answer"
            if record:
                (latencies.append(time.perf_counter() - t0) if ok else errors.append(why))

    await asyncio.gather(*(client(False) for _ in range(concurrency)))
    rss_waves = [rss()]
    started = time.perf_counter()
    for _ in range(WAVES):
        await asyncio.gather(*(client(True) for _ in range(concurrency)))
        rss_waves.append(rss())
    wall = time.perf_counter() - started
    rss_warm, rss_end = rss_waves[0], rss_waves[-1]
    return {
        "concurrency": concurrency, "requests": len(latencies) + len(errors), "errors": len(errors),
        "error_samples": sorted(set(errors))[:3], "throughput_rps": len(latencies) / wall, **_stats(latencies),
        "rss_after_warmup_mb": rss_warm, "rss_end_mb": rss_end, "rss_growth_mb": rss_end - rss_warm,
        "rss_per_wave_mb": rss_waves, "rss_last_wave_growth_mb": rss_waves[-1] - rss_waves[-2],
    }


async def bench_in_process(concurrency: int, store_path: str | None = None) -> dict[str, Any]:
    from agentfn import Agent
    from agentfn.messages import messages_from_openai

    agent = bench_agent()
    recorder = None
    if store_path is not None:
        from agentfn.traces import TraceRecorder, TraceStore

        recorder = TraceRecorder(TraceStore.open(store_path))
        agent = Agent(agent.model, agent.toolset, name=agent.name, recorder=recorder)
    messages = messages_from_openai(BODY["messages"])

    async def one() -> bool:
        return (await agent.run(messages)).output == "3"

    row = await _waves(concurrency, one, rss_mb)
    row["mode"] = "in-process" + (" + trace store" if recorder else "")
    if recorder is not None:
        assert await recorder.aflush(300)
        row["rss_after_flush_mb"] = rss_mb()
        row["traced_runs"] = recorder.store.count_runs(outcome="answered")
        row["trace_errors"] = recorder.errors + recorder.dropped
        recorder.close()
    return row


async def bench_server(base_url: str, concurrency: int, server_pid: int) -> dict[str, Any]:
    import aiohttp

    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    payload = json.dumps(BODY).encode()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, connector=connector, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def one() -> bool:
            async with session.post("/v1/chat/completions", data=payload) as r:
                text = await r.read()
            return r.status == 200 and json.loads(text)["choices"][0]["message"]["content"] == "3"

        row = await _waves(concurrency, one, lambda: rss_mb(server_pid))
    row["mode"] = "agentfn serve"
    return row


def _print(row: dict[str, Any]) -> None:
    print(f"{row['mode']:<28} c={row['concurrency']:>4}  {row['requests']:>5} requests  errors {row['errors']}  "
          f"p50 {row['p50_ms']:8.2f} ms  p99 {row['p99_ms']:8.2f} ms  {row['throughput_rps']:7.0f}/s  "
          f"RSS {row['rss_after_warmup_mb']:.0f} -> {row['rss_end_mb']:.0f} MB", flush=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return
    rows: list[dict[str, Any]] = []
    for c in IN_PROCESS_CONCURRENCY:
        rows.append(asyncio.run(bench_in_process(c)))
        _print(rows[-1])
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(asyncio.run(bench_in_process(1000, str(Path(tmp) / "traces.db"))))
        _print(rows[-1])
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        _wait_for(port, proc)
        for c in SERVER_CONCURRENCY:
            rows.append(asyncio.run(bench_server(f"http://127.0.0.1:{port}", c, proc.pid)))
            _print(rows[-1])
    finally:
        proc.terminate()
        proc.wait(30)
    write(rows)


def write(rows: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "waves": WAVES, "load_avg_at_end": os.getloadavg()[0]}
    (RESULTS / "load.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    local = {r["concurrency"]: r for r in rows if r["mode"] == "in-process"}
    lines = [
        "# Load: concurrent runs in one process and concurrent clients against `agentfn serve`",
        "",
        f"Python {meta['python']}, {meta['machine']}, {meta['cpus']} cores shared with other jobs (1-minute load average",
        f"at the end {meta['load_avg_at_end']:.1f}: latencies are inflated by that; error counts and memory are not).",
        "Command: `.venv/bin/python benchmarks/load_bench.py`. Agent: instant scripted model, step 1 calls a sync",
        "`add(a, b)` tool, step 2 answers (validation, limits, guards, events on; the scripted model does not keep",
        "its requests, as the test double `FunctionModel` does). Each row: one warm-up wave,",
        f"then {WAVES} waves of N simultaneous clients (each sends max(1, {MIN_REQUESTS} / N) requests back to back).",
        "RSS: resident memory of the process doing the work (this one in-process, the server process otherwise)",
        "after the warm-up wave and at the end.",
        "",
        "| mode | concurrent | requests | errors | p50 | p99 | max | per s | p50 vs in-process | RSS after warm-up | RSS end | growth | last wave |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = local.get(r["concurrency"])
        ratio = f"{r['p50_ms'] / base['p50_ms']:.1f}x" if base and r["mode"] == "agentfn serve" else ""
        lines.append(
            f"| {r['mode']} | {r['concurrency']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.2f} ms | "
            f"{r['p99_ms']:.2f} ms | {r['max_ms']:.1f} ms | {r['throughput_rps']:.0f} | {ratio} | "
            f"{r['rss_after_warmup_mb']:.0f} MB | {r['rss_end_mb']:.0f} MB | {r['rss_growth_mb']:+.1f} MB | "
            f"{r['rss_last_wave_growth_mb']:+.1f} MB |"
        )
    traced = next((r for r in rows if "traced_runs" in r), None)
    if traced is not None:
        lines += ["", f"Trace store row: {traced['traced_runs']} runs in the SQLite store after the flush "
                      f"(warm-up included), {traced['trace_errors']} recorder errors or drops; RSS after the flush "
                      f"{traced['rss_after_flush_mb']:.0f} MB. Its memory is higher because 1,000 runs at once outpace one "
                      "SQLite writer (events queue up), and it keeps climbing by about 2 MB per 1,000 runs even with a "
                      "flush after every wave; tracemalloc finds no Python object kept (-0.4 MB over 2,000 traced runs), "
                      "so the growth is native (SQLite's page cache per pooled connection, the writer thread's malloc "
                      "arena); not diagnosed further."]
    lines += [
        "",
        "Zero errors at every level is the pass condition (the same limits are asserted by `pytest -m stress`:",
        "tests/stress/test_agent_faults.py for 1,000 in-process runs, tests/stress/test_serve_load.py for 256",
        "clients against the real `agentfn serve` command). RSS never falls back (CPython keeps freed memory), so",
        "a leak shows as growth that goes on wave after wave: the last-wave column (RSS after the last wave minus",
        "RSS after the one before) stays near zero when nothing is kept per request. At 256 clients, latency is",
        "queueing: one event loop serves them all, so",
        "p50 is roughly N x the per-request CPU cost (see serve.md for CPU per request).",
    ]
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'load.md'}")


if __name__ == "__main__":
    main()
