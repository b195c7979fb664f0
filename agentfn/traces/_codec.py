"""Conversions between trace records and table rows (JSON text columns)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from agentfn.messages import AssistantMessage, Message, Usage
from agentfn.traces._ops import RunStartOp, StepOp, WriteOp
from agentfn.traces.records import RouteRecord, Run, Step, ToolCallRecord, ToolOffered

MESSAGES: TypeAdapter[list[Message]] = TypeAdapter(list[Message])
TOOLS: TypeAdapter[list[ToolOffered]] = TypeAdapter(list[ToolOffered])


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def loads_or_none(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def messages_json(messages: list[Message]) -> str:
    return MESSAGES.dump_json(messages).decode()


def messages_from_json(text: str | None) -> list[Message]:
    return MESSAGES.validate_json(text) if text else []


def tools_json(tools: list[ToolOffered]) -> str:
    return TOOLS.dump_json(tools, exclude_none=True).decode()


def usage_values(usage: Usage) -> dict[str, int]:
    return {"requests": usage.requests, "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}


def run_to_ops(run: Run) -> list[WriteOp]:
    """Rows for a complete run record (import, copy between stores)."""
    row: dict[str, Any] = {
        "id": run.id,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "agent_name": run.agent_name,
        "model_name": run.model_name,
        "backend": run.backend,
        "source": run.source,
        "input_messages": messages_json(run.input_messages),
        "tools": tools_json(run.tools),
        "metadata": dumps(run.metadata),
        "outcome": run.outcome,
        "reason": run.reason,
        "output": None if run.output is None else dumps(run.output),
        "tool_call_count": run.usage.tool_calls,
        "latency_s": run.latency_s,
        "step_count": run.step_count or len(run.steps),
        "feedback_score": run.feedback_score,
        **usage_values(run.usage),
    }
    ops: list[WriteOp] = [RunStartOp(row)]
    for step in run.steps:
        ops.append(step_to_op(run.id, step))
    return ops


def step_to_op(run_id: str, step: Step) -> StepOp:
    row: dict[str, Any] = {
        "run_id": run_id,
        "step": step.step,
        "time": step.time,
        "complete": step.complete,
        "model_output": None if step.model_output is None else step.model_output.model_dump_json(),
        "raw_text": step.raw_text,
        "finish_reason": step.finish_reason,
        "model_name": step.model_name,
        "model_latency_s": step.model_latency_s,
        "route": None if step.route is None else step.route.model_dump_json(),
        "new_messages": messages_json(step.new_messages),
        **usage_values(step.usage),
    }
    calls = [
        {
            "run_id": run_id,
            "step": step.step,
            "idx": c.index,
            "call_id": c.call_id,
            "name": c.name,
            "raw_arguments": c.raw_arguments,
            "arguments": None if c.arguments is None else dumps(c.arguments),
            "status": c.status,
            "error": c.error,
            "content": c.content,
            "latency_s": c.latency_s,
        }
        for c in step.tool_calls
    ]
    return StepOp(row, calls)


def run_from_row(row: Mapping[Any, Any]) -> Run:
    return Run(
        id=row["id"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        agent_name=row["agent_name"],
        model_name=row["model_name"],
        backend=row["backend"],
        source=row["source"],
        input_messages=messages_from_json(row["input_messages"]),
        tools=TOOLS.validate_json(row["tools"] or "[]"),
        metadata=loads_or_none(row["metadata"]) or {},
        outcome=row["outcome"],
        reason=row["reason"],
        output=loads_or_none(row["output"]),
        usage=Usage(
            requests=row["requests"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            tool_calls=row["tool_call_count"],
        ),
        latency_s=row["latency_s"],
        step_count=row["step_count"],
        feedback_score=row["feedback_score"],
    )


def step_from_row(row: Mapping[Any, Any]) -> Step:
    new_messages = messages_from_json(row["new_messages"])
    if row["model_output"] is not None:
        model_output: AssistantMessage | None = AssistantMessage.model_validate_json(row["model_output"])
    else:
        # Imports store the step's assistant message once, as its first new message.
        head = new_messages[0] if new_messages else None
        model_output = head if isinstance(head, AssistantMessage) else None
    return Step(
        step=row["step"],
        time=row["time"],
        complete=bool(row["complete"]),
        model_output=model_output,
        raw_text=row["raw_text"],
        finish_reason=row["finish_reason"],
        model_name=row["model_name"],
        model_latency_s=row["model_latency_s"],
        usage=Usage(requests=row["requests"], input_tokens=row["input_tokens"], output_tokens=row["output_tokens"]),
        route=None if row["route"] is None else RouteRecord.model_validate_json(row["route"]),
        new_messages=new_messages,
    )


def call_from_row(row: Mapping[Any, Any]) -> ToolCallRecord:
    args = loads_or_none(row["arguments"])
    return ToolCallRecord(
        step=row["step"],
        index=row["idx"],
        call_id=row["call_id"],
        name=row["name"],
        raw_arguments=row["raw_arguments"],
        arguments=args if isinstance(args, dict) else None,  # pyright: ignore[reportUnknownArgumentType]
        status=row["status"],
        error=row["error"],
        content=row["content"],
        latency_s=row["latency_s"],
    )
