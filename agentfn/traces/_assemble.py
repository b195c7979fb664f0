"""Turn a stream of agent events into store writes: one run row, one write per step, one update at the end.

Runs in the recorder's writer thread (or the writer process), so the event loop
only pays for a queue put. Events of many runs may interleave (one recorder for
many concurrent runs); state is kept per run id and dropped at ``RunEnd``.

This is the per-event hot path of recording (every run's events pass through it
at whatever rate the agents produce them), so it avoids repeated work: a message
that appears twice in a step (the model's turn is both the step's output and the
first of its new messages) is redacted and serialised once, and JSON is written by
one reusable encoder.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python

from agentfn.events import (
    AgentEvent,
    ModelResponseEvent,
    RouteDecision,
    RunEnd,
    RunStart,
    StepEnd,
    ToolResultEvent,
)
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, Usage
from agentfn.traces import _codec as codec
from agentfn.traces._ops import RunEndOp, RunStartOp, StepOp, WriteOp
from agentfn.traces.records import RouteRecord, ToolOffered
from agentfn.traces.redact import Redactor


@dataclass
class _OpenStep:
    time: float
    route: RouteDecision | None = None
    response: ModelResponseEvent | None = None
    calls: list[ToolCall] = field(default_factory=list[ToolCall])
    results: dict[str, ToolResultEvent] = field(default_factory=dict[str, ToolResultEvent])


@dataclass
class _OpenRun:
    steps: dict[int, _OpenStep] = field(default_factory=dict[int, _OpenStep])


class EventAssembler:
    """Stateful event -> :class:`WriteOp` translation with redaction applied."""

    def __init__(self, redact: Redactor | None = None, *, max_open_runs: int = 10_000) -> None:
        self.redact = redact
        self.max_open_runs = max_open_runs
        self._runs: OrderedDict[str, _OpenRun] = OrderedDict()

    @property
    def open_runs(self) -> int:
        return len(self._runs)

    def _run(self, run_id: str) -> _OpenRun:
        run = self._runs.get(run_id)
        if run is None:
            run = self._runs[run_id] = _OpenRun()
            # Runs that never end (a cancelled task) must not grow memory without bound.
            while len(self._runs) > self.max_open_runs:
                self._runs.popitem(last=False)
        return run

    def _step(self, run_id: str, step: int, at: float) -> _OpenStep:
        steps = self._run(run_id).steps
        st = steps.get(step)
        if st is None:
            st = steps[step] = _OpenStep(time=at)
        return st

    # -- redaction helpers -------------------------------------------------------------

    def _text(self, text: str | None) -> str | None:
        if text is None or self.redact is None:
            return text
        return self.redact(text)

    def _json(self, value: Any) -> str:
        text = _dumps(to_jsonable_python(value, fallback=repr))
        return self._text(text) or text

    def _message(self, m: Message) -> Message:
        redact = self.redact
        if redact is None:
            return m
        # Copy only when redaction changed something: most messages hold no secret.
        if isinstance(m, AssistantMessage):
            content = m.content
            r_content = None if content is None else redact(content)
            reasoning = m.reasoning
            r_reasoning = None if reasoning is None else redact(reasoning)
            changed = r_content != content or r_reasoning != reasoning
            calls = m.tool_calls
            r_calls: list[ToolCall] = []
            for c in calls:
                args = redact(c.arguments)
                if args == c.arguments:
                    r_calls.append(c)
                else:
                    r_calls.append(c.model_copy(update={"arguments": args}))
                    changed = True
            if not changed:
                return m
            return m.model_copy(update={"content": r_content, "reasoning": r_reasoning, "tool_calls": r_calls})
        content = redact(m.content)
        return m if content == m.content else m.model_copy(update={"content": content})

    def _messages(self, ms: list[Message]) -> list[Message]:
        return [self._message(m) for m in ms]

    def _message_json(self, m: Message, memo: dict[int, str]) -> str:
        """The redacted message as JSON, computed once per message object in ``memo``.

        ``"[" + ",".join(...) + "]"`` of these equals ``codec.messages_json`` of the list.
        """
        text = memo.get(id(m))
        if text is None:
            text = memo[id(m)] = self._message(m).model_dump_json()
        return text

    # -- events ----------------------------------------------------------------------

    def feed(self, event: AgentEvent) -> list[WriteOp]:
        """Process one event; returns the writes it completes (often none)."""
        # Dispatch on the discriminator, most frequent kinds first (cheaper than isinstance checks).
        if event.kind == "tool_result":
            self._step(event.run_id, event.step, event.time).results[event.call_id] = event
        elif event.kind == "model_response":
            self._step(event.run_id, event.step, event.time - event.latency_s).response = event
        elif event.kind == "tool_call":
            self._step(event.run_id, event.step, event.time).calls.append(event.call)
        elif event.kind == "step_end":
            st = self._run(event.run_id).steps.pop(event.step, None) or _OpenStep(time=event.time)
            return [self._step_op(event.run_id, event.step, st, end=event)]
        elif event.kind == "run_start":
            self._run(event.run_id)
            return [self._run_start(event)]
        elif event.kind == "run_end":
            run = self._runs.pop(event.run_id, None)
            ops: list[WriteOp] = []
            if run is not None:
                # Steps the run ended inside (model error, limit): keep what was seen.
                ops.extend(self._step_op(event.run_id, n, st, end=None) for n, st in sorted(run.steps.items()))
            ops.append(self._run_end(event))
            return ops
        elif event.kind == "route":
            self._step(event.run_id, event.step, event.time).route = event
        return []

    def _run_start(self, ev: RunStart) -> RunStartOp:
        specs: dict[str, Any] = {}
        raw_specs = ev.metadata.get("tool_specs")
        if isinstance(raw_specs, list):
            for spec in raw_specs:  # pyright: ignore[reportUnknownVariableType]
                name = _spec_name(spec)
                if name:
                    specs[name] = spec
        metadata = {k: v for k, v in ev.metadata.items() if k != "tool_specs"}
        tools = [
            ToolOffered(
                name=info.name,
                schema_hash=info.schema_hash,
                side_effects=info.side_effects,
                spec=specs.get(info.name) or getattr(info, "spec", None),
            )
            for info in ev.tools
        ]
        row: dict[str, Any] = {
            "id": ev.run_id,
            "started_at": ev.time,
            # Cut to the column sizes: PostgreSQL refuses longer values (SQLite would keep them).
            "agent_name": ev.agent_name[:200],
            "model_name": ev.model_name[:200],
            "backend": ev.backend[:100],
            "source": "agent",
            "input_messages": codec.messages_json(self._messages(list(ev.messages))),
            "tools": codec.tools_json(tools),
            "metadata": self._json(metadata),
        }
        return RunStartOp(row)

    def _step_op(self, run_id: str, n: int, st: _OpenStep, *, end: StepEnd | None) -> StepOp:
        resp = st.response.response if st.response is not None else None
        order: list[ToolCall] = list(resp.message.tool_calls) if resp is not None else []
        seen = {c.id for c in order}
        for c in st.calls:
            if c.id not in seen:
                order.append(c)
                seen.add(c.id)
        for res in st.results.values():
            if res.call_id not in seen:
                args = "" if res.arguments is None else codec.dumps(res.arguments)
                order.append(ToolCall(id=res.call_id, name=res.tool_name, arguments=args))
                seen.add(res.call_id)
        calls: list[dict[str, Any]] = []
        for i, call in enumerate(order):
            res = st.results.get(call.id)
            validated: str | None = None
            if res is not None and res.arguments is not None:
                validated = self._json(res.arguments)
            calls.append({
                "run_id": run_id, "step": n, "idx": i, "call_id": call.id[:200], "name": call.name[:200],
                "raw_arguments": self._text(call.arguments) or "", "arguments": validated,
                "status": None if res is None else res.status,
                "error": None if res is None else self._text(res.error),
                "content": None if res is None else self._text(res.content),
                "latency_s": 0.0 if res is None else res.latency_s,
            })
        memo: dict[int, str] = {}
        model_output = None if resp is None else self._message_json(resp.message, memo)
        if end is not None:
            parts = [self._message_json(m, memo) for m in end.new_messages]
        else:
            # Unfinished step: rebuild what the conversation would have held (the tool messages'
            # content is already redacted: it comes from the calls above).
            parts = [] if model_output is None else [model_output]
            parts += [
                ToolMessage(
                    tool_call_id=c["call_id"], name=c["name"], content=c["content"], is_error=c["status"] != "ok",
                ).model_dump_json()
                for c in calls if c["content"] is not None
            ]
        route = None
        if st.route is not None:
            r = st.route
            route = RouteRecord(
                step=n, ranked=r.ranked, selected=r.selected, abstain=r.abstain, offered=r.offered
            ).model_dump_json()
        # The step's own usage is its model response's (StepEnd.usage is the run's running total).
        usage = resp.usage if resp is not None else Usage()
        row: dict[str, Any] = {
            "run_id": run_id,
            "step": n,
            "time": st.time,
            "complete": end is not None,
            "model_output": model_output,
            "raw_text": None if resp is None else self._text(resp.raw_text),
            "finish_reason": None if resp is None or resp.finish_reason is None else resp.finish_reason[:64],
            "model_name": None if resp is None else resp.model_name[:200],
            "model_latency_s": None if st.response is None else st.response.latency_s,
            "route": route,
            "new_messages": "[" + ",".join(parts) + "]",
            **codec.usage_values(usage),
        }
        return StepOp(row, calls)

    def _run_end(self, ev: RunEnd) -> RunEndOp:
        values: dict[str, Any] = {
            "ended_at": ev.time,
            "outcome": ev.outcome,
            "reason": self._text(ev.reason),
            "output": None if ev.output is None else self._json(ev.output),
            "latency_s": ev.latency_s,
            "step_count": ev.steps,
            "tool_call_count": ev.usage.tool_calls,
            **codec.usage_values(ev.usage),
        }
        return RunEndOp(ev.run_id, values)


_dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
"""``codec.dumps`` without building an encoder per call (same output)."""


def _spec_name(spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return None
    fn: Any = spec.get("function", spec)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    name = fn.get("name") if isinstance(fn, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return name if isinstance(name, str) else None
