"""The router's chain an agent follows with ``follow_route``: one forced call per step, and where to stop.

A small model composes tools by being forced to call the router's ``selected`` tools in order. A step
whose call fails is forced again (the agent's retries permitting). :class:`RouteChain` adds one rule:
**a later step that keeps failing does not undo what the earlier steps got.** When a step after the first
fails with the very call that already failed (same tool, same arguments: forcing it again would repeat
it), or fails past its retries, the chain stops there and the next step answers from the results so far
(``tool_choice="none"``), instead of a run that ends with a tool error. "Write a Python function that
returns the largest number in a list" routed ``generate_code`` then ``run_python``; the small model's
copy of the code for ``run_python`` did not parse, and the user read a failure instead of the code that
``generate_code`` had written.

Guarantees: the first step of a chain is never given up this way (nothing succeeded before it); a denied
call is reported by :meth:`RouteChain.denied` for the agent to stop at once; pure bookkeeping, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentfn._executor import CallOutcome
    from agentfn.messages import ToolCall

__all__ = ["RouteChain"]


class RouteChain:
    """The chain being followed: the next tool to force, and whether to answer now."""

    def __init__(self) -> None:
        self.tools: list[str] = []
        self.at = 0  # the next tool of the chain; a failed call is forced again (retries permitting)
        self.answer_now = False  # a later step kept failing: answer from what the earlier steps got
        self._failed: set[tuple[str, str]] = set()

    def start(self, selected: Sequence[str], offered: Sequence[str]) -> None:
        """Follow the router's ``selected`` tools that are among the ``offered`` ones."""
        self.tools = [n for n in selected if n in offered]

    def current(self) -> str | None:
        """The tool this step must call, or None when the chain is done (or given up)."""
        return self.tools[self.at] if self.at < len(self.tools) else None

    def record(self, calls: Sequence[ToolCall], outcomes: Sequence[CallOutcome]) -> None:
        """Advance after a step whose calls all succeeded; give up a later step that repeats a failed call."""
        name = self.current()
        if name is None:
            return
        if all(oc.status == "ok" for oc in outcomes):
            self.at += 1
            return
        keys = {(c.name, str(c.arguments)) for c in calls if c.name == name}
        if self.at > 0 and keys & self._failed:
            self.give_up()
        self._failed |= keys

    def rescues(self, outcomes: Sequence[CallOutcome]) -> bool:
        """Whether a run about to stop for a failing tool answers instead: the tool is a later step of the
        chain, after earlier steps succeeded. Gives the chain up when so."""
        name = self.current()
        if name is None or self.at == 0 or not any(oc.status != "ok" and oc.tool_name == name for oc in outcomes):
            return False
        self.give_up()
        return True

    def give_up(self) -> None:
        """Stop forcing the rest of the chain; the next step answers from the results so far."""
        self.tools = self.tools[: self.at]
        self.answer_now = True

    def denied(self, outcomes: Sequence[CallOutcome]) -> CallOutcome | None:
        """The outcome of this step's forced call when it was denied approval (forcing it again would be too)."""
        name = self.current()
        return next((oc for oc in outcomes if oc.status == "denied" and oc.tool_name == name), None)
