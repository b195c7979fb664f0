"""Build the event sequence of a scripted run, for testing event consumers without a model.

The sequence follows the order documented in :mod:`agentfn.events` exactly, so
a recorder, an exporter or a UI can be tested (and benchmarked) on the same
events an :class:`~agentfn.agent.Agent` emits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentfn.backends.base import ModelResponse
from agentfn.events import (
    AgentEvent,
    ModelResponseEvent,
    RouteDecision,
    RunEnd,
    RunOutcome,
    RunStart,
    StepEnd,
    ToolCallEvent,
    ToolInfo,
    ToolResultEvent,
    ToolStatus,
)
from agentfn.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)

__all__ = ["ScriptedCall", "scripted_run_events"]


@dataclass
class ScriptedCall:
    """One tool call in a scripted step and what it returns."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict[str, Any])
    """A dict (sent as JSON) or raw text (e.g. malformed JSON)."""
    result: str = "ok"
    status: ToolStatus = "ok"
    error: str | None = None


def scripted_run_events(
    steps: Sequence[Sequence[ScriptedCall]] = (),
    *,
    request: str = "What is the weather in Paris?",
    answer: str | None = "Done.",
    run_id: str | None = None,
    agent_name: str = "scripted",
    model_name: str = "test-model",
    backend: str = "function",
    tools: Sequence[str] | None = None,
    outcome: RunOutcome = "answered",
    reason: str | None = None,
    start: float = 1_700_000_000.0,
    step_seconds: float = 0.01,
    route: bool = False,
) -> list[AgentEvent]:
    """Events of a run whose model makes the given calls, one list per step, then answers.

    Args:
        steps: per step, the calls the model makes.
        answer: the final text step's content; None ends the run after the last call step.
        route: emit a RouteDecision before each step, ranking the offered tools.
    """
    rid = run_id or uuid.uuid4().hex
    names = list(tools) if tools is not None else sorted({c.name for s in steps for c in s})
    now = start
    messages: list[Message] = [SystemMessage(content="You are a helpful agent."), UserMessage(content=request)]
    events: list[AgentEvent] = [
        RunStart(
            run_id=rid,
            time=now,
            agent_name=agent_name,
            model_name=model_name,
            backend=backend,
            messages=messages,
            tools=[ToolInfo(name=n, schema_hash=f"{abs(hash(n)) % 16**16:016x}") for n in names],
        )
    ]
    total = Usage()
    step_usage = Usage(requests=1, input_tokens=50, output_tokens=10)
    script: list[Sequence[ScriptedCall] | None] = [*steps, None] if answer is not None else list(steps)
    for i, calls in enumerate(script):
        if route:
            ranked = [(n, round(1.0 - j * 0.1, 3)) for j, n in enumerate(names)]
            events.append(
                RouteDecision(run_id=rid, time=now, step=i, ranked=ranked, selected=names[:5], abstain=False,
                              offered=names[:5])
            )
        now += step_seconds
        tool_calls = [
            ToolCall(
                id=f"call_{i}_{j}",
                name=c.name,
                arguments=c.arguments if isinstance(c.arguments, str) else json.dumps(c.arguments),
            )
            for j, c in enumerate(calls or ())
        ]
        message = AssistantMessage(content=answer if calls is None else None, tool_calls=tool_calls)
        events.append(
            ModelResponseEvent(
                run_id=rid, time=now, step=i, latency_s=step_seconds,
                response=ModelResponse(message=message, usage=step_usage, model_name=model_name,
                                       finish_reason="stop" if calls is None else "tool_calls"),
            )
        )
        new: list[Message] = [message]
        for call, c in zip(tool_calls, calls or (), strict=True):
            events.append(ToolCallEvent(run_id=rid, time=now, step=i, call=call))
            args = call.arguments_dict() if c.status == "ok" else None
            events.append(
                ToolResultEvent(
                    run_id=rid, time=now, step=i, call_id=call.id, tool_name=c.name, status=c.status,
                    content=c.result if c.status == "ok" else (c.error or c.result), arguments=args,
                    error=None if c.status == "ok" else (c.error or c.result), latency_s=0.001,
                )
            )
            new.append(ToolMessage(tool_call_id=call.id, name=c.name, content=c.result, is_error=c.status != "ok"))
        total = total + step_usage + Usage(tool_calls=len(tool_calls))
        events.append(StepEnd(run_id=rid, time=now, step=i, new_messages=new, usage=step_usage))
    events.append(
        RunEnd(run_id=rid, time=now, outcome=outcome, reason=reason, output=answer, usage=total,
               latency_s=now - start, steps=len(script))
    )
    return events
