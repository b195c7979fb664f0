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


# Several vendors' tools in one large registry: the head is the router's unless the request gives strong evidence.
PARCELS = [
    _tool("parcelco_track_shipment", "Where a ParcelCo shipment is now.", {"tracking_number": "string"}),
    _tool("parcelco_schedule_pickup", "Book a ParcelCo courier pickup.", {"address": "string", "date": "string"}),
    _tool("crate_download_file", "Download a file from Crate cloud storage.", {"file_id": "string"}),
    _tool("crate_status", "Status of a Crate storage box.", {"crate": "string"}),
    _tool("sports_games_by_date", "Games scheduled on a date.", {"date": "string"}),
    _tool("report_rows_between", "Rows of the report between two dates.",
          {"start": "string", "end": "string"}),
]


def _parcels_head(ranked: list[tuple[str, float]], text: str) -> str:
    return FillRouter(_Fixed(ranked), PARCELS, never_abstain=True).route(text, k=4).selected[0]


def test_one_name_word_of_a_far_tool_does_not_lift_it_over_the_head() -> None:
    # "crate" is a word of the request, and 1 of the other tool's 3 distinctive name words: a third of the name bonus
    ranked = [("parcelco_track_shipment", 0.80), ("parcelco_schedule_pickup", 0.74), ("crate_download_file", 0.65)]
    assert _parcels_head(ranked, "has the crate I sent with ParcelCo arrived yet?") == "parcelco_track_shipment"


def test_a_tool_far_behind_the_head_needs_strong_evidence() -> None:
    # every name word of the far tool is said, but the head lacks nothing and the request holds no specific value
    ranked = [("parcelco_track_shipment", 0.80), ("crate_status", 0.62)]
    text = "what is the status of the crate I sent with ParcelCo?"
    assert _parcels_head(ranked, text) == "parcelco_track_shipment"
    assert FillRouter(_Fixed(ranked), PARCELS, near=0.5).route(text, k=4).selected[0] == "crate_status"  # a wide window


def test_a_far_tool_that_alone_takes_the_requests_dates_still_wins() -> None:
    ranked = [("sports_games_by_date", 0.70), ("report_rows_between", 0.45)]
    assert _parcels_head(ranked, "rows from 2024-01-01 to 2024-02-01") == "report_rows_between"
