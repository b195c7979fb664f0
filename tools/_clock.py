"""A clock time and a duration said in one sentence, added up (or taken away) for ``calculate``.

"my train leaves at 14:35 and the trip takes 2h10m, when do I arrive", "the film starts at 7:40 pm and runs
1 hour 55 minutes, when does it end", "I need to be there at 9am and the walk is 25 minutes, when should I
leave before that": :func:`clock_time` reads the one clock time and the durations and returns the time
they give, as ``HH:MM`` (with the 12-hour form when the request used am/pm, and the days it moves over).

Guarantee: an answer only when the text holds exactly one clock time, at least one duration, and no other
number; it subtracts when the text says "before", "earlier", "ago", "minus" or "back", else adds. None
otherwise (the calculator's other rules go on).
"""

from __future__ import annotations

import re

from agentfn._values import spell_out_numbers
from agentfn.library._durations import DURATION

__all__ = ["clock_time"]

_CLOCK = re.compile(r"(?<![\d.:])(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?(?![\d:])(?!\s*(?:h|hrs?|hours?|m|mins?|minutes?)\b)",
                    re.I)
_BACK = re.compile(r"\b(?:before|earlier|ago|minus|subtract|back|less)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def _minutes_of_day(match: re.Match[str]) -> int | None:
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    elif match.group(2) is None or hour > 23:  # a bare number is no clock time without am/pm
        return None
    return None if minute > 59 else hour * 60 + minute


def _shown(total: int, twelve_hour: bool) -> str:
    days, minute_of_day = divmod(total, 24 * 60)
    hour, minute = divmod(minute_of_day, 60)
    text = f"{hour:02d}:{minute:02d}"
    if twelve_hour:
        text += f" ({hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'})"
    if days:
        text += f" ({'+' if days > 0 else ''}{days} day{'s' if abs(days) != 1 else ''})"
    return text


def clock_time(text: str) -> str | None:
    """The clock time ``text`` asks for (see the module docstring), or None."""
    spelled = spell_out_numbers(text, lone_one=True)
    durations = list(DURATION.finditer(spelled))
    rest = DURATION.sub(" ", spelled)
    clocks = [(m, value) for m in _CLOCK.finditer(rest) if (value := _minutes_of_day(m)) is not None]
    if not durations or len(clocks) != 1 or len(_NUMBER.findall(rest)) != len(re.findall(r"\d+", clocks[0][0].group())):
        return None
    span = 0.0
    for m in durations:
        hours, minutes, alone = m["hours"], m["minutes"], m["alone"]
        span += float(hours) * 60 + float(minutes or 0) if hours else float(alone)
    total = clocks[0][1] + round(span) * (-1 if _BACK.search(spelled) else 1)
    return _shown(total, bool(clocks[0][0].group(3)))
