"""Dates, times and time zones (IANA names via :mod:`zoneinfo`).

Time-zone data comes from the operating system or, where that is missing
(minimal Debian images, Windows), from the ``tzdata`` package in the
``agentfn[tools]`` extra.

Arithmetic rules: ``days``/``weeks``/``months``/``years`` move the calendar
(the local wall-clock time is kept across DST changes), ``hours``/``minutes``/
``seconds`` add elapsed time. Differences are computed in UTC, so they count
real elapsed time.
"""

from __future__ import annotations

import calendar
from datetime import UTC, timedelta, tzinfo
from datetime import date as date_type
from datetime import datetime as datetime_type
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from agentfn import ToolRetry, tool

__all__ = ["DateInfo", "convert_timezone", "date_add", "date_diff", "date_info", "now"]


def _zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "Z", "GMT"):
        return ZoneInfo("UTC") if _has_tz_data() else _UTC_FALLBACK
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if not _has_tz_data():
            raise ToolRetry(
                f"no time-zone data on this machine to look up {name!r}: pip install 'agentfn[tools]' (tzdata)"
            ) from None
        raise ToolRetry(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris' or 'UTC'") from None


def _has_tz_data() -> bool:
    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return False
    return True


_UTC_FALLBACK = UTC


_RELATIVE_DAYS = {"today": 0, "now": 0, "tomorrow": 1, "yesterday": -1}


def _relative(text: str, zone: str | None) -> datetime_type | None:
    """``today``/``now``/``tomorrow``/``yesterday``: the date (or, for ``now``, the moment) they name
    in ``zone`` (default UTC), so a request relative to today needs no separate ``now`` call."""
    key = text.lower().strip(" .")
    if key.startswith("right "):
        key = key[6:]
    if key not in _RELATIVE_DAYS:
        return None
    moment = datetime_type.now(_zone(zone or "UTC"))
    if key != "now":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    moment = moment + timedelta(days=_RELATIVE_DAYS[key])
    return moment if zone is not None else moment.replace(tzinfo=None)  # naive like the other value


def _parse(value: str, zone: str | None = None) -> datetime_type:
    relative = _relative(value, zone)
    if relative is not None:
        return relative
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime_type.fromisoformat(text)
    except ValueError:
        raise ToolRetry(f"cannot read {value!r} as an ISO 8601 date or date-time, e.g. '2024-03-31T14:00:00' "
                        "(or today, now, tomorrow, yesterday)") from None
    if parsed.tzinfo is None and zone is not None:
        parsed = parsed.replace(tzinfo=_zone(zone))
    return parsed


# Reading the clock changes nothing and reveals nothing private: no approval needed (side_effects="none").
@tool(side_effects="none", idempotent=False, blocking=False)
def now(timezone: str = "UTC") -> str:
    """The current date and time (today's date, the time right now, the current year or weekday)
    as ISO 8601 text, in any time zone.

    Args:
        timezone: an IANA time-zone name, e.g. "Asia/Tokyo".
    """
    return datetime_type.now(_zone(timezone)).isoformat(timespec="seconds")


@tool(side_effects="none", blocking=False)
def convert_timezone(datetime: str, to_timezone: str, from_timezone: str | None = None) -> str:
    """Convert a given date-time from one time zone to another: what the clock shows in another
    city or zone at that moment.

    Args:
        datetime: ISO 8601 date-time; with an offset, or local time of ``from_timezone``.
        to_timezone: IANA name of the target zone, e.g. "America/New_York".
        from_timezone: zone of a date-time without offset (default UTC).
    """
    moment = _parse(datetime, from_timezone or "UTC")
    return moment.astimezone(_zone(to_timezone)).isoformat()


def _add_months(moment: datetime_type, months: int) -> datetime_type:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    if not 1 <= year <= 9999:
        raise ToolRetry("the result is outside the years 1-9999")
    day = min(moment.day, calendar.monthrange(year, month)[1])  # 31 Jan + 1 month = 28/29 Feb
    return moment.replace(year=year, month=month, day=day)


@tool(side_effects="none", blocking=False)
def date_add(
    datetime: str,
    years: int = 0,
    months: int = 0,
    weeks: int = 0,
    days: int = 0,
    hours: float = 0,
    minutes: float = 0,
    seconds: float = 0,
    timezone: str | None = None,
) -> str:
    """The date N days, weeks, months or years after (from) or before a date, today or now: what
    the date is (or will be) 2 weeks from a date or from now, one year after a date, 30 days
    before it. Adds (or, with negative numbers, subtracts) years, months, weeks, days, hours,
    minutes or seconds, e.g. a deadline some weeks after a start date, or when a period that
    starts on a date ends.

    Calendar units (years, months, weeks, days) keep the local clock time, also across
    daylight-saving changes; a month step clamps the day (Jan 31 + 1 month = Feb 28/29).
    Clock units (hours, minutes, seconds) add elapsed time.

    Args:
        datetime: ISO 8601 date ("2024-01-31") or date-time, or "today"/"now".
        years: calendar years to add.
        months: calendar months to add.
        weeks: weeks to add.
        days: days to add.
        hours: elapsed hours to add.
        minutes: elapsed minutes to add.
        seconds: elapsed seconds to add.
        timezone: IANA zone of a date-time given without offset.
    """
    is_date = len(datetime.strip()) == 10 or datetime.strip().lower() in ("today", "tomorrow", "yesterday")
    moment = _parse(datetime, timezone)
    try:
        moment = _add_months(moment, years * 12 + months)
        moment = moment + timedelta(weeks=weeks, days=days)
        if hours or minutes or seconds:
            elapsed = timedelta(hours=hours, minutes=minutes, seconds=seconds)
            if moment.tzinfo is not None:
                zone = moment.tzinfo
                moment = (moment.astimezone(_UTC_FALLBACK) + elapsed).astimezone(zone)
            else:
                moment = moment + elapsed
    except OverflowError:
        raise ToolRetry("the result is outside the supported date range") from None
    if is_date and not (hours or minutes or seconds):
        return moment.date().isoformat()
    return moment.isoformat()


_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0, "weeks": 604800.0}


