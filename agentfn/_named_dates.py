"""Dates written in words: month names ("March 3, 2025") and named days ("until Christmas").

People rarely write ISO dates. :func:`worded_dates` reads "March 3, 2025", "3rd of March 2025",
"Mar 3" and, with a year, "12/25/2026" (month first, as in the US, unless the first number is past 12:
"25/12/2026") as ISO dates (a date without a year takes ``year`` when given, else is left out; given
``today``, it is the next such day when the request looks ahead, "until August 14", the last one
when it looks back, "since March 3" (:func:`agentfn._time_direction.time_direction`), and this year's otherwise; "February 2028" is its first day, so is a year asked about as a leap year ("was 1900 a leap year":
:func:`leap_years`), and, given ``today``, "next Friday" the coming Friday), and
:data:`WORDED_DATE` is its pattern, so callers can count or strip such dates (their day and
year are not numbers to compute with).

:func:`holiday_dates` finds the holidays a request names and gives the date each falls on next
(today counts: on Christmas Day, "until Christmas" is today; "Christmas 2027" is that year's), as
ISO dates, so a date parameter
can be offered that date beside the ones written in digits. Fixed days (Christmas, New Year,
Halloween, Valentine's Day, Independence Day, St Patrick's Day) and two movable feasts whose
rule is arithmetic: Easter Sunday (the Gregorian computus) and US Thanksgiving (the fourth
Thursday of November). :data:`HOLIDAY_WORDS` are the words that name them, so a caller can tell
a holiday from a place ("Christmas" is not the Indian Ocean island's time zone), and
:func:`strip_holiday_years` drops the year written after a holiday (it is not a number to use);
:func:`with_holiday_dates` writes the holidays as their ISO dates ("until Halloween" -> "until 2027-10-31").

:func:`current_moment` is the time now (ISO date-time, UTC) for a request that asks what the clock
shows now ("what time is it in Tokyo", "current time in Lima"): not today at midnight.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta

from agentfn._time_direction import time_direction

__all__ = [
    "HOLIDAY_WORDS",
    "MONTH_YEAR",
    "WORDED_DATE",
    "current_moment",
    "easter",
    "holiday_dates",
    "holidays_named",
    "leap_years",
    "named_days",
    "range_year",
    "strip_holiday_years",
    "thanksgiving",
    "weekday_dates",
    "with_holiday_dates",
    "worded_dates",
]

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_SLASHED = r"(?P<a>[01]?\d|[23]\d)/(?P<b>[01]?\d|[23]\d)/(?P<y>(?:19|20|21)\d\d)"
WORDED_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+{_DAY}{_YEAR}|{_DAY.replace('day>', 'day2>')}\s+(?:of\s+)?{_MONTH.replace('mon>', 'mon2>')}"
    rf"{_YEAR.replace('year>', 'year2>')}|{_SLASHED})(?![\w:/])",
    re.I,
)


MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:of\s+)?(?P<year>(?:19|20|21)\d\d)\b", re.I)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(rf"\b(?P<dir>next|this|coming|last|on|until|till|by|before)\s+(?P<wd>{'|'.join(_WEEKDAYS)})\b", re.I)


def worded_dates(text: str, year: int | None = None, today: date | None = None) -> list[str]:
    """ISO dates written with a month name in ``text``; one without a year takes ``year`` (or is
    skipped), or, given ``today``, the year the request's direction implies (module docstring)."""
    found: list[str] = []
    ahead, back = time_direction(text)
    if today is not None and year is None:
        year = today.year
    matches = list(WORDED_DATE.finditer(text))
    for i, m in enumerate(matches):
        if m.group("y"):  # "12/25/2026" (month first, as in the US) or "25/12/2026" (a day past 12 first)
            with suppress(ValueError):  # no such day (13/13/2026)
                found.append(_slashed(int(m.group("a")), int(m.group("b")), int(m.group("y"))).isoformat())
            continue
        number, day = _month_day(m)
        written = _written_year(m) or range_year(text, matches, i)
        try:
            day_date = date(int(written) if written else year or 0, number, day)
            if not written and today is not None and ahead != back:
                if ahead and day_date < today:
                    day_date = date(today.year + 1, number, day)
                elif back and day_date > today:
                    day_date = date(today.year - 1, number, day)
            found.append(day_date.isoformat())
        except ValueError:  # no year given and none to assume, or no such day (February 30)
            continue
    rest = WORDED_DATE.sub(" ", text)
    for m in MONTH_YEAR.finditer(rest):  # "February 2028": the month, as its first day
        found.append(date(int(m.group("year")), _month_number(m.group("mon")), 1).isoformat())
    found += [date(int(y), 1, 1).isoformat() for y in leap_years(rest)]
    if today is not None:
        found += weekday_dates(text, today)
    return list(dict.fromkeys(found))


