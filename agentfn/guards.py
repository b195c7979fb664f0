"""Loop guards: stop runs that repeat themselves or make no progress.

Defaults: the same tool with the same arguments at most 3 times per run
(``max_identical_calls``), and at most 4 consecutive steps in which every
call failed (``max_failed_steps``). Either ends the run with outcome
``guard`` and a reason naming the guard.

A call that fails its tool's validation or asks for a retry (``ToolRetry``) with the same
arguments it already failed with will fail again: :meth:`LoopGuards.repeated_failure` names
it (``stop_repeated_failures``, on by default), and the agent ends the run on that tool's
error at once (outcome ``error``, as when retries run out, so a route chain's later step
still gives way to an answer) instead of asking the model for more identical retries (a
small model often repeats its call word for word: three calls of minutes each on a CPU).
Errors, timeouts and unknown tools are not counted: they may pass on a second try.
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

_DETERMINISTIC = frozenset({"invalid_arguments", "retry"})  # the same arguments fail the same way


@dataclass
class LoopState:
    """Per-run counters the guards read."""

    identical: dict[str, int] = field(default_factory=dict[str, int])
    failed_steps: int = 0
    failed_calls: set[str] = field(default_factory=set[str])


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
        stop_repeated_failures: end the run when a call fails validation or retry again
            with the arguments it already failed with.
    """

    max_identical_calls: int | None = 3
    max_failed_steps: int | None = 4
    stop_repeated_failures: bool = True

    def repeated_failure(self, state: LoopState, outcomes: Sequence[CallOutcome]) -> CallOutcome | None:
        """Record this step's deterministic failures; return one that repeats an earlier one word for word."""
        repeated: CallOutcome | None = None
        for oc in outcomes:
            if oc.status not in _DETERMINISTIC:
                continue
            key = _canonical(oc.call)
            if key in state.failed_calls and repeated is None:
                repeated = oc
            state.failed_calls.add(key)
        return repeated if self.stop_repeated_failures else None

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
