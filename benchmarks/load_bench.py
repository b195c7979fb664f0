"""Load: concurrent agent runs in one process, concurrent clients against ``agentfn serve``, and a memory soak.

Run: ``.venv/bin/python benchmarks/load_bench.py [--quick]`` (a few minutes; ``--quick``: small sizes,
nothing written). Writes ``benchmarks/results/load.json``, then ``load.md`` rendered from it by
:func:`render_markdown`.

The agent is the serve benchmark's (``benchmarks/serve_bench.py``): an instant scripted model whose step 1
calls a sync ``add(a, b)`` tool and whose step 2 answers, with validation, limits, guards and events on, so
the figures are the runtime's own cost. Unlike the serve benchmark (a timed window of back-to-back
requests, for throughput), this one sends a fixed number of requests in waves of N simultaneous clients
and counts what matters under load: errors (must be zero), p50/p99 latency, and memory (resident set
size after a warm-up wave and at the end: growth means something is kept per request).

Rows:
* in-process, N concurrent ``agent.run`` in one event loop, N = 1, 16, 256 and 1,000; 1,000 once more with
  the SQLite trace recorder on, for each writer (``thread`` and ``process``);
* server: the real app under uvicorn in its own process (API-key auth, rate limiting, metrics on), N
  concurrent aiohttp clients; the server's RSS is read from /proc.

Soak (the memory bound of issue 15): ``SOAK_WAVES`` waves of ``SOAK_CONCURRENCY`` simultaneous recorded
runs, each wave waited out until every run is in the store, RSS read after each wave; the figure is the
growth over the second half of the waves. Three soaks, each in a fresh process: in-process with the thread
writer, in-process with the process writer, and ``agentfn serve``'s app with ``trace_store`` set (which
records with ``writer="auto"``, the process writer).
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from serve_bench import BODY, KEY, _free_port, _wait_for, build_agent, process_cpu  # shared with serve_bench
from serve_bench import serve as serve_bench_serve

RESULTS = Path(__file__).parent / "results"
SERVER_CONCURRENCY = (1, 16, 256)
IN_PROCESS_CONCURRENCY = (1, 16, 256, 1000)
WAVES = 3  # measured waves per row, after one warm-up wave
MIN_REQUESTS = 200  # low concurrency: enough requests per wave for a p99
SOAK_WAVES = 24
SOAK_CONCURRENCY = 1000
SOAK_BOUND_MB = 8.0  # RSS growth allowed over the second half of the soak


def bench_agent() -> Any:
    """The serve benchmark's agent, without ``FunctionModel``'s record of every request.

    That record (~2.5 KB a step) would be measured as memory growth of the runtime, which it is not.
    """
    return build_agent(keep_requests=False)


def serve(port: int, trace_store: str | None = None) -> None:
    """The server process: as in serve_bench.py (auth, rate limiting, metrics on), with :func:`bench_agent`."""
    serve_bench_serve(port, keep_requests=False, trace_store=trace_store)


def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


def children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (the trace writer process of a server)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(x) for x in text]
    return out


def _stats(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    ordered = sorted(latencies)
    return {
        "p50_ms": statistics.median(ordered) * 1e3,
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3,
        "max_ms": ordered[-1] * 1e3,
    }


async def _settled() -> None:
    return None


async def _waves(
    concurrency: int, one: Any, rss: Any, cpu: Any = time.process_time, writer_cpu: Any = None, settle: Any = _settled,
) -> dict[str, Any]:
    """A warm-up wave, then ``WAVES`` waves of ``concurrency`` clients each sending its share back to back.

    ``cpu`` (and ``writer_cpu``, a trace writer process) clock the CPU seconds of the side under test
    from the end of the warm-up to the end: ``settle()`` (a trace flush) runs before both readings,
    so work queued by the warm-up is not counted and work queued by the measured waves is.
    Throughput and latency count the waves alone.
    """
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
    await settle()
    rss_waves = [rss()]
    cpu0, wcpu0 = cpu(), writer_cpu() if writer_cpu else 0.0
    started = time.perf_counter()
    for _ in range(WAVES):
        await asyncio.gather(*(client(True) for _ in range(concurrency)))
        rss_waves.append(rss())
    wall = time.perf_counter() - started
    await settle()
    n = max(1, len(latencies) + len(errors))
    cpu_us = (cpu() - cpu0) / n * 1e6
    writer_us = (writer_cpu() - wcpu0) / n * 1e6 if writer_cpu else None
    rss_warm, rss_end = rss_waves[0], rss_waves[-1]
    return {
        "cpu_us_per_request": cpu_us, "writer_cpu_us_per_request": writer_us,
        "concurrency": concurrency, "requests": len(latencies) + len(errors), "errors": len(errors),
        "error_samples": sorted(set(errors))[:3], "throughput_rps": len(latencies) / wall, **_stats(latencies),
        "rss_after_warmup_mb": rss_warm, "rss_end_mb": rss_end, "rss_growth_mb": rss_end - rss_warm,
        "rss_per_wave_mb": rss_waves, "rss_last_wave_growth_mb": rss_waves[-1] - rss_waves[-2],
    }


def _recorded_agent(store_path: str, writer: str) -> tuple[Any, Any]:
    from agentfn import Agent
    from agentfn.traces import TraceRecorder, TraceStore

    base = bench_agent()
    recorder = TraceRecorder(TraceStore.open(store_path), writer=writer)  # type: ignore[arg-type]
    return Agent(base.model, base.toolset, name=base.name, recorder=recorder), recorder


async def bench_in_process(concurrency: int, store_path: str | None = None, writer: str = "thread") -> dict[str, Any]:
    from agentfn.messages import messages_from_openai

    agent, recorder = (bench_agent(), None) if store_path is None else _recorded_agent(store_path, writer)
    messages = messages_from_openai(BODY["messages"])

    async def one() -> bool:
        return (await agent.run(messages)).output == "3"

    if recorder is None:
        row = await _waves(concurrency, one, rss_mb)
    else:

        async def settle() -> None:
            assert await recorder.aflush(600)

        pid = recorder.writer_pid
        row = await _waves(concurrency, one, rss_mb, writer_cpu=process_cpu(pid) if pid else None, settle=settle)
    row["mode"] = "in-process" if recorder is None else f"in-process + trace store ({writer} writer)"
    if recorder is not None:
        assert await recorder.aflush(300)
        row["writer"] = writer
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

        row = await _waves(concurrency, one, lambda: rss_mb(server_pid), cpu=process_cpu(server_pid))
    row["mode"] = "agentfn serve"
    return row


# -- soak -------------------------------------------------------------------------------------


def _soak_summary(rss: list[float], **extra: Any) -> dict[str, Any]:
    half = len(rss) // 2
    return {"rss_mb": rss, "growth_second_half_mb": rss[-1] - rss[half - 1], **extra}


async def _soak_in_process(writer: str, waves: int, concurrency: int, store_path: str) -> dict[str, Any]:
    """Runs in its own process (``--soak-child``), so its RSS is the soak's alone."""
    from agentfn.messages import messages_from_openai

    agent, recorder = _recorded_agent(store_path, writer)
    messages = messages_from_openai(BODY["messages"])
    rss: list[float] = []
    writer_rss: list[float] = []
    errors = 0
    run_s = 0.0
    started = time.perf_counter()
    for _ in range(waves):
        t0 = time.perf_counter()
        results = await asyncio.gather(*(agent.run(messages) for _ in range(concurrency)), return_exceptions=True)
        run_s += time.perf_counter() - t0
        errors += sum(1 for r in results if isinstance(r, BaseException) or r.output != "3")
        del results
        assert await recorder.aflush(600), "the trace writer did not catch up"
        rss.append(rss_mb())
        if recorder.writer_pid is not None:
            writer_rss.append(rss_mb(recorder.writer_pid))
    wall = time.perf_counter() - started
    out = _soak_summary(
        rss, mode="in-process", writer=writer, waves=waves, concurrency=concurrency, runs=waves * concurrency,
        errors=errors, runs_per_s=waves * concurrency / run_s, stored_per_s=waves * concurrency / wall,
        stored_runs=recorder.store.count_runs(outcome="answered"), trace_errors=recorder.errors + recorder.dropped,
        writer_rss_mb=writer_rss,
    )
    recorder.close()
    return out


