"""One pattern reads a span in hours and minutes for the clock and the calculator's words
(and the request cues: tests/test_request_cues.py)."""

from __future__ import annotations

import pytest

from agentfn.library._clock import clock_time
from agentfn.library._durations import DURATION, two_part_duration
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("the hike took 3h 25m", ("3", "25")),
        ("about 1 hr and 5 mins", ("1", "5")),
        ("4 hours 30 minutes of video", ("4", "30")),
        ("1.5h 10m", ("1.5", "10")),
    ],
)
def test_two_part_duration(text: str, parts: tuple[str, str]) -> None:
    m = two_part_duration(text)
    assert m is not None and (m["hours"], m["minutes"]) == parts


@pytest.mark.parametrize("text", ["3 hotdogs 5 mangoes", "25 minutes", "6 hours", "at 14:35"])
def test_no_two_part_duration(text: str) -> None:
    assert two_part_duration(text) is None


def test_minutes_alone_and_no_glued_numbers() -> None:
    assert [m["alone"] for m in DURATION.finditer("wait 40 min then 15 minutes")] == ["40", "15"]
    assert list(DURATION.finditer("at 10:30m")) == []


def test_the_three_readers_agree() -> None:
    assert clock_time("the bus leaves at 08:50 and the ride is 1h 25m, when do I get there") == "10:15"
    assert calculate("the drive took 3h 25m, how many minutes is that") == pytest.approx(205)
    assert calculate("2 hrs and 45 mins in hours") == pytest.approx(2.75)
