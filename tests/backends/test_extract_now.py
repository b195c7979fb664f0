"""A request asking what the clock shows now offers a date-time input the time now, not today at midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agentfn._named_dates import current_moment
from agentfn.backends._extract import ExtractionSources


@pytest.mark.parametrize("text", ["what time is it in Lima", "current time in Nairobi?", "whats the time in oslo"])
def test_the_clock_now_is_the_moment_not_midnight(text: str) -> None:
    today = date.today().isoformat()
    if datetime.now(UTC).date().isoformat() != today:  # the local date is not UTC's (around midnight)
        pytest.skip("local date differs from the UTC date")
    offered = ExtractionSources(text, today, [], set()).dates()
    assert len(offered) == 1
    moment = datetime.fromisoformat(offered[0])
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


@pytest.mark.parametrize("text", ["what time is it in Lima when it is 15:00 in Madrid",
                                  "If it is 9am in Paris on 2026-07-01, what time is it in Denver?",
                                  "how many days until 2027-01-01"])
def test_a_request_with_its_own_date_or_time_keeps_it(text: str) -> None:
    offered = ExtractionSources(text, date.today().isoformat(), [], set()).dates()
    assert offered and all(not d.endswith("+00:00") for d in offered)


def test_no_moment_for_another_day_or_without_a_clock_question() -> None:
    assert current_moment("what time is it in Lima", "2001-01-01") is None  # not the machine's date
    assert current_moment("what is the date today", date.today().isoformat()) is None
