"""Trace recording overhead and import throughput.

Run: ``.venv/bin/python benchmarks/traces_bench.py [--quick]``. Writes
``benchmarks/results/traces.md`` and ``traces.json``.

1. Recording overhead per step, with a real ``Agent`` and an instant scripted
   model (``FunctionModel``; each run: three tool steps, then an answer). Side
   by side in one process, interleaved rounds, median of rounds:
   - no recorder;
   - ``TraceRecorder`` on a SQLite file (batched writer thread, redaction on/off);
   - what a user would write instead: a handler that INSERTs each event's JSON
     into SQLite and commits, synchronously (``naive sync sqlite``), and one that
     appends each event as a JSON line to a file (``jsonl append``).
   "step time" is wall time of the runs divided by steps, measured to the end of
   the runs (the recorder keeps writing in its thread); "incl. flush" adds the
   time until everything is durably stored.
2. The recorder alone on synthetic events: ``handle()`` cost per event on the
   caller's thread and end-to-end stored steps per second.
3. Import throughput of the chat JSONL format: 100,000 records into a fresh
   SQLite store (and PostgreSQL when ``AGENTFN_TEST_POSTGRES_URL`` is set,
   20,000 records), next to a floor reference: ``json.loads`` + raw
   ``sqlite3.executemany`` of each line into one table (no parsing into runs,
   steps and calls).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).parent / "results"
IMPORT_AIM_RECORDS_PER_S = 5_000


# -- 1. agent overhead --------------------------------------------------------------------


def make_agent(recorder: Any, latency_s: float = 0.0) -> Any:
    from agentfn.agent import Agent
    from agentfn.backends.function import FunctionModel, call
    from agentfn.messages import AssistantMessage
    from agentfn.tool import tool

    @tool
    def get_weather(city: str, unit: str = "C") -> dict[str, Any]:
        """Weather for a city.

        Args:
            city: the city.
            unit: C or F.
        """
        return {"city": city, "temp": 21, "unit": unit}

    async def reply(messages: list[Any], request: Any) -> Any:
        if latency_s:
            await asyncio.sleep(latency_s)  # a model that takes time, as every real one does
        n = sum(1 for m in messages if m.role == "tool")
        if n < 3:
            return AssistantMessage(tool_calls=[call("get_weather", {"city": f"city {n}"})])
        return "It is 21C everywhere."

    return Agent(FunctionModel(reply), tools=[get_weather], recorder=recorder, name="bench")


class NaiveSqlite:
    """What a user might write: one INSERT + COMMIT per event, on the event loop."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS events (run_id TEXT, kind TEXT, body TEXT)")

    def handle(self, event: Any) -> None:
        self.db.execute("INSERT INTO events VALUES (?, ?, ?)", (event.run_id, event.kind, event.model_dump_json()))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


class JsonlAppend:
    """Append each event as a JSON line (flushed), on the event loop."""

    def __init__(self, path: str) -> None:
        self.fh = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def handle(self, event: Any) -> None:
        self.fh.write(event.model_dump_json())
        self.fh.write("\n")
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


async def run_agent(agent: Any, runs: int) -> float:
    t0 = time.perf_counter()
    for i in range(runs):
        await agent.run(f"weather {i}")
    return time.perf_counter() - t0


