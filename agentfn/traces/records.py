"""Typed trace records: what the store returns and what the trainer reads.

A :class:`Run` is one agent run (or one imported conversation); its
:class:`Step` list holds every model turn with the tool calls it made, in
order. Failed calls stay in the record with their status and error, so a
reader can tell a tool that worked from one that was retried away.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from agentfn.messages import AssistantMessage, Message, Usage, UserMessage

__all__ = [
    "Feedback",
    "RouteRecord",
    "Run",
    "RunSource",
    "Step",
    "ToolCallRecord",
    "ToolOffered",
    "ToolStats",
    "TraceStats",
]

RunSource = Literal["agent", "import"]


class ToolOffered(BaseModel):
    """A tool the model could call in this run."""

    name: str
    schema_hash: str
    side_effects: str | None = None
    spec: dict[str, Any] | None = None
    """The OpenAI tool spec when known (always for imports; for agent runs when the agent sent it)."""


class RouteRecord(BaseModel):
    """What the router decided before a step."""

    step: int
    ranked: list[tuple[str, float]]
    selected: list[str]
    abstain: bool
    offered: list[str]


class ToolCallRecord(BaseModel):
    """One call the model made and what became of it."""

    step: int
    index: int
    """Position within the step (the model's order)."""
    call_id: str
    name: str
    raw_arguments: str
    """The model's argument text exactly as sent (after redaction)."""
    arguments: dict[str, Any] | None = None
    """Validated arguments; None when validation failed or the call never ran."""
    status: str | None = None
    """A ``ToolStatus`` (``ok``, ``invalid_arguments``, ``retry``, ``error``, ...); None when no result was seen."""
    error: str | None = None
    content: str | None = None
    """What the model was shown: the result, or the error text it can repair from."""
    latency_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Step(BaseModel):
    """One model turn and the tool calls it made."""

    step: int
    time: float
    complete: bool = True
    """False for a step the run ended inside (model error, limit, guard)."""
    model_output: AssistantMessage | None = None
    raw_text: str | None = None
    finish_reason: str | None = None
    model_name: str | None = None
    model_latency_s: float | None = None
    usage: Usage = Field(default_factory=Usage)
    route: RouteRecord | None = None
    tool_calls: list[ToolCallRecord] = Field(default_factory=list[ToolCallRecord])
    new_messages: list[Message] = Field(default_factory=list[Message])
    """Messages the step appended (assistant turn and tool replies)."""


class Feedback(BaseModel):
    run_id: str
    score: float
    note: str | None = None
    time: float


class Run(BaseModel):
    """One recorded run. ``steps`` is empty in listings unless steps were asked for."""

    id: str
    started_at: float
    ended_at: float | None = None
    agent_name: str = ""
    model_name: str = ""
    backend: str = ""
    source: RunSource = "agent"
    input_messages: list[Message] = Field(default_factory=list[Message])
    tools: list[ToolOffered] = Field(default_factory=list[ToolOffered])
    metadata: dict[str, Any] = Field(default_factory=dict[str, Any])
    outcome: str | None = None
    """``answered``, ``limit``, ``guard`` or ``error``; None while running or when the process died."""
    reason: str | None = None
    output: Any = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float | None = None
    step_count: int = 0
    feedback_score: float | None = None
    """The latest feedback score, if any."""
    feedback: list[Feedback] = Field(default_factory=list[Feedback])
    steps: list[Step] = Field(default_factory=list[Step])

    # -- views the trainer and the CLI use ------------------------------------------

    @property
    def request(self) -> str:
        """The request text: the last user message of the starting conversation."""
        for m in reversed(self.input_messages):
            if isinstance(m, UserMessage):
                return m.content
        return ""

    @property
    def routes(self) -> list[RouteRecord]:
        return [s.route for s in self.steps if s.route is not None]

    @property
    def tool_calls(self) -> list[ToolCallRecord]:
        """Every call in order (step, then position in the step)."""
        return [c for s in self.steps for c in s.tool_calls]

    def successful_tools(self) -> list[str]:
        """Names of the tools that were called successfully, in call order."""
        return [c.name for c in self.tool_calls if c.ok]

    def failed_calls(self) -> list[ToolCallRecord]:
        """Calls that did not succeed (invalid arguments, retry, error, timeout, ...)."""
        return [c for c in self.tool_calls if c.status is not None and not c.ok]

    def retried_calls(self) -> list[ToolCallRecord]:
        """Failed calls followed later in the run by a call of the same tool."""
        calls = self.tool_calls
        out: list[ToolCallRecord] = []
        for i, c in enumerate(calls):
            if c.status is not None and not c.ok and any(d.name == c.name for d in calls[i + 1 :]):
                out.append(c)
        return out

    def messages(self) -> list[Message]:
        """The whole conversation: the starting messages plus every step's new messages."""
        out: list[Message] = list(self.input_messages)
        for s in self.steps:
            out.extend(s.new_messages)
        return out


class ToolStats(BaseModel):
    name: str
    calls: int = 0
    ok: int = 0
    failed: int = 0
    mean_latency_s: float | None = None


class TraceStats(BaseModel):
    runs: int = 0
    steps: int = 0
    tool_calls: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict[str, int])
    """Runs per outcome; ``running`` counts runs without an outcome (live or killed)."""
    agents: dict[str, int] = Field(default_factory=dict[str, int])
    tools: list[ToolStats] = Field(default_factory=list[ToolStats])
    input_tokens: int = 0
    output_tokens: int = 0
    feedback_runs: int = 0
    mean_feedback: float | None = None
    first_run: float | None = None
    last_run: float | None = None
