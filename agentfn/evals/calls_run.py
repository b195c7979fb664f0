"""Run evaluation cases through the real agent loop and score them (``agentfn eval calls``).

Each run of a case is an :class:`~agentfn.agent.Agent` run per turn with the settings a user would
deploy (``router``, ``tool_choice``, ``follow_route``), so what is scored is what agentfn does, not a
bare model call. A turn stops as soon as it has made as many calls as it expects (or the model
answers without a call): the calls of that last model response are scored and, on the last turn,
never executed, so a single-turn case costs one model request and runs no tool. Calls before that
(a chain the model or the router walks step by step, earlier turns of a conversation) need their
results: a call gets the ``result`` its case gives for the next expected call of that tool in the
turn, else the real tool runs, unless it writes, reaches outside or needs approval, in which case
the model is told it was not run. Cases run ``concurrency`` at a time; each case ``k`` times.
"""

from __future__ import annotations

import asyncio
import contextvars
import statistics
import time
from collections import deque
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any, cast

from agentfn.agent import Agent
from agentfn.backends.base import Model, ToolChoice
from agentfn.evals.calls import (
    CallCase,
    CaseResult,
    EvalReport,
    ExpectedCall,
    RunScore,
    TurnScore,
    check_calls,
    score_calls,
)
from agentfn.events import ModelResponseEvent, RunEnd, StepEnd
from agentfn.exceptions import AgentFnError
from agentfn.messages import Message, ToolCall, Usage
from agentfn.tool import Tool
from agentfn.toolset import Toolset

if TYPE_CHECKING:
    from agentfn.router import Router

__all__ = ["evaluate_calls", "run_case_once"]

# The supplied results of the turn being run; a contextvar, so concurrent runs never see each other's.
_SUPPLIED: contextvars.ContextVar[dict[str, deque[Any]]] = contextvars.ContextVar("agentfn_eval_supplied")


def stand_ins(toolset: Toolset) -> Toolset:
    """Tools with the same names and schemas whose calls return the case's results or run the real tool."""

    def make(real: Tool[..., Any]) -> Tool[..., Any]:
        async def stand_in(**arguments: Any) -> Any:
            queue = _SUPPLIED.get({}).get(real.name)
            if queue:
                return queue.popleft()
            if real.requires_approval or real.side_effects in ("write", "external"):
                raise PermissionError(  # the agent reports it to the model as the tool's error
                    f"{real.name} was not run during evaluation (side effects {real.side_effects!r}); "
                    "give its result in the case"
                )
            return await real.call(arguments, in_thread=not real.is_async)

        return Tool.from_schema(real.openai_schema(), function=stand_in, timeout=real.timeout, retries=real.retries)

    return Toolset([make(t) for t in toolset], name=f"eval stand-ins of {toolset.name}")


async def _run_turn(
    agent: Agent[Any, Any], history: list[Message], want: int, last: bool,
) -> tuple[list[ToolCall], list[Message], Usage, str | None]:
    """(calls made, transcript after the turn, usage, model error) for one turn."""
    transcript = list(history)
    made: list[ToolCall] = []
    usage = Usage()
    error: str | None = None
    done = False
    events = cast(AsyncGenerator[Any, None], aiter(agent.iter(message_history=history)))
    try:
        async for event in events:
            if isinstance(event, ModelResponseEvent):
                usage = usage + event.response.usage
                calls = event.response.message.tool_calls
                made.extend(calls)
                done = not calls or len(made) >= max(want, 1)
                if done and last:
                    break  # score this response's calls without running them
            elif isinstance(event, StepEnd):
                transcript.extend(event.new_messages)
                if done:
                    break
            elif isinstance(event, RunEnd) and event.outcome == "error":
                error = event.reason
    finally:
        await events.aclose()
    return made, transcript, usage, error


async def run_case_once(agent: Agent[Any, Any], toolset: Toolset, case: CallCase) -> RunScore:
    """One run of ``case`` (every turn) through ``agent``, scored against ``toolset``'s validation."""
    preamble, turns = case.turn_list()
    history = list(preamble)
    scores: list[TurnScore] = []
    usage = Usage()
    started = time.perf_counter()
    for i, turn in enumerate(turns):
        history.extend(turn.conversation())
        _SUPPLIED.set(_supplied(turn.expected, toolset))
        try:
            made, history, turn_usage, error = await _run_turn(agent, history, len(turn.expected), i == len(turns) - 1)
        except AgentFnError as exc:
            made, turn_usage, error = [], Usage(), str(exc)
        usage = usage + turn_usage
        checked, shown = check_calls(made, toolset)
        if error is not None and not made:
            scores.append(TurnScore(passed=False, name_match=False, calls=[], problems=[f"model error: {error}"]))
            break
        passed, names_ok, problems = score_calls(turn.expected, turn.order or case.order, checked, toolset)
        if error is not None and not passed:
            problems.append(f"model error: {error}")
        scores.append(TurnScore(passed=passed, name_match=names_ok, calls=shown, problems=problems))
    latency = time.perf_counter() - started
    multi = case.turns is not None
    return RunScore(
        passed=len(scores) == len(turns) and all(s.passed for s in scores),
        name_match=len(scores) == len(turns) and all(s.name_match for s in scores),
        calls=[c for s in scores for c in s.calls],
        problems=[f"turn {i + 1}: {p}" if multi else p for i, s in enumerate(scores) for p in s.problems],
        latency_s=latency, usage=usage, turns=scores,
    )


