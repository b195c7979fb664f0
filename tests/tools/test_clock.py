"""calculate adds a duration to a clock time said in the same sentence (or takes it away)."""

from __future__ import annotations

import pytest

from agentfn.library._clock import clock_time
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my train leaves at 9:50 and the trip takes 3h25m, when do I arrive", "13:15"),
        ("the film starts at 7:40 pm and runs 1 hour 55 minutes, when does it end", "21:35 (9:35 pm)"),
        ("I have to be at the office at 9am and the walk is 25 minutes, when should I leave before that", "08:35 (8:35 am)"),
        ("the party starts at 23:30 and lasts three hours, when does it end", "02:30 (+1 day)"),
        ("i start my shift at 8:15 and work 7.5 hours", "15:45"),
        ("forty minutes before 6:10 pm", "17:30 (5:30 pm)"),
    ],
)
def test_a_clock_time_and_a_duration(text: str, expected: str) -> None:
    assert clock_time(text) == expected
    assert calculate(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the movie runs 2h 20m, how many minutes total",  # no clock time: a duration in minutes
        "at 10:00 I ran 5 km in 30 minutes",  # another number: not only a clock time and a duration
        "what is 3 times 4",
        "from 9:00 to 17:30 and a 30 minute lunch",  # two clock times
    ],
)
def test_other_text_is_left_to_the_calculator(text: str) -> None:
    assert clock_time(text) is None
