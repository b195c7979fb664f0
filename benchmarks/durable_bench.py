"""What a durable run (DBOS workflow, each model and tool call a recorded step) costs per step.

Run: ``.venv/bin/python benchmarks/durable_bench.py [--quick]``. Writes
``benchmarks/results/durable.json`` then ``durable.md`` (rendered from the JSON by :func:`render_markdown`).

A real ``Agent`` with a scripted model (``FunctionModel``: three tool steps, then an answer, so
4 model calls and 3 tool calls a run) runs plainly and as a ``DurableAgent``, rounds interleaved,
median round, for an instant model and for one taking 5 ms a call. The durable store is a SQLite
file, and PostgreSQL when ``AGENTFN_TEST_POSTGRES_URL`` is set (a fresh database, dropped after).
Runs go one after another; a second table runs 16 at once. "per step" divides by agent steps (a
model call plus its tool call); the overhead per step is (durable - plain) / steps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).parent / "results"
STEPS_PER_RUN = 4
DBOS_STEPS_PER_RUN = 7  # 4 model calls + 3 tool calls
CONCURRENT = 16


def make_agent(name: str, latency_s: float) -> Any:
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

    return Agent(FunctionModel(reply), [get_weather], name=name)


async def sequential(runner: Any, runs: int) -> float:
    started = time.perf_counter()
    for i in range(runs):
        result = await runner.run(f"weather {i}")
        assert result.ok, result.reason
    return time.perf_counter() - started


async def concurrent(runner: Any, runs: int) -> float:
    started = time.perf_counter()
    results = await asyncio.gather(*(runner.run(f"weather {i}") for i in range(runs)))
    assert all(r.ok for r in results)
    return time.perf_counter() - started


@contextmanager
def postgres_database() -> Iterator[str | None]:
    base = os.environ.get("AGENTFN_TEST_POSTGRES_URL")
    if not base:
        yield None
        return
    import sqlalchemy as sa

    name = "durable_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_store(store: str, label: str, runs: dict[float, int], rounds: int) -> dict[str, Any]:
    from agentfn.durable import DurableAgent, DurableRuntime

    runtime = DurableRuntime(store, listen=False)
    plain = {lat: make_agent(f"bench-{lat}", lat) for lat in runs}
    durable = {lat: DurableAgent(make_agent(f"bench-{lat}", lat), runtime=runtime) for lat in runs}

    async def go() -> dict[str, Any]:
        await runtime.launch()
        out: dict[str, Any] = {"store": label, "latencies": {}}
        for lat, n in runs.items():
            await sequential(durable[lat], 2)  # warm up
            t_plain: list[float] = []
            t_durable: list[float] = []
            for _ in range(rounds):
                t_plain.append(await sequential(plain[lat], n))
                t_durable.append(await sequential(durable[lat], n))
            steps = n * STEPS_PER_RUN
            p, d = statistics.median(t_plain), statistics.median(t_durable)
            out["latencies"]["instant" if lat == 0 else f"{lat * 1000:g} ms"] = {
                "runs": n, "rounds": rounds,
                "plain_step_ms": p / steps * 1000, "durable_step_ms": d / steps * 1000,
                "overhead_step_ms": (d - p) / steps * 1000,
                "overhead_dbos_step_ms": (d - p) / (n * DBOS_STEPS_PER_RUN) * 1000,
                "ratio": statistics.median(x / y for x, y in zip(t_durable, t_plain, strict=True)),
            }
        lat0 = min(runs)
        c_plain = [await concurrent(plain[lat0], CONCURRENT) for _ in range(rounds)]
        c_durable = [await concurrent(durable[lat0], CONCURRENT) for _ in range(rounds)]
        out["concurrent"] = {
            "runs_at_once": CONCURRENT, "model_latency_ms": lat0 * 1000,
            "plain_runs_per_s": CONCURRENT / statistics.median(c_plain),
            "durable_runs_per_s": CONCURRENT / statistics.median(c_durable),
        }
        return out

    try:
        return asyncio.run(go())
    finally:
        runtime.close()


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        "# Durable runs: overhead per step",
        "",
        f"{data['machine']} (1-minute load average {data['load_avg_1m']} at the start), Python {data['python']}, "
        f"DBOS {data['dbos']}. A real `Agent` with a scripted model "
        f"({STEPS_PER_RUN} agent steps a run: {DBOS_STEPS_PER_RUN} recorded DBOS steps, 4 model calls and 3 tool "
        "calls), plain and as a `DurableAgent`, rounds interleaved, median round. Overhead per step is "
        "(durable - plain) / agent steps; ratio is the median over rounds of durable / plain time.",
        "",
        "| store | model | runs x rounds | plain step (ms) | durable step (ms) | overhead / step (ms) "
        "| overhead / DBOS step (ms) | durable / plain |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for block in data["stores"]:
        for model, row in block["latencies"].items():
            lines.append(
                f"| {block['store']} | {model} | {row['runs']} x {row['rounds']} | {row['plain_step_ms']:.2f} | "
                f"{row['durable_step_ms']:.2f} | {row['overhead_step_ms']:.2f} | {row['overhead_dbos_step_ms']:.2f} | "
                f"{row['ratio']:.2f}x |")
    lines += ["", "Concurrent runs (instant model):", "",
              "| store | runs at once | plain runs/s | durable runs/s |", "|---|---:|---:|---:|"]
    for block in data["stores"]:
        c = block["concurrent"]
        lines.append(f"| {block['store']} | {c['runs_at_once']} | {c['plain_runs_per_s']:.1f} | "
                     f"{c['durable_runs_per_s']:.1f} |")
    if not any(b["store"] == "PostgreSQL" for b in data["stores"]):
        lines += ["", "PostgreSQL was not measured (AGENTFN_TEST_POSTGRES_URL was not set)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run, not saved)")
    args = ap.parse_args()
    from importlib.metadata import version

    runs = {0.0: 10, 0.005: 5} if args.quick else {0.0: 60, 0.005: 30}
    rounds = 2 if args.quick else 5
    load_at_start = round(os.getloadavg()[0], 1)
    stores: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        stores.append(bench_store(str(Path(d) / "traces.db"), "SQLite", runs, rounds))
    with postgres_database() as pg:
        if pg is not None:
            stores.append(bench_store(pg, "PostgreSQL", runs, rounds))
    data = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "python": platform.python_version(),
            "load_avg_1m": load_at_start, "dbos": version("dbos"), "stores": stores}
    report = render_markdown(data)
    print(report)
    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "durable.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "durable.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