def _supplied(expected: list[ExpectedCall], toolset: Toolset) -> dict[str, deque[Any]]:
    queues: dict[str, deque[Any]] = {}
    for e in expected:
        if e.has_result:
            queues.setdefault(toolset.resolve(e.name) or e.name, deque()).append(e.result)
    return queues


async def evaluate_calls(
    model: Model,
    toolset: Toolset,
    cases: Sequence[CallCase],
    *,
    k: int = 1,
    router: Router | None = None,
    route_k: int = 8,
    tool_choice: ToolChoice = "auto",
    follow_route: bool = False,
    concurrency: int = 1,
    include_drafts: bool = False,
    max_steps: int = 10,
) -> EvalReport:
    """Run every case ``k`` times (``concurrency`` runs at a time) and aggregate.

    Drafts (``"draft": true``) are skipped unless ``include_drafts``; ``metrics["skipped_drafts"]``
    counts them. ``router``/``route_k``/``tool_choice``/``follow_route`` are the :class:`Agent`'s.
    """
    todo = [c for c in cases if include_drafts or not c.draft]
    fakes = stand_ins(toolset)
    agents: dict[tuple[str, ...] | None, Agent[Any, Any]] = {}

    def agent_for(case: CallCase) -> Agent[Any, Any]:
        key = tuple(case.tools) if case.tools is not None else None
        if key not in agents:
            offered = fakes.filtered(case.tools) if case.tools is not None else fakes
            agents[key] = Agent(model, offered, name="eval", router=router, route_k=route_k, tool_choice=tool_choice,
                                follow_route=follow_route, max_steps=max_steps)
        return agents[key]

    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(case: CallCase) -> RunScore:
        async with gate:
            offered = toolset.filtered(case.tools) if case.tools is not None else toolset
            return await run_case_once(agent_for(case), offered, case)

    # gather runs each coroutine in a task of its own, so each run's supplied results (a contextvar) stay its own.
    runs = await asyncio.gather(*(one(case) for case in todo for _ in range(k)))
    results = [_case_result(case, list(runs[i * k:(i + 1) * k])) for i, case in enumerate(todo)]
    return EvalReport(
        model=model.name, k=k, cases=results, metrics=_metrics(results, todo, k, len(cases) - len(todo)),
        settings={"router": router is not None, "route_k": route_k, "tool_choice": tool_choice,
                  "follow_route": follow_route, "concurrency": concurrency},
    )


def _case_result(case: CallCase, runs: list[RunScore]) -> CaseResult:
    return CaseResult(
        id=case.id, runs=runs,
        latency_s=statistics.fmean(r.latency_s for r in runs),
        input_tokens=statistics.fmean(r.usage.input_tokens for r in runs),
        output_tokens=statistics.fmean(r.usage.output_tokens for r in runs),
    )


def _metrics(results: list[CaseResult], cases: list[CallCase], k: int, skipped: int) -> dict[str, float]:
    all_runs = [r for c in results for r in c.runs]
    no_call = [c for c, case in zip(results, cases, strict=True) if case.turns is None and not case.expected]
    latencies = [r.latency_s for r in all_runs]

    def mean(values: Sequence[float]) -> float:
        return statistics.fmean(values) if values else 0.0

    return {
        "cases": float(len(results)),
        "skipped_drafts": float(skipped),
        "pass@1": mean([float(r.passed) for r in all_runs]),
        f"pass^{k}": mean([float(c.pass_all) for c in results]),
        "name_accuracy": mean([float(r.name_match) for r in all_runs]),
        "no_call_accuracy": mean([c.pass_rate for c in no_call]) if no_call else 1.0,
        "latency_p50_s": statistics.median(latencies) if latencies else 0.0,
        "latency_mean_s": mean(latencies),
        "input_tokens_mean": mean([float(r.usage.input_tokens) for r in all_runs]),
        "output_tokens_mean": mean([float(r.usage.output_tokens) for r in all_runs]),
    }
