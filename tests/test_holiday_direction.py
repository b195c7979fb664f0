"""A holiday named after a cue word ("until Halloween") takes that side of a start/end pair, as a date would."""

from __future__ import annotations

from datetime import date

from agentfn._named_dates import with_holiday_dates
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


def test_holidays_are_written_as_their_dates() -> None:
    today = date(2026, 3, 1)
    assert with_holiday_dates("weeks until Easter", today) == "weeks until 2026-04-05"
    assert with_holiday_dates("from xmas 2030 to new year's day 2031", today) == "from 2030-12-25 to 2031-01-01"
    assert with_holiday_dates("no holiday here", today) == "no holiday here"


def test_until_a_holiday_is_the_end_of_the_span() -> None:
    spec = next(t for t in Toolset.builtin() if t.name == "date_diff").openai_schema()
    params = extractive_spec(spec, ExtractionSources("how many weeks until valentine's day 2028", "2027-06-01"))
    branches = params["function"]["parameters"]["anyOf"]
    assert branches and all(b["properties"]["end"]["enum"] == ["2028-02-14"] for b in branches)
