"""The run context a tool can ask for by annotating a parameter ``RunContext[Deps]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from agentfn.messages import Message, Usage

if TYPE_CHECKING:
    from agentfn.backends.base import Model

__all__ = ["RunContext"]

DepsT = TypeVar("DepsT")


@dataclass
class RunContext(Generic[DepsT]):
    """Injected into tools that declare a ``RunContext`` parameter; never shown to the model.

    Attributes:
        deps: the user's dependencies object passed to ``Agent.run(deps=...)``.
        run_id: id of the current run (also the trace id).
        step: index of the current model step, from 0.
        messages: the conversation so far (read it, do not mutate it).
        usage: usage so far.
        tool_name: the tool being called.
        tool_call_id: the id of the call being executed.
        retry: how many times this tool has been retried in this run.
        model: the model driving the run, for prompt-backed tools.
    """

    deps: DepsT
    run_id: str = ""
    step: int = 0
    messages: list[Message] = field(default_factory=list[Message])
    usage: Usage = field(default_factory=Usage)
    tool_name: str | None = None
    tool_call_id: str | None = None
    retry: int = 0
    model: Model | None = None
    metadata: dict[str, Any] = field(default_factory=dict[str, Any])
