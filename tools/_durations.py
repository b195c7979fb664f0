"""A span of time written in hours and minutes ("2h 10m", "1 hr and 20 mins", "45 minutes"): one pattern.

Three readers use it: the clock tool's time arithmetic (``_clock``: "14:35 plus 2h10m"), the calculator's
word reading (``_math_words``: "2h 20m ... in minutes" -> ``(2 * 60 + 20)``) and the request cues that send
a two-part amount to arithmetic rather than to a converter (``agentfn._request_cues.sum_tool``).

:data:`DURATION` matches hours with optional minutes (groups ``hours`` and ``minutes``) or minutes alone
(group ``alone``); a number glued to a clock time or a decimal ("14:35", ".5h") does not start one, and a unit
must end its word ("2 hotdogs" is no duration). :func:`two_part_duration` is the first one written in both
parts.

:data:`SPEED_FOR_TIME` is a speed per hour kept for a span ("at 60 mph for 2.5 hours", "80 km/h for 45 minutes"):
:func:`distance_expression` writes the distance it covers as arithmetic (``60 * 2.5``, ``80 * 45 / 60``), in
the speed's own distance unit.
"""

from __future__ import annotations

import re

_NUMBER = r"\d+(?:\.\d+)?"
_HOURS = r"(?:h|hrs?|hours?)(?![a-z])"
_MINUTES = r"(?:m|mins?|minutes?)(?![a-z])"
_PER_HOUR = r"(?:mph|km/h|kph|kmh|km/hr|mi/h|(?:miles?|mi|km|kilomet(?:er|re)s?)\s+(?:an|per|a)\s+hour)"
DURATION = re.compile(
    rf"(?<![\d.:])(?:(?P<hours>{_NUMBER})\s*{_HOURS}\s*(?:and\s+)?(?:(?P<minutes>{_NUMBER})\s*{_MINUTES})?"
    rf"|(?P<alone>{_NUMBER})\s*{_MINUTES})",
    re.I,
)
"""Hours with optional minutes, or minutes alone (module docstring)."""


def two_part_duration(text: str) -> re.Match[str] | None:
    """The first duration in ``text`` written in hours and minutes ("7h 45m", "1 hr 20 min"), or None."""
    return next((m for m in DURATION.finditer(text) if m["hours"] and m["minutes"]), None)


SPEED_FOR_TIME = re.compile(
    rf"(?<![\d.])(?P<speed>{_NUMBER})\s*{_PER_HOUR}(?![a-z/])[^0-9]{{0,40}}?\b(?:for|in|over|during)\s+"
    rf"(?P<time>{_NUMBER})\s*(?:(?P<hours>{_HOURS})|{_MINUTES})",
    re.I,
)
"""A speed per hour and the span it is kept for (module docstring)."""


def distance_expression(match: re.Match[str]) -> str:
    """The distance a :data:`SPEED_FOR_TIME` match covers, as arithmetic: ``60 * 2.5`` or ``80 * 45 / 60``."""
    product = f"{match['speed']} * {match['time']}"
    return product if match["hours"] is not None else f"{product} / 60"