def soak_in_process(writer: str, waves: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--soak-child", writer, str(waves), str(concurrency), str(Path(tmp) / "t.db")],
            check=True, capture_output=True, text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


async def _serve_soak_waves(port: int, pid: int, store: str, waves: int, concurrency: int) -> dict[str, Any]:
    import aiohttp

    from agentfn.traces import TraceStore

    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    payload = json.dumps(BODY).encode()
    rss: list[float] = []
    writer_rss: list[float] = []
    errors: list[str] = []
    request_s = 0.0
    started = time.perf_counter()
    with TraceStore.open(store) as traces:
        for wave in range(waves):
            connector = aiohttp.TCPConnector(limit=concurrency)
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector, headers=headers,
                                             timeout=aiohttp.ClientTimeout(total=300)) as session:

                async def one() -> None:
                    try:
                        async with session.post("/v1/chat/completions", data=payload) as r:
                            text = await r.read()
                        if r.status != 200 or json.loads(text)["choices"][0]["message"]["content"] != "3":
                            errors.append(f"{r.status}: {text[:200]!r}")
                    except Exception as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")

                t0 = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(concurrency)))
                request_s += time.perf_counter() - t0
            # Wait until the server's writer has stored the wave, so queued events are not counted as growth.
            deadline = time.monotonic() + 300
            while traces.count_runs() < (wave + 1) * concurrency and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            rss.append(rss_mb(pid))
            writer_rss.append(sum(rss_mb(c) for c in children(pid)))
        stored = traces.count_runs(outcome="answered")
    wall = time.perf_counter() - started
    return _soak_summary(
        rss, mode="agentfn serve", writer="auto (process)", waves=waves, concurrency=concurrency,
        runs=waves * concurrency, errors=len(errors), error_samples=sorted(set(errors))[:3],
        runs_per_s=waves * concurrency / request_s, stored_per_s=waves * concurrency / wall, stored_runs=stored,
        writer_rss_mb=writer_rss,
    )