def bench_agent(runs: int, rounds: int, tmp: Path, latency_s: float = 0.0) -> dict[str, Any]:
    from agentfn.traces import TraceRecorder, TraceStore
    from agentfn.traces.redact import redact_secrets

    steps_per_run = 4
    configs = ["no recorder", "TraceRecorder sqlite, process writer", "TraceRecorder sqlite",
               "TraceRecorder sqlite, no redaction", "naive sync sqlite", "jsonl append",
               f"reference: hold each event {HoldEvents.HOLD_S * 1000:.0f} ms, no work"]
    times: dict[str, list[float]] = {c: [] for c in configs}
    child_cpu: dict[str, list[float]] = {c: [] for c in configs}
    startup_cpu = _writer_startup_cpu(tmp)
    flush_times: dict[str, list[float]] = {c: [] for c in configs}
    cpu_times: dict[str, list[float]] = {c: [] for c in configs}
    flush_interval_ms: dict[str, float] = {}
    asyncio.run(run_agent(make_agent(None), 20))  # warm up imports and caches
    for r in range(rounds):
        for c in configs:
            recorder: Any = None
            store = None
            children0 = _children_cpu()
            if c.startswith("TraceRecorder"):
                store = TraceStore.open(tmp / f"agent-{latency_s}-{r}-{len(c)}.db")
                writer = "process" if "process" in c else "thread"
                recorder = TraceRecorder(store, redact=None if "no redaction" in c else redact_secrets, writer=writer)
                flush_interval_ms[c] = recorder.flush_interval * 1000
                # The writer process starts in ~0.5 s, once per recorder: wait for it outside the timing.
                assert recorder.flush(60)
            elif c == "naive sync sqlite":
                recorder = NaiveSqlite(str(tmp / f"naive-{latency_s}-{r}.db"))
            elif c == "jsonl append":
                recorder = JsonlAppend(str(tmp / f"events-{r}.jsonl"))
            elif c.startswith("reference"):
                recorder = HoldEvents()
            agent = make_agent(recorder, latency_s)
            t0 = time.perf_counter()
            c0 = time.process_time()
            elapsed = asyncio.run(run_agent(agent, runs))
            if isinstance(recorder, TraceRecorder):
                assert recorder.flush(120)
                assert recorder.errors == 0 and recorder.dropped == 0
            total = time.perf_counter() - t0
            cpu_times[c].append(time.process_time() - c0)
            times[c].append(elapsed)
            flush_times[c].append(total)
            if recorder is not None:
                recorder.close()
            child_cpu[c].append(max(0.0, _children_cpu() - children0 - (startup_cpu if "process" in c else 0.0)))
            if store is not None:
                assert store.count_runs() == runs
                store.close()
    out: dict[str, Any] = {"runs": runs, "steps_per_run": steps_per_run, "rounds": rounds, "latency_s": latency_s,
                           "writer_startup_cpu_s": startup_cpu, "configs": {}}
    for c in configs:
        step = statistics.median(times[c]) / (runs * steps_per_run)
        with_flush = statistics.median(flush_times[c]) / (runs * steps_per_run)
        cpu = statistics.median(cpu_times[c]) / (runs * steps_per_run)
        out["configs"][c] = {
            "cpu_step_us": cpu * 1e6,
            "cpu_overhead_us": (cpu - statistics.median(cpu_times["no recorder"]) / (runs * steps_per_run)) * 1e6,
            "writer_process_cpu_us": statistics.median(child_cpu[c]) / (runs * steps_per_run) * 1e6,
            "step_us": step * 1e6,
            "step_incl_flush_us": with_flush * 1e6,
            # Paired: each round's time over the same round's no-recorder time, so drift in what
            # else the machine runs cancels; the median over rounds.
            "overhead_paired_pct": (_paired(times[c], times["no recorder"]) - 1) * 100,
            "overhead_pct": (statistics.median(times[c]) / statistics.median(times["no recorder"]) - 1) * 100,
            "overhead_incl_flush_pct": (
                statistics.median(flush_times[c]) / statistics.median(times["no recorder"]) - 1
            ) * 100,
            "round_seconds": [round(t, 4) for t in times[c]],
        }
        if c in flush_interval_ms:
            out["configs"][c]["flush_interval_ms"] = flush_interval_ms[c]
    return out


def _paired(values: list[float], base: list[float]) -> float:
    return statistics.median(v / b for v, b in zip(values, base, strict=True))


class HoldEvents:
    """Reference, not a recorder: keeps each event alive for ``HOLD_S``, then drops it (no other work).

    Any asynchronous consumer holds events until it gets to them; this row is what that alone costs.
    """

    HOLD_S = 0.05

    def __init__(self) -> None:
        import collections
        import threading

        self._held: collections.deque[Any] = collections.deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while not self._stop.wait(self.HOLD_S):
            for _ in range(len(self._held)):
                self._held.popleft()

    def handle(self, event: Any) -> None:
        self._held.append(event)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _writer_startup_cpu(tmp: Path) -> float:
    """CPU seconds a writer process spends starting and stopping with nothing to write."""
    from agentfn.traces import TraceRecorder

    samples = []
    for i in range(3):
        before = _children_cpu()
        rec = TraceRecorder(tmp / f"startup-{i}.db", writer="process")
        assert rec.flush(60)
        rec.close()
        samples.append(_children_cpu() - before)
    return statistics.median(samples)


