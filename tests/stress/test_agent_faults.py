"""Faults and load inside one process: misbehaving tools and 1,000 concurrent runs."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
import tracemalloc
from typing import Any

import pytest

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest, TestModel, tool
from agentfn.backends.function import call
from agentfn.messages import Message, ToolMessage

pytestmark = pytest.mark.stress


@tool
def ok(x: int) -> int:
    """Echo."""
    return x


@tool
def boom(x: int) -> int:
    """Raise."""
    raise ValueError(f"bad {x}")


@tool(timeout=0.05)
async def hang(x: int) -> int:
    """Never finish."""
    await asyncio.sleep(3600)
    return x


@tool
def huge(x: int) -> str:
    """Return a lot."""
    return "z" * 1_000_000


@tool
def opaque(x: int) -> Any:
    """Return something JSON cannot hold."""
    return {"handle": object(), "raw": b"\xff\x00", "set": {1, 2}}


def fan_out(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    if messages[-1].role == "user":
        names = ["ok", "boom", "hang", "huge", "opaque"]
        return AssistantMessage(tool_calls=[call(n, {"x": i}) for i, n in enumerate(names)])
    return "done"


async def test_every_misbehaving_tool_has_a_defined_outcome() -> None:
    agent = Agent(FunctionModel(fan_out), [ok, boom, hang, huge, opaque], max_result_chars=1000)
    result = await agent.run("go")
    assert result.outcome == "answered"
    by_name = {m.name: m for m in result.messages if isinstance(m, ToolMessage)}
    assert by_name["ok"].content == "0" and not by_name["ok"].is_error
    assert "ValueError: bad 1" in by_name["boom"].content
    assert "did not finish within 0.05 s" in by_name["hang"].content
    assert "[... truncated 999000 characters of 1000000]" in by_name["huge"].content
    assert not by_name["opaque"].is_error and "handle" in by_name["opaque"].content


async def test_async_tool_blocking_the_loop_completes_and_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    @tool(timeout=0.05)
    async def blocks_loop() -> str:
        time.sleep(0.2)  # the bug being detected: blocking I/O inside async def
        return "finished"

    model = FunctionModel(lambda m, r: AssistantMessage(tool_calls=[call("blocks_loop")]) if m[-1].role == "user" else "ok")
    with caplog.at_level(logging.WARNING, logger="agentfn.executor"):
        result = await Agent(model, [blocks_loop]).run("x")
    assert result.ok
    assert any("blocks the event loop" in r.getMessage() for r in caplog.records)


async def test_thousand_concurrent_runs_zero_errors_bounded_memory() -> None:
    agent = Agent(TestModel(), [ok, boom], retries=5)
    await agent.run("warm-up")
    latencies: list[float] = []

    async def one(i: int) -> bool:
        t0 = time.perf_counter()
        result = await agent.run(f"q{i}")
        latencies.append(time.perf_counter() - t0)
        return result.outcome == "answered"

    tracemalloc.start()
    outcomes = await asyncio.gather(*(one(i) for i in range(1000)), return_exceptions=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [o for o in outcomes if o is not True] == []
    assert peak < 200e6, f"peak {peak / 1e6:.0f} MB"
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"\n1000 concurrent runs: p50 {statistics.median(latencies) * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, peak {peak / 1e6:.1f} MB")
