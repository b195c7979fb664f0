"""Typed events an agent run emits, in order.

``Agent.iter`` yields them; the trace recorder, the CLI printer, the server's
streaming and OpenTelemetry all consume the same events, so what a user sees,
what is stored and what is exported cannot disagree.

Order within a run::

    RunStart, then per step: [RouteDecision], TextDelta*, ModelResponseEvent,
    (ToolCallEvent, ToolResultEvent)*, StepEnd; finally RunEnd.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from agentfn.backends.base import ModelResponse
from agentfn.messages import Message, ToolCall, Usage

__all__ = [
    "AgentEvent",
    "ModelResponseEvent",
    "RouteDecision",
    "RunEnd",
    "RunOutcome",
    "RunStart",
    "StepEnd",
    "TextDeltaEvent",
    "ToolCallEvent",
    "ToolInfo",
    "ToolResultEvent",
    "ToolStatus",
]

ToolStatus = Literal["ok", "invalid_arguments", "retry", "error", "timeout", "denied", "not_found", "skipped"]
RunOutcome = Literal["answered", "limit", "guard", "error"]


class _Event(BaseModel):
    run_id: str
    time: float = Field(default_factory=time.time)


class ToolInfo(BaseModel):
    name: str
    schema_hash: str
    side_effects: str = "none"
    spec: dict[str, Any] | None = None
    """The OpenAI-format definition, so exported traces carry full tool schemas."""


class RunStart(_Event):
    kind: Literal["run_start"] = "run_start"
    agent_name: str
    model_name: str
    backend: str
    messages: list[Message]
    """The conversation the run started from (history plus the new prompt)."""
    tools: list[ToolInfo]
    metadata: dict[str, Any] = Field(default_factory=dict[str, Any])


class RouteDecision(_Event):
    kind: Literal["route"] = "route"
    step: int
    ranked: list[tuple[str, float]]
    selected: list[str]
    abstain: bool
    offered: list[str]


class TextDeltaEvent(_Event):
    kind: Literal["text_delta"] = "text_delta"
    step: int
    text: str


class ModelResponseEvent(_Event):
    kind: Literal["model_response"] = "model_response"
    step: int
    response: ModelResponse
    latency_s: float


class ToolCallEvent(_Event):
    kind: Literal["tool_call"] = "tool_call"
    step: int
    call: ToolCall


class ToolResultEvent(_Event):
    kind: Literal["tool_result"] = "tool_result"
    step: int
    call_id: str
    tool_name: str
    status: ToolStatus
    content: str
    """What the model is shown (result, or the error text it can repair from)."""
    arguments: dict[str, Any] | None = None
    """Validated arguments as JSON-safe data; None when validation failed."""
    error: str | None = None
    latency_s: float = 0.0


class StepEnd(_Event):
    kind: Literal["step_end"] = "step_end"
    step: int
    new_messages: list[Message]
    """Messages this step appended: the assistant turn and its tool replies."""
    usage: Usage


class RunEnd(_Event):
    kind: Literal["run_end"] = "run_end"
    outcome: RunOutcome
    reason: str | None = None
    output: Any = None
    usage: Usage
    latency_s: float
    steps: int


AgentEvent = Annotated[
    RunStart | RouteDecision | TextDeltaEvent | ModelResponseEvent | ToolCallEvent | ToolResultEvent | StepEnd | RunEnd,
    Field(discriminator="kind"),
]