_RANGE_JOIN = re.compile(r"\s*(?:,\s*)?(?:and|to|through|thru|until|till|-|\u2013|\u2014)\s*", re.I)


def _written_year(m: re.Match[str]) -> str | None:
    return m.group("year") or m.group("year2") or None


def _month_number(mon: str) -> int:
    """1-12 for a month name or its abbreviation as :data:`WORDED_DATE` matches it ("Sept", "mar")."""
    return next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(mon.lower()[:3]))


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    """The month and day of a :data:`WORDED_DATE` match written with a month name."""
    return _month_number(m.group("mon") or m.group("mon2")), int(m.group("day") or m.group("day2"))


def range_year(text: str, matches: list[re.Match[str]], i: int) -> str | None:
    """The year a yearless worded date shares with the other end of its range: "between March 3 and
    July 4 2025" puts both in 2025, as does "from March 3, 2025 to July 4"; a range runs forward, so
    "December 20 to January 5, 2025" starts in 2024. ``matches`` are :data:`WORDED_DATE`'s matches in
    ``text`` in order, ``i`` the yearless one. ``None`` when the date is not one end of a range or the
    other end has no year either (or is written with slashes)."""
    if i + 1 < len(matches) and _RANGE_JOIN.fullmatch(text[matches[i].end():matches[i + 1].start()]):
        other, later = matches[i + 1], True
    elif i > 0 and _RANGE_JOIN.fullmatch(text[matches[i - 1].end():matches[i].start()]):
        other, later = matches[i - 1], False
    else:
        return None
    year = _written_year(other)
    if year is None:
        return None
    mine, theirs = _month_day(matches[i]), _month_day(other)
    if later and mine > theirs:
        return str(int(year) - 1)
    if not later and mine < theirs:
        return str(int(year) + 1)
    return year


_LEAP = re.compile(r"\b(?P<y>(?:1[5-9]|2\d)\d\d)\b(?=[^.?!\d]{0,20}\bleap\b)|\bleap\b[^.?!\d]{0,20}\b(?P<y2>(?:1[5-9]|2\d)\d\d)\b",
                   re.I)


def leap_years(text: str) -> list[str]:
    """The years ``text`` asks about as leap years ("was 1900 a leap year", "is the year 2032 a leap one")."""
    return [m.group("y") or m.group("y2") for m in _LEAP.finditer(text)]


def _slashed(first: int, second: int, year: int) -> date:
    """The date ``first/second/year`` names: month first unless the first is past 12 (then the day)."""
    return date(year, second, first) if first > 12 else date(year, first, second)


def weekday_dates(text: str, today: date) -> list[str]:
    """ISO dates of the weekdays ``text`` names with a direction: "next Friday", "on Monday", "until
    Sunday" are the coming one (after today), "last Friday" the one before today."""
    found: list[str] = []
    for m in _WEEKDAY.finditer(text):
        wd = _WEEKDAYS.index(m.group("wd").lower())
        if m.group("dir").lower() == "last":
            found.append((today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1)).isoformat())
        else:
            found.append((today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)).isoformat())
    return found


def named_days(text: str) -> int:
    """How many dates ``text`` names in words beyond full dates: holidays, months of a year
    ("February 2028"), weekdays with a direction ("next Friday") and years asked about as leap years."""
    rest = WORDED_DATE.sub(" ", text)
    return holidays_named(rest) + len(MONTH_YEAR.findall(rest)) + len(_WEEKDAY.findall(rest)) + len(leap_years(rest))


def easter(year: int) -> date:
    """Easter Sunday of ``year`` (Gregorian calendar; the anonymous computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


def thanksgiving(year: int) -> date:
    """US Thanksgiving of ``year``: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


