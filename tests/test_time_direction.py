"""One word list says whether a request looks ahead or back in time (agentfn._time_direction), for both readers:
worded dates without a year and the sides of a countdown."""

from __future__ import annotations

from datetime import date

import pytest

from agentfn._named_dates import worded_dates
from agentfn._time_direction import time_direction
from agentfn.backends._direction import implied_sides


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how many sleeps till my trip on 2030-05-02", (True, False)),
        ("weeks remaining before the exam", (True, False)),
        ("what's the date 12 days from now", (True, False)),
        ("it has been a while since the move", (False, True)),
        ("how long ago did the shop open", (False, True)),
        ("how long is it to the fair on June 9", (True, False)),  # "how long" alone looks ahead
        ("how long since the fair on June 9", (False, True)),  # a word that looks back decides
        ("what is 4 plus 9", (False, False)),
    ],
)
def test_time_direction(text: str, expected: tuple[bool, bool]) -> None:
    assert time_direction(text) == expected


def test_worded_dates_take_the_direction() -> None:
    today = date(2031, 8, 1)
    assert worded_dates("how long is it to the fair on June 9", today=today) == ["2032-06-09"]
    assert worded_dates("how long since the fair on October 9", today=today) == ["2030-10-09"]
    assert worded_dates("how many days has it been from October 9", today=today) == ["2030-10-09"]


def test_implied_sides_read_the_same_words() -> None:
    today, written = "2031-08-01", "2032-02-14"
    ahead = implied_sides([today, written], [today, written], f"the fair is on {written}, how many days remaining")
    assert ahead == ([today], [written])
    back = implied_sides([today, written], [today, written], f"the fair was on {written}, it has been how many days")
    assert back == ([written], [today])
    assert implied_sides([today, written], [today, written], f"the fair is on {written}") is None