@tool(side_effects="none", blocking=False)
def date_diff(
    start: str,
    end: str,
    unit: Literal["seconds", "minutes", "hours", "days", "weeks", "months", "years"] = "days",
    timezone: str | None = None,
) -> float:
    """How many days, weeks, months, years, hours, minutes or seconds until a date, since a date, or
    between two dates or date-times (from ``start`` to ``end``; negative when end is earlier). For
    "how long until/since X" and "how old is someone born on X" (an age), one end is today.

    Args:
        start: ISO 8601 date or date-time, or "today"/"now".
        end: ISO 8601 date or date-time, or "today"/"now".
        unit: unit of the result; months and years count whole calendar months and years
            (an age: born 1990-05-17, on 2026-05-16 it is 35 years).
        timezone: IANA zone for values given without offset (default: both naive, no zone).
    """
    a, b = _parse(start, timezone), _parse(end, timezone)
    if (a.tzinfo is None) != (b.tzinfo is None):
        raise ToolRetry("give both values with a time zone offset, or neither (or pass timezone=)")
    if a.tzinfo is not None:
        # Same-zone subtraction in Python ignores the offsets (wall-clock difference); UTC counts real time.
        a, b = a.astimezone(_UTC_FALLBACK), b.astimezone(_UTC_FALLBACK)
    if unit in ("months", "years"):
        per = 12 if unit == "years" else 1
        return float(_whole_months(a, b) // per) if b >= a else -float(_whole_months(b, a) // per)
    return (b - a).total_seconds() / _UNIT_SECONDS[unit]


def _whole_months(a: datetime_type, b: datetime_type) -> int:
    """Whole calendar months from ``a`` to a later ``b`` (a month ends on the same day of the month)."""
    months = (b.year - a.year) * 12 + b.month - a.month
    if (b.day, b.time()) < (a.day, a.time()):
        months -= 1
    return months


class DateInfo(BaseModel):
    """Calendar facts about one date."""

    date: str
    weekday: str
    iso_week: int
    iso_year: int
    day_of_year: int
    quarter: int
    is_leap_year: bool
    days_in_month: int


@tool(side_effects="none", blocking=False)
def date_info(date: str) -> DateInfo:
    """Calendar facts of one given date (not a date computed from it): its day of the week, ISO
    week number, day of the year, quarter, whether its year is a leap year, and how many days its
    month has.

    Args:
        date: ISO 8601 date ("2024-02-29") or date-time, or "today".
    """
    day: date_type = _parse(date).date()
    iso = day.isocalendar()
    return DateInfo(
        date=day.isoformat(),
        weekday=calendar.day_name[day.weekday()],
        iso_week=iso.week,
        iso_year=iso.year,
        day_of_year=day.timetuple().tm_yday,
        quarter=(day.month - 1) // 3 + 1,
        is_leap_year=calendar.isleap(day.year),
        days_in_month=calendar.monthrange(day.year, day.month)[1],
    )