# -- 2. recorder alone ----------------------------------------------------------------------


def bench_recorder(runs: int, tmp: Path) -> dict[str, Any]:
    from agentfn.traces import TraceRecorder, TraceStore
    from agentfn.traces.testing import ScriptedCall, scripted_run_events

    events = []
    for i in range(runs):
        events.extend(scripted_run_events(
            [[ScriptedCall("get_weather", {"city": "Paris"}, result='{"temp": 21}')]] * 3, run_id=f"r{i}",
        ))
    steps = runs * 4
    out: dict[str, Any] = {"events": len(events), "steps": steps}
    for writer in ("thread", "process"):
        store = TraceStore.open(tmp / f"recorder-{writer}.db")
        rec = TraceRecorder(store, writer=writer)  # type: ignore[arg-type]
        assert rec.flush(60)  # the writer process is up
        t0 = time.perf_counter()
        for e in events:
            rec.handle(e)
        handled = time.perf_counter() - t0
        assert rec.flush(300)
        total = time.perf_counter() - t0
        rec.close()
        assert store.count_runs() == runs and rec.errors == 0
        store.close()
        out[writer] = {
            "handle_us_per_event": handled / len(events) * 1e6,
            "stored_steps_per_s": steps / total,
            "stored_events_per_s": len(events) / total,
        }
    return out


# -- 3. import throughput ---------------------------------------------------------------------


TOOLS = [
    {"type": "function", "function": {"name": n, "description": f"{n} tool",
                                      "parameters": {"type": "object", "properties": {"q": {"type": "string"}},
                                                     "required": ["q"]}}}
    for n in ("search", "get_weather", "send_email", "convert", "lookup_user")
]


