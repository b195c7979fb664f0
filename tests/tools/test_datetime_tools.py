"""Date, time and time-zone arithmetic."""

from __future__ import annotations

from datetime import UTC as UTC_ZONE
from datetime import datetime, timedelta

import pytest

from agentfn import ToolRetry
from agentfn.library.datetime_tools import convert_timezone, date_add, date_diff, date_info, now


def test_now_is_an_aware_iso_timestamp() -> None:
    value = datetime.fromisoformat(now("Asia/Tokyo"))
    assert value.utcoffset() == timedelta(hours=9)
    assert datetime.fromisoformat(now()).utcoffset() == timedelta(0)


def test_convert_timezone() -> None:
    assert convert_timezone("2024-06-01T12:00:00Z", "Asia/Tokyo") == "2024-06-01T21:00:00+09:00"
    assert convert_timezone("2024-01-15T09:30:00", "UTC", from_timezone="America/New_York") == "2024-01-15T14:30:00+00:00"
    # Summer time in New York: UTC-4.
    assert convert_timezone("2024-07-15T09:30:00-04:00", "Europe/London") == "2024-07-15T14:30:00+01:00"


def test_date_add_calendar_units() -> None:
    assert date_add("2024-01-31", months=1) == "2024-02-29"
    assert date_add("2023-01-31", months=1) == "2023-02-28"
    assert date_add("2024-02-29", years=1) == "2025-02-28"
    assert date_add("2024-12-31", days=1) == "2025-01-01"
    assert date_add("2024-03-10", weeks=-2) == "2024-02-25"
    assert date_add("2024-01-01", months=-13) == "2022-12-01"


def test_date_add_across_daylight_saving() -> None:
    # Calendar day: the local clock time is kept across the spring-forward night.
    assert date_add("2024-03-30T12:00:00", days=1, timezone="Europe/Paris") == "2024-03-31T12:00:00+02:00"
    # Elapsed hours: 01:30 CET + 1 h = 03:30 CEST (02:30 does not exist that night).
    assert date_add("2024-03-31T01:30:00", hours=1, timezone="Europe/Paris") == "2024-03-31T03:30:00+02:00"
    assert date_add("2024-01-01T00:00:00", minutes=90) == "2024-01-01T01:30:00"


def test_date_diff() -> None:
    assert date_diff("2024-01-01", "2024-03-01") == 60
    assert date_diff("2024-03-01", "2024-01-01", unit="weeks") == pytest.approx(-60 / 7)
    # The spring-forward day in Paris has 23 hours.
    assert date_diff("2024-03-31T00:00:00", "2024-04-01T00:00:00", unit="hours", timezone="Europe/Paris") == 23
    assert date_diff("2024-01-01T00:00:00Z", "2024-01-01T00:00:30+00:00", unit="seconds") == 30


def test_date_info() -> None:
    info = date_info("2024-02-29")
    assert (info.weekday, info.iso_week, info.day_of_year, info.quarter) == ("Thursday", 9, 60, 1)
    assert info.is_leap_year and info.days_in_month == 29
    assert date_info("2021-01-03T10:00:00").iso_year == 2020


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: now("Mars/Olympus"), "unknown time zone"),
        (lambda: convert_timezone("last blue moon", "UTC"), "ISO 8601"),
        (lambda: date_add("9999-12-31", days=1), "date range"),
        (lambda: date_add("9999-12-01", months=1), "years 1-9999"),
        (lambda: date_diff("2024-01-01T00:00:00Z", "2024-01-02T00:00:00"), "both"),
    ],
)
def test_refusals(call: object, message: str) -> None:
    with pytest.raises(ToolRetry, match=message):
        call()  # type: ignore[operator]


def test_schema_exposes_the_unit_choices() -> None:
    assert date_diff.parameters["properties"]["unit"]["enum"] == ["seconds", "minutes", "hours", "days", "weeks", "months", "years"]
    assert now.side_effects == "none" and not now.idempotent


def test_today_and_now_name_the_current_date() -> None:
    """A request relative to today needs one call: date_add("today", weeks=2), not now -> date_add."""
    today = datetime.now().astimezone(UTC_ZONE).date()
    assert date_add("today", weeks=2) == (today + timedelta(days=14)).isoformat()
    assert date_add("Tomorrow", days=-1) == today.isoformat()
    assert date_diff("today", (today + timedelta(days=21)).isoformat(), unit="weeks") == pytest.approx(3)
    assert date_info("today").date == today.isoformat()
    moment = datetime.fromisoformat(date_add("now", hours=1))
    assert moment.tzinfo is None  # naive like a date given without a zone, so it mixes with one
    assert datetime.fromisoformat(date_add("now", hours=1, timezone="Asia/Tokyo")).utcoffset() == timedelta(hours=9)