# Longer names first, so "Christmas Eve" is not read as Christmas.
_HOLIDAYS: list[tuple[str, Callable[[int], date]]] = [
    (r"christmas\s+eve", _fixed(12, 24)),
    (r"(?:christmas|xmas)(?:\s+day)?", _fixed(12, 25)),
    (r"new\s+year'?s?\s+eve", _fixed(12, 31)),
    (r"new\s+year'?s?(?:\s+day)?", _fixed(1, 1)),
    (r"hall?oween", _fixed(10, 31)),
    (r"valentine'?s?(?:\s+day)?", _fixed(2, 14)),
    (r"(?:independence\s+day|(?:the\s+)?fourth\s+of\s+july|july\s+4th)", _fixed(7, 4)),
    (r"(?:st\.?|saint)\s+patrick'?s?(?:\s+day)?", _fixed(3, 17)),
    (r"easter(?:\s+sunday)?", easter),
    (r"thanksgiving(?:\s+day)?", thanksgiving),
]
HOLIDAY_WORDS = frozenset({"christmas", "xmas", "eve", "halloween", "valentine", "easter", "thanksgiving", "patrick"})


_YEAR_AFTER = r"(?:,?\s+(?:of\s+|in\s+)?(?P<year>(?:19|20|21)\d\d)\b)?"


def _holidays(text: str, today: date) -> list[tuple[int, int, str]]:
    """``(start, end, ISO date)`` of each holiday ``text`` names (see :func:`holiday_dates`), in order."""
    found: list[tuple[int, int, str]] = []
    rest = text
    for pattern, rule in _HOLIDAYS:
        regex = re.compile(rf"\b{pattern}\b{_YEAR_AFTER}", re.I)
        match = regex.search(rest)
        if match is None:
            continue
        rest = regex.sub(lambda m: " " * len(m.group()), rest)  # same length: positions stay
        if match.group("year"):
            found.append((match.start(), match.end(), rule(int(match.group("year"))).isoformat()))
            continue
        day = rule(today.year)
        if day < today:
            day = rule(today.year + 1)
        found.append((match.start(), match.end(), day.isoformat()))
    return sorted(found)


def holiday_dates(text: str, today: date) -> list[str]:
    """ISO dates of the holidays ``text`` names: the year written after one ("Christmas 2027"),
    else the next one on or after ``today``."""
    return list(dict.fromkeys(d for _, _, d in _holidays(text, today)))


def with_holiday_dates(text: str, today: date) -> str:
    """``text`` with the first mention of each holiday (and its year) written as its ISO date: "days until
    Halloween 2027" -> "days until 2027-10-31" (so a cue word before it is read as for any date)."""
    for start, end, day in reversed(_holidays(text, today)):
        text = text[:start] + day + text[end:]
    return text


def strip_holiday_years(text: str) -> str:
    """``text`` without the years written after holidays ("New Year's Day 2027" -> "New Year's Day")."""
    for pattern, _rule in _HOLIDAYS:
        text = re.sub(rf"(\b{pattern}\b){_YEAR_AFTER}", r"\1", text, flags=re.I)
    return text


def holidays_named(text: str) -> int:
    """How many holidays ``text`` names (each date :func:`holiday_dates` would give)."""
    return len(holiday_dates(text, date(2000, 1, 1)))


_CLOCK_NOW = re.compile(
    r"\b(?:what\s+time\b|what'?s\s+the\s+time\b|(?:the\s+)?time\s+(?:is\s+it|now|right\s+now|in)\b|"
    r"current\s+(?:local\s+)?time\b|local\s+time\s+(?:now|in)\b)",
    re.I,
)


def current_moment(text: str, today: str | None) -> str | None:
    """The time now as an ISO date-time in UTC when ``text`` asks what the clock shows now and ``today``
    (the caller's ISO date) is the machine's date; None otherwise (a request with a date or clock
    time of its own is not asking for now: callers check that)."""
    if not today or not _CLOCK_NOW.search(text):
        return None
    moment = datetime.now(UTC)
    return moment.isoformat(timespec="seconds") if moment.date().isoformat() == today[:10] else None