def make_jsonl(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            msgs: list[dict[str, Any]] = [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"request number {i}: please help with task {rng.randint(0, 10**6)}"},
            ]
            for s in range(rng.randint(1, 3)):
                name = rng.choice(TOOLS)["function"]["name"]
                cid = f"call_{i}_{s}"
                msgs.append({"role": "assistant", "content": None, "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps({"q": f"x{i}"})}}]})
                msgs.append({"role": "tool", "tool_call_id": cid, "name": name, "content": f"result {i} {s}"})
            msgs.append({"role": "assistant", "content": f"answer {i}"})
            fh.write(json.dumps({"messages": msgs, "tools": TOOLS}) + "\n")


def floor_import(path: Path, db: Path) -> float:
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE lines (body TEXT)")
    batch: list[tuple[str]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            json.loads(line)
            batch.append((line,))
            if len(batch) >= 1000:
                conn.executemany("INSERT INTO lines VALUES (?)", batch)
                conn.commit()
                batch = []
    conn.executemany("INSERT INTO lines VALUES (?)", batch)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def bench_import(n: int, tmp: Path, pg_n: int) -> dict[str, Any]:
    from agentfn.traces import TraceStore, export_jsonl, import_jsonl

    src = tmp / "import.jsonl"
    make_jsonl(src, n)
    out: dict[str, Any] = {"records": n, "file_mb": src.stat().st_size / 1e6}
    # In this process (workers=0), then with parser processes (the default for a file this size).
    inproc = TraceStore.open(tmp / "import-inproc.db")
    c0, k0 = time.process_time(), _children_cpu()
    report = import_jsonl(inproc, src, workers=0)
    out["inproc_records_per_cpu_s"] = n / (time.process_time() - c0 + _children_cpu() - k0)
    assert report.imported == n and not report.errors
    out["inproc_records_per_s"] = n / report.seconds
    inproc.close()
    store = TraceStore.open(tmp / "import.db")
    c0, k0 = time.process_time(), _children_cpu()
    report = import_jsonl(store, src)
    # CPU of the importer and its parser processes together.
    out["sqlite_records_per_cpu_s"] = n / (time.process_time() - c0 + _children_cpu() - k0)
    assert report.imported == n and not report.errors
    out["sqlite_records_per_s"] = n / report.seconds
    out["sqlite_seconds"] = report.seconds
    out["workers"] = min(4, os.cpu_count() or 1)
    out["aim_records_per_s"] = IMPORT_AIM_RECORDS_PER_S
    t0 = time.perf_counter()
    exported = export_jsonl(store, tmp / "export.jsonl")
    out["export_records_per_s"] = exported / (time.perf_counter() - t0)
    store.close()
    c0 = time.process_time()
    floor = floor_import(src, tmp / "floor.db")
    out["floor_records_per_cpu_s"] = n / (time.process_time() - c0)
    out["floor_records_per_s"] = n / floor
    pg = os.environ.get("AGENTFN_TEST_POSTGRES_URL")
    if pg and pg_n:
        import sqlalchemy as sa

        schema = f"bench_{os.getpid()}"
        admin = sa.create_engine(pg)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        try:
            small = tmp / "pg.jsonl"
            make_jsonl(small, pg_n)
            with TraceStore.open(f"{pg}?options=-csearch_path%3D{schema}") as pstore:
                c0 = time.process_time()
                rep = import_jsonl(pstore, small)
                out["postgres_records_per_cpu_s"] = pg_n / (time.process_time() - c0)
                assert rep.imported == pg_n
            out["postgres_records"] = pg_n
            out["postgres_records_per_s"] = pg_n / rep.seconds
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    return out


# -- report ---------------------------------------------------------------------------------


def _agent_table(a: dict[str, Any], title: str) -> list[str]:
    lines = [
        f"## {title} ({a['runs']} runs x {a['steps_per_run']} steps, median of {a['rounds']} rounds)",
        "",
        "| event consumer | step time (us) | overhead | overhead, paired rounds | step time incl. flush (us) "
        "| overhead incl. flush | agent process CPU per step (us, all threads) | added CPU per step (us) "
        "| writer process CPU per step (us) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, c in a["configs"].items():
        lines.append(
            f"| {name} | {c['step_us']:.0f} | {c['overhead_pct']:+.1f}% | {c.get('overhead_paired_pct', 0):+.1f}% | "
            f"{c['step_incl_flush_us']:.0f} | "
            f"{c['overhead_incl_flush_pct']:+.1f}% | {c['cpu_step_us']:.0f} | {c['cpu_overhead_us']:+.0f} | "
            f"{c.get('writer_process_cpu_us', 0):.0f} |"
        )
    lines += [
        "",
        f"The writer process's start-up ({a.get('writer_startup_cpu_s', 0):.2f} CPU-s, once per recorder) is "
        "left out of its per-step CPU and happens before the timed runs.",
    ]
    return [*lines, ""]


def render_markdown(res: dict[str, Any]) -> str:
    """``traces.md`` from ``traces.json`` (pure: every figure comes from ``res``)."""
    a, r, i = res["agent"], res["recorder"], res["import"]
    cfg = a["configs"]
    thread, proc = cfg["TraceRecorder sqlite"], cfg["TraceRecorder sqlite, process writer"]
    hold = next(name for name in cfg if name.startswith("reference"))
    lines = [
        "# Trace recording benchmark",
        "",
        f"`.venv/bin/python benchmarks/traces_bench.py` on {res['machine']} (Python {res['python']}, {res['date']}).",
        "The machine is shared (other processes ran at the same time), so absolute numbers are noisy; "
        "compare the rows of one table: every round runs every consumer in turn. 'overhead' compares the "
        "medians over rounds; 'paired rounds' is the median over rounds of (time with the consumer / time "
        "without, same round) - 1, which cancels slow drift; the two differ by the run-to-run noise.",
        "",
    ]
    lines += _agent_table(a, "Recording overhead per agent step, instant scripted model (FunctionModel, one tool)")
    lines += _agent_table(
        res["agent_latency"],
        f"Same, scripted model taking {res['agent_latency']['latency_s'] * 1000:.0f} ms per reply",
    )
    lines += [
        "## Recorder alone (synthetic events of scripted runs)",
        "",
        "| writer | `handle()` on the caller's thread (us/event) | stored end to end (steps/s) | events/s |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {w} | {r[w]['handle_us_per_event']:.1f} | {r[w]['stored_steps_per_s']:,.0f} | "
          f"{r[w]['stored_events_per_s']:,.0f} |" for w in ("thread", "process")],
        "",
        f"{r['events']} events of {r['steps']} steps, handed over as fast as `handle()` takes them.",
        "",
        f"## Import of chat JSONL ({i['records']:,} records, {i['file_mb']:.0f} MB, 1-3 tool calls each)",
        "",
        "| target | records/s (wall) | records per CPU-second (importer + parser processes) |",
        "| --- | ---: | ---: |",
        f"| TraceStore SQLite, {i.get('workers', 0)} parser processes (the default for this file; runs, steps, "
        f"calls parsed and indexed) | **{i['sqlite_records_per_s']:,.0f}** | **{i['sqlite_records_per_cpu_s']:,.0f}** |",
    ]
    if "inproc_records_per_s" in i:
        lines.append(f"| TraceStore SQLite, parsed in the importing process (`workers=0`) | "
                     f"{i['inproc_records_per_s']:,.0f} | {i['inproc_records_per_cpu_s']:,.0f} |")
    if "postgres_records_per_s" in i:
        lines.append(f"| TraceStore PostgreSQL ({i['postgres_records']:,} records, local server; server CPU not counted) | "
                     f"{i['postgres_records_per_s']:,.0f} | {i['postgres_records_per_cpu_s']:,.0f} |")
    lines += [
        f"| floor: json.loads + raw sqlite3 executemany of each line (no parsing) | {i['floor_records_per_s']:,.0f} | "
        f"{i['floor_records_per_cpu_s']:,.0f} |",
        "",
        f"Import takes {i['sqlite_seconds']:.1f}s for {i['records']:,} records; aim > {i['aim_records_per_s']:,} "
        f"records/s ({'met' if i['sqlite_records_per_s'] > i['aim_records_per_s'] else 'NOT met'}). "
        f"Export back to JSONL: {i['export_records_per_s']:,.0f} records/s.",
        "",
        "## How to read this",
        "",
        "- Wall-clock figures depend on what else the machine runs; the CPU columns (process CPU time,",
        "  all threads) are the cost the recorder adds, and records per CPU-second is the import rate one",
        "  free core gives.",
        f"- With the instant scripted model a step costs {cfg['no recorder']['step_us']:.0f} us here. The thread "
        f"writer's row building, redaction and SQL ({thread['cpu_overhead_us']:+.0f} us of CPU per step above) "
        "share the GIL with the agent, so they add",
        "  most of their CPU to the step. The process writer (`TraceRecorder(writer=\"process\")`) does that",
        "  work in a child process on another core; the agent's process only appends events to a deque",
        f"  and pickles each batch (every {proc['flush_interval_ms']:.0f} ms) in a sender thread (agentfn's models "
        "as class + field dict),",
        "  which is the added CPU per step in its row. The writer process's own CPU is in the last column.",
        f"  Holding events alone costs a fast agent (see the row `{hold}`: memory and garbage-collector",
        f"  work), which is why the process writer ships batches every {proc['flush_interval_ms']:.0f} ms rather "
        f"than every {thread['flush_interval_ms']:.0f} ms as the thread writer does.",
        "- With a model that takes time, as every real one does, both writers work while the loop waits;",
        "  the naive synchronous alternative stays slow.",
        "- `handle()` (the only part on the event loop) is a deque append, for either writer.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run; results not written)")
    ap.add_argument("--agent-only", action="store_true", help="only the recording-overhead tables (not saved)")
    args = ap.parse_args()
    runs, rounds, rec_runs, n_import, pg_n = (50, 2, 200, 5_000, 1_000) if args.quick else (150, 11, 2_000, 100_000, 20_000)
    lat_runs = 20 if args.quick else 100
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if args.agent_only:
            for latency in (0.0, 0.005):
                out = bench_agent(runs if not latency else lat_runs, rounds if not latency else 5, tmp, latency)
                for name, row in out["configs"].items():
                    print(f"latency {latency}: {name:40s} step {row['step_us']:7.0f} us  {row['overhead_pct']:+6.1f}%"
                          f"  cpu {row['cpu_step_us']:6.0f} us (+{row['cpu_overhead_us']:.0f})")
            return
        res = {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"),
            "agent": bench_agent(runs, rounds, tmp),
            "agent_latency": bench_agent(lat_runs, max(2, rounds // 2), tmp, latency_s=0.005),
            "recorder": bench_recorder(rec_runs, tmp),
            "import": bench_import(n_import, tmp, pg_n),
        }
    report = render_markdown(res)
    print(report)
    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "traces.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
        (RESULTS / "traces.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