def soak_serve(waves: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "serve.db")
        port = _free_port()
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), store])
        try:
            _wait_for(port, proc)
            return asyncio.run(_serve_soak_waves(port, proc.pid, store, waves, concurrency))
        finally:
            proc.terminate()
            proc.wait(120)


# -- main -------------------------------------------------------------------------------------


def _print(row: dict[str, Any]) -> None:
    print(f"{row['mode']:<44} c={row['concurrency']:>4}  {row['requests']:>5} requests  errors {row['errors']}  "
          f"p50 {row['p50_ms']:8.2f} ms  p99 {row['p99_ms']:8.2f} ms  {row['throughput_rps']:7.0f}/s  "
          f"RSS {row['rss_after_warmup_mb']:.0f} -> {row['rss_end_mb']:.0f} MB", flush=True)


def _print_soak(s: dict[str, Any]) -> None:
    print(f"soak {s['mode']} ({s['writer']}): {s['runs']} runs, {s['errors']} errors, {s['stored_runs']} stored, "
          f"{s['runs_per_s']:.0f} runs/s, RSS {s['rss_mb'][0]:.1f} -> {s['rss_mb'][-1]:.1f} MB, "
          f"second half {s['growth_second_half_mb']:+.2f} MB", flush=True)


def _page_cache_kib() -> int:
    """The SQLite page cache a store connection is given (read back from SQLite, not assumed)."""
    from agentfn.traces import TraceStore

    with (tempfile.TemporaryDirectory() as tmp, TraceStore.open(Path(tmp) / "t.db") as store,
          store.engine.connect() as conn):
        value = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    return -value if value < 0 else value * 4  # negative: KiB; positive: pages of 4 KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, results not written")
    ap.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--soak-child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1] if len(args.serve) > 1 else None)
        return
    if args.soak_child:
        writer, waves, concurrency, store = args.soak_child
        print(json.dumps(asyncio.run(_soak_in_process(writer, int(waves), int(concurrency), store))))
        return
    soak_waves, soak_concurrency = (4, 200) if args.quick else (SOAK_WAVES, SOAK_CONCURRENCY)
    rows: list[dict[str, Any]] = []
    for c in IN_PROCESS_CONCURRENCY:
        rows.append(asyncio.run(bench_in_process(c)))
        _print(rows[-1])
    for writer in ("thread", "process"):
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(asyncio.run(bench_in_process(1000, str(Path(tmp) / "traces.db"), writer)))
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
    soaks = [soak_in_process(w, soak_waves, soak_concurrency) for w in ("thread", "process")]
    for s in soaks:
        _print_soak(s)
    soaks.append(soak_serve(soak_waves, soak_concurrency))
    _print_soak(soaks[-1])
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "waves": WAVES, "min_requests": MIN_REQUESTS, "load_avg_at_end": os.getloadavg()[0],
            "soak_bound_mb": SOAK_BOUND_MB, "sqlite_page_cache_kib": _page_cache_kib(), "quick": args.quick}
    data = {"meta": meta, "rows": rows, "soak": soaks}
    if args.quick:
        print(render_markdown(data))
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS / "load.md").write_text(render_markdown(data))
    print(f"wrote {RESULTS / 'load.md'}")


