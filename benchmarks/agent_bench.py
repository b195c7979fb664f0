"""Agent-loop overhead per run with an instant scripted model, agentfn vs pydantic-ai.

Run: ``.venv/bin/python benchmarks/agent_bench.py`` (pydantic-ai-slim must be installed
in the benchmark environment). Writes ``benchmarks/results/agent.md`` and ``agent.json``.

Both frameworks run the same script: step 1 calls ``add(a=1, b=2)`` (a sync
tool), step 2 answers with text. agentfn runs with validation, retries,
limits, loop guards and events all on (a no-op event handler attached).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
CONCURRENT = 1000  # runs in the concurrent measurement


def agentfn_agent() -> Any:
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

    class NoOp:
        def handle(self, event: Any) -> None:
            pass

    return Agent(FunctionModel(reply), [add], handlers=[NoOp()], retries=2, max_steps=10, max_tool_calls=50)


def pydantic_ai_agent() -> Any:
    from pydantic_ai import Agent
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    def reply(messages: list[Any], info: AgentInfo) -> ModelResponse:
        if len(messages) == 1:
            return ModelResponse(parts=[ToolCallPart("add", {"a": 1, "b": 2})])
        return ModelResponse(parts=[TextPart("3")])

    agent = Agent(FunctionModel(reply))

    @agent.tool_plain
    def add(a: int, b: int) -> int:  # pyright: ignore[reportUnusedFunction]
        """Add two integers."""
        return a + b

    return agent


async def sequential(agent: Any, n: int, output_attr: str) -> list[float]:
    times: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        result = await agent.run("what is 1+2?")
        times.append(time.perf_counter() - t0)
        assert getattr(result, output_attr) == "3"
    return times


async def concurrent(agent: Any, n: int, output_attr: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    results = await asyncio.gather(*(agent.run(f"what is 1+2? #{i}") for i in range(n)), return_exceptions=True)
    elapsed = time.perf_counter() - t0
    errors = sum(1 for r in results if isinstance(r, BaseException) or getattr(r, output_attr) != "3")
    return elapsed, errors


def measure(make: Any, output_attr: str, runs: int, rounds: int) -> dict[str, Any]:
    agent = make()
    asyncio.run(sequential(agent, 50, output_attr))  # warm-up: imports, caches, thread pool
    per_run: list[float] = []
    for _ in range(rounds):
        gc.collect()
        times = asyncio.run(sequential(agent, runs, output_attr))
        per_run.append(statistics.median(times))
    gc.collect()
    tracemalloc.start()
    elapsed, errors = asyncio.run(concurrent(agent, CONCURRENT, output_attr))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Throughput without tracemalloc's overhead.
    elapsed, errors2 = asyncio.run(concurrent(agent, CONCURRENT, output_attr))
    return {
        "median_run_s": min(per_run),
        "concurrent_s": elapsed,
        "concurrent_runs_per_s": CONCURRENT / elapsed,
        "concurrent_errors": errors + errors2,
        "concurrent_peak_mem_mb": peak / 1e6,
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    ours = measure(agentfn_agent, "output", runs, 3)
    theirs = measure(pydantic_ai_agent, "output", max(50, runs // 5), 3)
    report: dict[str, Any] = {
        "benchmark": "two-step agent run (one tool call, then answer), instant scripted model",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_avg_at_end": os.getloadavg()[0],
        "agentfn": ours,
        "pydantic_ai": theirs,
        "ratio_agentfn_over_pydantic_ai": ours["median_run_s"] / theirs["median_run_s"],
        "concurrent_runs": CONCURRENT,
        "aim": {"max_ratio": 1 / 6, "min_concurrent_runs_per_s": 2000},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "agent.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "agent.md").write_text(render_markdown(report))
    print(render_markdown(report))


def render_markdown(report: dict[str, Any]) -> str:
    """``agent.md`` from ``agent.json`` (pure: every figure comes from ``report``)."""
    ours, theirs, aim = report["agentfn"], report["pydantic_ai"], report["aim"]
    ratio = report["ratio_agentfn_over_pydantic_ai"]
    met = (ratio <= aim["max_ratio"] and ours["concurrent_runs_per_s"] >= aim["min_concurrent_runs_per_s"]
           and ours["concurrent_errors"] == 0)
    n = report["concurrent_runs"]
    lines = [
        "# Agent-loop overhead (instant scripted model)",
        "",
        f"Python {report['python']}, {report['machine']} (1-minute load average at the end "
        f"{report['load_avg_at_end']:.1f}). Command: `.venv/bin/python benchmarks/agent_bench.py`.",
        "Script: step 1 calls a sync `add(a, b)` tool, step 2 answers. agentfn with validation, retries, limits,",
        "loop guards and events on.",
        "",
        "| | agentfn | pydantic-ai | agentfn / pydantic-ai |",
        "|---|---:|---:|---:|",
        f"| median two-step run | {ours['median_run_s'] * 1e6:.0f} µs | {theirs['median_run_s'] * 1e6:.0f} µs | {ratio:.3f} |",
        f"| {n:,} concurrent runs | {ours['concurrent_runs_per_s']:.0f} runs/s | {theirs['concurrent_runs_per_s']:.0f} runs/s | "
        f"{theirs['concurrent_s'] / ours['concurrent_s']:.1f}x faster |",
        f"| errors in concurrent runs | {ours['concurrent_errors']} | {theirs['concurrent_errors']} | |",
        f"| peak traced memory, {n:,} concurrent | {ours['concurrent_peak_mem_mb']:.1f} MB | "
        f"{theirs['concurrent_peak_mem_mb']:.1f} MB | |",
        "",
        f"Aim: ratio <= {aim['max_ratio']:.3f}; >= {aim['min_concurrent_runs_per_s']} runs/s with {n} concurrent "
        f"runs, 0 errors. Met: {'yes' if met else 'NO'}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
