"""Which way a pair of directional arguments goes: ``from_unit``/``to_unit``, ``source``/``target``.

Extractive constraints (:mod:`agentfn.backends._extract`) limit both values of such a pair to
spans of the request and make them differ, but the order is left to the model, and a 135M model
reverses it about as often as not ("100 fahrenheit to celsius" became ``from_unit: "celsius"``).
The request says which is which:

* a **from** value follows a number, in digits or words ("*2 liters* to cups", "six *feet*", at most one
  word between) or *from*, *since*, *between*, *starting*, *born (on)* (an age counts from the birth);
* a **to** value follows *to*, *into*, *in*, *as*, *until*, *till*, *how many* ("how many
  *ounces* are in 1 pound", "65 mph in *km/h*") or the *and* of "between A and B".
* in a comparison ("which is more, 5 miles *or 8 km*", "is 2 kg heavier *than 5 lb*") the second quantity's unit
  is the **to** value and the first's the **from** value.

A value asked for after a word that points back at the stated quantity ("it's 31 outside in celsius,
what's *that in* fahrenheit") is the **to** value, and a value cued before it is the **from** value, even
when an *in* cues it too.

A date the request writes in words ("between *march 1 2026* and *april 15 2026*") is cued as written.
The item an amount is given per ("8 oz per cake ... 3 *cakes*") is counted, never a unit of either side.
Pairs are named ``from_x``/``to_x``, ``source``/``target``, ``start``/``end``... (same suffix).
:func:`directional_options` narrows the two option lists to the values with the right cue; when
only one side is cued ("days *until* 2027-12-25"), the other side takes any other value; with no
cue they are left alone, unless the request looks ahead or back in time and writes one of the two values
(:func:`implied_sides`: the date it writes is where a countdown ends) or writes two dates (the first is the start).
Dates are also recognised as written 14/08/2027 or 8/14/2027. A span that contains the other side's value ("fahrenheit to celsius")
is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agentfn._arith import counted_item
from agentfn._time_direction import time_direction

__all__ = ["directional_options", "implied_sides", "is_directional_pair"]

_FROM_NAMES = ("from", "source", "src", "origin", "input", "start", "begin", "since")
_TO_NAMES = ("to", "target", "dest", "destination", "into", "output", "end", "finish", "until")
_NUMBER = r"(?<![\w.\-/:])[-+]?\d[\d,]*(?:\.\d+)?%?"
_NUMBER_WORD = (r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
                r"sixty|seventy|eighty|ninety|hundred|thousand|half|a\s+dozen)")  # "six feet": a number in words
_FROM_CUE = rf"(?:(?:{_NUMBER}|{_NUMBER_WORD})(?:\s+(?!(?:and|or|to|into|until|till)\b)[A-Za-z]+)?|\bfrom|\bsince|\bbetween|\bstarting|\bborn(?:\s+on|\s+in)?|\bsince\s+on)"
_BACK_TO_CUE = (  # "what's *that in* fahrenheit", "convert it to km": the value asked for ("round it to 1 decimal": no)
    r"(?:\bwhat(?:'s|’s|s|\s+is)\s+(?:that|it|this)|\bwhat\s+would\s+(?:that|it|this)\s+be"
    r"|\b(?:convert|change|express|turn|put)\s+(?:that|it|this))\s+(?:to|into|in|as)\b")
_COMPARED_CUE = rf"(?:\bor|\bvs\.?|\bversus|\bthan|\bcompared\s+(?:to|with))\s+(?:{_NUMBER}|{_NUMBER_WORD})"
"""The second quantity of a comparison ("5 miles *or 8* km", "than 3 pounds"): its unit is the one to compare in."""
_COMPARING = re.compile(r"\b(?:or|vs|versus|than|compared)\b", re.I)
_TO_CUE = r"(?:\bto|\binto|\bin|\bas|\buntil|\btill|\bhow\s+many|\bhow\s+much|\bbetween(?:\s+\S+){1,4}\s+and)"


def _parts(name: str) -> list[str]:
    return [p.lower() for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if p]


def is_directional_pair(first: str, second: str) -> bool:
    """Whether parameter ``first`` names where a value comes from and ``second`` where it goes."""
    a, b = _parts(first), _parts(second)
    return bool(a and b and a[0] in _FROM_NAMES and b[0] in _TO_NAMES and a[1:] == b[1:])


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def _worded(day: str) -> list[str]:
    """How a request writes an ISO date in words: "march 1 2026", "1st March, 2026", "Mar 1"..."""
    year, month, number = int(day[:4]), int(day[5:7]), int(day[8:10])
    if not 1 <= month <= 12:
        return []
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    forms: list[str] = []
    for name in (_MONTHS[month - 1], _MONTHS[month - 1][:3]):
        for d in (str(number), f"{number}{suffix}"):
            forms += [f"{name} {d}, {year}", f"{name} {d} {year}", f"{d} {name} {year}", f"{d} {name}, {year}",
                      f"{d} of {name} {year}", f"{name} {d}", f"{d} {name}", f"{d} of {name}"]
    return forms


def _forms(value: str) -> list[str]:
    """How the request may write ``value``: as is, an ISO date-time without seconds, an ISO date in words."""
    forms = [value]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00", value):
        forms.append(value[:16])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        forms += _worded(value)
        year, month, day = value[:4], value[5:7], value[8:10]
        for d, m in ((day, month), (day.lstrip("0"), month.lstrip("0"))):
            forms += [f"{a}{sep}{b}{sep}{year}" for sep in "/.-" for a, b in ((d, m), (m, d))]  # 14/08/2027, 8/14/2027
    return forms


def _cued(value: str, request: str, cue: str) -> bool:
    return any(re.search(rf"{cue}\s+{re.escape(f)}(?![\w/])", request, re.I) for f in _forms(value))


def _from_cued(value: str, request: str) -> bool:
    return _cued(value, request, _FROM_CUE)


def directional_options(
    first: Sequence[Any], second: Sequence[Any], request: str
) -> tuple[list[Any], list[Any]] | None:
    """The options of the *from* and *to* parameters that the request's cues allow, or None (no change).

    Args:
        first: the options of the *from* parameter (spans of the request).
        second: the options of the *to* parameter.
        request: the user's request.
    """
    if (item := counted_item(request)) is not None:  # "8 oz per cake ... 3 cakes": the cakes are counted, not a unit
        first, second = _not_the_item(first, item), _not_the_item(second, item)
    back = [v for v in second if isinstance(v, str) and _cued(v, request, _BACK_TO_CUE)]
    if back:  # "it's 31 outside in celsius, what's that in fahrenheit": the unit named before is the value's own
        tos = back
        froms = [v for v in first if isinstance(v, str) and not any(_contains(v, t) or _contains(t, v) for t in tos)]
        stated = [v for v in froms if _cued(v, request, _TO_CUE) or _from_cued(v, request)]
        froms = stated or froms
        return (froms, tos) if froms else None
    compared = [v for v in second if isinstance(v, str) and _cued(v, request, _COMPARED_CUE)]
    if compared:  # "which is more, 5 miles or 8 km": the first quantity, in the second one's unit
        others = [v for v in first if isinstance(v, str) and v not in compared and not _COMPARING.search(v)
                  and not any(_contains(v, t) or _contains(t, v) for t in compared)]
        froms = [v for v in others if _cued(v, request, _NUMBER)] or [v for v in others if _from_cued(v, request)]
        return (froms, compared) if froms else None
    froms = [v for v in first if isinstance(v, str) and _from_cued(v, request)]
    tos = [v for v in second if isinstance(v, str) and _cued(v, request, _TO_CUE) and not _from_cued(v, request)]
    froms = [v for v in froms if not any(_contains(v, t) for t in tos)]
    tos = [v for v in tos if not any(_contains(v, f) for f in froms)]
    if not froms and not tos:
        return implied_sides(first, second, request)
    if set(froms) == set(tos):
        return None
    if not froms:  # one side cued ("until 2027-12-25"): the other takes any other value
        froms = [v for v in first if not any(_contains(str(v), str(t)) for t in tos)]
    if not tos:
        tos = [v for v in second if not any(_contains(str(v), str(f)) for f in froms)]
    return (froms, tos) if froms and tos else None


def _not_the_item(options: Sequence[Any], item: str) -> list[Any]:
    return [v for v in options if not (isinstance(v, str) and re.match(rf"{re.escape(item)}(?:e?s)?\b", v, re.I))]


def _contains(outer: str, inner: str) -> bool:
    """Whether ``inner`` is a word or phrase of ``outer`` ("litres" is not one of "millilitres")."""
    return re.search(rf"(?<!\w){re.escape(inner)}(?!\w)", outer, re.I) is not None




def _written(value: str, request: str) -> bool:
    return any(re.search(rf"(?<![\w/]){re.escape(f)}(?![\w/])", request, re.I) for f in _forms(value))


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _place(value: str, request: str) -> int:
    """Where the request first writes ``value`` (in any of its forms)."""
    found = [m.start() for f in _forms(value) if (m := re.search(rf"(?<![\w/]){re.escape(f)}(?![\w/])", request, re.I))]
    return min(found, default=len(request))


def implied_sides(first: Sequence[Any], second: Sequence[Any], request: str) -> tuple[list[Any], list[Any]] | None:
    """The sides of a pair no word cues, from the request's direction in time: of one value the request writes
    and one it does not (today's date, offered beside the written one), the written one is the *to* value when
    the request looks ahead ("my birthday is on 2027-08-20, how many weeks *away* is that", "days *left*") and
    the *from* value when it looks back ("how long *ago*", "*since*"); of two dates the request writes with no cue
("fly out on 14/08/2027 and come back on 2 September 2027"), the one written first is the *from* value; None
otherwise."""
    values = [v for v in dict.fromkeys([*first, *second]) if isinstance(v, str)]
    written = [v for v in values if _written(v, request)]
    unwritten = [v for v in values if v not in written]
    ahead, behind = time_direction(request)
    if len(written) == 2 and all(_ISO_DAY.match(v) for v in written):  # today, if offered too, is not asked for
        source, target = sorted(written, key=lambda v: _place(v, request))  # "fly out on A and come back on B"
        return ([source], [target]) if source in first and target in second else None
    if len(written) != 1 or len(unwritten) != 1 or ahead == behind:
        return None
    source, target = (unwritten, written) if ahead else (written, unwritten)
    if source[0] not in first or target[0] not in second:
        return None
    return source, target