# -- report -----------------------------------------------------------------------------------


def _soak_table(data: dict[str, Any]) -> list[str]:
    bound = data["meta"]["soak_bound_mb"]
    lines = [
        "| mode | writer | runs | errors | stored | runs/s | stored/s | RSS after wave 1 | after half | end "
        "| growth, second half | within bound | writer process RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for s in data["soak"]:
        rss, half = s["rss_mb"], len(s["rss_mb"]) // 2
        w = s["writer_rss_mb"]
        writer_rss = f"{w[0]:.0f} -> {w[-1]:.0f} MB" if w else ""
        ok = "yes" if s["growth_second_half_mb"] < bound and not s["errors"] and s["stored_runs"] == s["runs"] else "NO"
        lines.append(
            f"| {s['mode']} | {s['writer']} | {s['runs']} | {s['errors']} | {s['stored_runs']} | {s['runs_per_s']:.0f} | "
            f"{s['stored_per_s']:.0f} | {rss[0]:.1f} MB | {rss[half - 1]:.1f} MB | {rss[-1]:.1f} MB | "
            f"{s['growth_second_half_mb']:+.2f} MB | {ok} | {writer_rss} |"
        )
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    """``load.md`` from ``load.json`` (pure: every figure comes from ``data``)."""
    meta, rows, soaks = data["meta"], data["rows"], data["soak"]
    local = {r["concurrency"]: r for r in rows if r["mode"] == "in-process"}
    lines = [
        "# Load: concurrent runs in one process, concurrent clients against `agentfn serve`, memory soak",
        "",
        f"Python {meta['python']}, {meta['machine']}, {meta['cpus']} cores shared with other jobs (1-minute load average",
        f"at the end {meta['load_avg_at_end']:.1f}: latencies are inflated by that; error counts and memory are not).",
        "Command: `.venv/bin/python benchmarks/load_bench.py`. Agent: instant scripted model, step 1 calls a sync",
        "`add(a, b)` tool, step 2 answers (validation, limits, guards, events on; the scripted model does not keep",
        "its requests, as the test double `FunctionModel` does). Each row: one warm-up wave,",
        f"then {meta['waves']} waves of N simultaneous clients (each sends max(1, {meta['min_requests']} / N) requests "
        "back to back).",
        "RSS: resident memory of the process doing the work (this one in-process, the server process otherwise)",
        "after the warm-up wave and at the end. CPU per request: CPU time of that process (all threads) over the",
        "measured waves per request, plus the trace writer process's for the process writer; unlike throughput",
        "it hardly depends on what else the machine runs. Trace-store rows wait for the store after the warm-up",
        "and after the last wave, so the CPU of recording every measured run is counted.",
        "",
        "| mode | concurrent | requests | errors | p50 | p99 | max | per s | vs in-process | CPU per request "
        "| vs in-process | RSS after warm-up | RSS end | growth | last wave |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        base = local.get(r["concurrency"])
        ratio = ""
        if base is not None and r["mode"] == "agentfn serve":
            ratio = f"p50 {r['p50_ms'] / base['p50_ms']:.1f}x"
        elif base is not None and r is not base:
            ratio = f"{r['throughput_rps'] / base['throughput_rps']:.2f}x runs/s"
        cpu = f"{r['cpu_us_per_request']:.0f} us"
        if r.get("writer_cpu_us_per_request") is not None:
            cpu += f" + writer {r['writer_cpu_us_per_request']:.0f} us"
        cpu_ratio = ""
        if base is not None and r is not base:
            cpu_ratio = f"{r['cpu_us_per_request'] / base['cpu_us_per_request']:.2f}x"
        lines.append(
            f"| {r['mode']} | {r['concurrency']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.2f} ms | "
            f"{r['p99_ms']:.2f} ms | {r['max_ms']:.1f} ms | {r['throughput_rps']:.0f} | {ratio} | {cpu} | {cpu_ratio} | "
            f"{r['rss_after_warmup_mb']:.0f} MB | {r['rss_end_mb']:.0f} MB | {r['rss_growth_mb']:+.1f} MB | "
            f"{r['rss_last_wave_growth_mb']:+.1f} MB |"
        )
    traced = [r for r in rows if "traced_runs" in r]
    if traced:
        lines += ["", "Trace-store rows do not wait for the store between waves: events still queued for the writer "
                      "count in their RSS and last-wave growth (the soak below waits after every wave)."] + [
            f"Trace store row, {r['writer']} writer: {r['traced_runs']} runs in the SQLite store after the flush "
            f"(warm-up included), {r['trace_errors']} recorder errors or drops; RSS after the flush "
            f"{r['rss_after_flush_mb']:.0f} MB."
            for r in traced
        ]
    if soaks:
        s0 = soaks[0]
        half_runs = (s0["waves"] - s0["waves"] // 2) * s0["concurrency"]
        lines += [
            "",
            f"## Soak: {s0['waves']} waves of {s0['concurrency']} simultaneous recorded runs",
            "",
            "Each soak runs in a fresh process (the server's for `agentfn serve`, recording with `writer=\"auto\"`),",
            "SQLite trace store. After each wave the soak waits until every run of the wave is stored, then reads",
            f"RSS. Growth, second half: RSS at the end minus RSS after wave {s0['waves'] // 2}, i.e. over the last "
            f"{half_runs} runs; the bound is {meta['soak_bound_mb']:.0f} MB. runs/s counts the waves' own time, "
            "stored/s the whole soak including the waits for the store. Writer process RSS: the trace writer child, "
            "after the first and the last wave.",
            "",
            *_soak_table(data),
            "",
            "RSS after each wave (MB):",
            "",
            *[f"- {s['mode']}, {s['writer']}: " + ", ".join(f"{x:.1f}" for x in s["rss_mb"]) for s in soaks],
            "",
            f"SQLite page cache per store connection, as read back from SQLite: {meta['sqlite_page_cache_kib']} KiB.",
            "SQLite keeps recently used pages of the growing file in that cache until it is full, so a larger cache",
            "shows as RSS that climbs with every wave until the cache is full; a flat second half means nothing is",
            "kept per run.",
        ]
    top = max((r["concurrency"] for r in rows if r["mode"] == "agentfn serve"), default=None)
    lines += [
        "",
        "Zero errors at every level is the pass condition (the same limits are asserted by `pytest -m stress`:",
        "tests/stress/test_agent_faults.py for in-process runs, tests/stress/test_serve_load.py for clients",
        "against the real `agentfn serve` command, tests/stress/test_trace_soak.py for the soak bound).",
        "RSS never falls back (CPython keeps freed memory), so a leak shows as growth that goes on wave after",
        "wave: the last-wave column (RSS after the last wave minus RSS after the one before) stays near zero when",
        "nothing is kept per request.",
    ]
    if top is not None:
        lines += [
            f"At {top} clients, latency is queueing: one event loop serves them all, so p50 is roughly N x the",
            "per-request CPU cost (see serve.md for CPU per request).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
