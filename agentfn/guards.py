"""Loop guards: stop runs that repeat themselves or make no progress.

Defaults: the same tool with the same arguments at most 3 times per run
(``max_identical_calls``), and at most 4 consecutive steps in which every
call failed (``max_failed_steps``). Either ends the run with outcome
``guard`` and a reason naming the guard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentfn.messages import ToolCall

if TYPE_CHECKING:
    from agentfn._executor import CallOutcome

__all__ = ["LoopGuards", "LoopState"]


@dataclass
class LoopState:
    """Per-run counters the guards read."""

    identical: dict[str, int] = field(default_factory=dict[str, int])
    failed_steps: int = 0


def _canonical(call: ToolCall) -> str:
    args = call.arguments_dict()
    body = json.dumps(args, sort_keys=True, ensure_ascii=False) if args is not None else call.arguments
    return f"{call.name}\x00{body}"


@dataclass(frozen=True)
class LoopGuards:
    """Configurable limits on repetitive behaviour.

    Args:
        max_identical_calls: how often one exact call (name and arguments) may run
            per run; None disables.
        max_failed_steps: consecutive steps whose calls all failed; None disables.
    """

    max_identical_calls: int | None = 3
    max_failed_steps: int | None = 4

    def check(self, state: LoopState, calls: Sequence[ToolCall], outcomes: Sequence[CallOutcome]) -> str | None:
        """Update ``state`` with one step and return a reason to stop, or None."""
        if self.max_identical_calls is not None:
            for c in calls:
                key = _canonical(c)
                state.identical[key] = state.identical.get(key, 0) + 1
                if state.identical[key] > self.max_identical_calls:
                    return f"repeated_call: {c.name} called {state.identical[key]} times with identical arguments"
        if outcomes and all(o.status != "ok" for o in outcomes):
            state.failed_steps += 1
        else:
            state.failed_steps = 0
        if self.max_failed_steps is not None and state.failed_steps >= self.max_failed_steps:
            return f"no_progress: {state.failed_steps} consecutive steps in which every call failed"
        return None
