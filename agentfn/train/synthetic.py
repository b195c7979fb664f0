"""Traces for training and benchmarks, recorded through the real agent loop.

:func:`record_scripted_runs` runs a real :class:`~agentfn.agent.Agent` with a
scripted model (:class:`~agentfn.backends.function.FunctionModel`) that calls,
one step at a time and in order, the gold tools of each request, and records
every run with a real :class:`~agentfn.traces.TraceRecorder` into a store.
Only the model is scripted: tools are validated and executed, and traces are
written exactly as in production. Optionally some runs first call a wrong tool
that fails (a realistic "tried and failed" negative).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentfn.evals.evalset import EvalQuery
    from agentfn.messages import Message
    from agentfn.traces.store import TraceStore

__all__ = ["record_scripted_runs"]


def record_scripted_runs(
    store: TraceStore,
    queries: Sequence[EvalQuery],
    tool_specs: Sequence[dict[str, Any]],
    *,
    wrong_first: float = 0.0,
    seed: int = 0,
    agent_name: str = "scripted",
) -> int:
    """Run one agent per request; return how many runs were recorded.

    Args:
        store: where the recorder writes.
        queries: requests with their gold tools (``[]``: the model answers directly).
        tool_specs: OpenAI specs of every tool a request may need (gold tools and distractors).
        wrong_first: fraction of runs that first call a non-gold tool, which fails with a retry.
        seed: picks which runs go wrong and with which tool.
    """
    from agentfn.agent import Agent
    from agentfn.backends.base import ModelRequest
    from agentfn.backends.function import FunctionModel, call, example_from_schema
    from agentfn.exceptions import ToolRetry
    from agentfn.messages import AssistantMessage
    from agentfn.tool import Tool
    from agentfn.traces.recorder import TraceRecorder

    rng = random.Random(seed)
    functions: list[dict[str, Any]] = [dict(s.get("function", s)) for s in tool_specs]
    names = [str(f["name"]) for f in functions]
    params: dict[str, dict[str, Any]] = {str(f["name"]): dict(f.get("parameters") or {}) for f in functions}
    current: dict[str, Any] = {"gold": [], "wrong": None}

    def make_tool(spec: dict[str, Any]) -> Tool[..., Any]:
        name = str(spec.get("function", spec)["name"])

        def run_tool(**kwargs: Any) -> dict[str, Any]:
            if name not in current["gold"]:
                raise ToolRetry(f"{name} cannot serve this request")
            return {"ok": True, "tool": name, "arguments": sorted(kwargs)}

        return Tool.from_schema(spec, function=run_tool)

    spec_of = dict(zip(names, tool_specs, strict=True))
    built: dict[str, Tool[..., Any]] = {}

    def tool_for(name: str) -> Tool[..., Any]:
        # Built on first use: a registry of thousands of specs costs seconds to compile up front.
        if name not in built:
            built[name] = make_tool(spec_of[name])
        return built[name]

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        plan: list[str] = ([current["wrong"]] if current["wrong"] else []) + list(current["gold"])
        done = sum(1 for m in messages if m.role == "tool")
        if done < len(plan):
            name = plan[done]
            return AssistantMessage(tool_calls=[call(name, example_from_schema(params[name]))])
        return "done" if plan else "No tool is needed for that."

    async def run_all() -> int:
        recorder = TraceRecorder(store)
        count = 0
        try:
            for q in queries:
                current["gold"] = list(q.gold)
                wrong = None
                if q.gold and rng.random() < wrong_first:
                    wrong = rng.choice([n for n in names if n not in q.gold])
                current["wrong"] = wrong
                offered: list[str] = list(dict.fromkeys([*q.gold, *([wrong] if wrong else [])]))
                agent: Agent[None, str] = Agent(
                    FunctionModel(reply, name="scripted"),
                    tools=[tool_for(n) for n in offered],
                    name=agent_name,
                    recorder=recorder,
                    retries=3,
                )
                await agent.run(q.text)
                count += 1
            await recorder.aflush(120)
        finally:
            recorder.close()
        return count

    return asyncio.run(run_all())
