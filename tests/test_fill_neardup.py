"""FillRouter among near-duplicates of a foreign registry: optional numbers that identify, not amounts; the misfits
of :mod:`agentfn.router.neardup` (an unasked step, a change where a reading was asked). Registries written here."""

from __future__ import annotations

from typing import Any

from agentfn.fill import FillRouter
from agentfn.router import RoutePlan


def _tool(name: str, description: str, required: dict[str, str], optional: dict[str, str] | None = None) -> dict[str, Any]:
    params = {**required, **(optional or {})}
    props = {p: {"type": kind, "description": p.replace("_", " ")} for p, kind in params.items()}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(required)}}


_FILTERS = {"started_hours": "integer", "started_minutes": "integer", "label": "string"}
COUNTDOWNS = [
    _tool("countdown_pause", "Pause a running countdown, found by the length it was started with.", {}, _FILTERS),
    _tool("countdown_resume", "Resume a paused countdown, found by the length it was started with.", {}, _FILTERS),
    _tool("countdown_cancel_every", "Cancel every countdown.", {}),
    _tool("countdown_remaining", "Report how much is left on a countdown.", {}, _FILTERS),
    _tool("countdown_extend", "Make a running countdown longer.", {"minutes": "integer"}),
    _tool("countdown_shorten", "Make a running countdown shorter.", {"minutes": "integer"}),
    _tool("countdown_begin", "Begin a countdown of some minutes.", {"minutes": "integer"}),
]


class _Fixed:
    """A router with a fixed plan: its head first, alone."""

    def __init__(self, ranked: list[tuple[str, float]]) -> None:
        self.ranked = ranked

    def route(self, query: Any, k: int = 10) -> RoutePlan:
        return RoutePlan(ranked=self.ranked, selected=[self.ranked[0][0]])


def _head(ranked: list[tuple[str, float]], text: str) -> str:
    return FillRouter(_Fixed(ranked), COUNTDOWNS, never_abstain=True).route(text, k=4).selected[0]


def test_optional_numbers_that_find_a_thing_are_no_amounts_left_unsaid() -> None:
    # the pause tool's numbers only pick which countdown: "pause my countdown" leaves nothing unfilled
    ranked = [("countdown_pause", 0.90), ("countdown_cancel_every", 0.80), ("countdown_resume", 0.78)]
    assert _head(ranked, "pause my countdown") == "countdown_pause"
    ranked = [("countdown_resume", 0.90), ("countdown_cancel_every", 0.85)]
    assert _head(ranked, "carry on with the countdown") == "countdown_resume"


def test_a_reading_question_costs_the_tools_that_change() -> None:
    ranked = [("countdown_shorten", 0.80), ("countdown_extend", 0.79), ("countdown_remaining", 0.74)]
    assert _head(ranked, "how much is left on the 20 minute countdown?") == "countdown_remaining"


def test_a_value_without_a_direction_goes_to_the_absolute_tool() -> None:
    ranked = [("countdown_extend", 0.80), ("countdown_shorten", 0.79), ("countdown_begin", 0.75)]
    assert _head(ranked, "a countdown of 10 minutes please") == "countdown_begin"
    assert _head(ranked, "make the countdown 10 minutes longer") == "countdown_extend"  # asked to step up
