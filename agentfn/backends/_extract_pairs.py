"""Two required text parameters of one call that must differ, and which way a directional pair goes.

:func:`distinct_pair` rewrites a tool's parameters as alternatives in which the two parameters take
different values (``from_unit`` != ``to_unit``). When the pair is directional (``from_x``/``to_x``,
in either order of the signature), each side is limited to the values the request cues for it
(:func:`agentfn.backends._direction.directional_options`). Time zones are cued their own way
(:func:`zone_sides`): the zone written next to a clock time or date is where that time is read
("09:00 in New York", "12:00 UTC", "10:00 Berlin time"), or one after *from*; the zone after *to*,
*into* or *in* that no time stands next to is the target ("what time is it in London?"). The result
is None when the options are too many to spell out (more than :data:`MAX_PAIR_OPTIONS` each).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from agentfn.backends._direction import directional_options, is_directional_pair

__all__ = ["MAX_PAIR_OPTIONS", "distinct_pair", "zone_sides"]

MAX_PAIR_OPTIONS = 60

_CLOCK = r"(?:\d{1,2}(?::\d{2}){1,2}(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?|\d{4}-\d{2}-\d{2}|noon|midnight)(?:Z)?"
_AT_ZONE = rf"{_CLOCK}\s+(?:(?:in|at|on)\s+)?(?:the\s+)?"
_FROM_ZONE = r"\bfrom\s+(?:the\s+)?"
_TO_ZONE = r"\b(?:to|into|in|for)\s+(?:the\s+)?"


def _written(zone: str) -> list[str]:
    """How a request writes an IANA zone: the full name, or its city ("America/New_York" -> "New York")."""
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return list(dict.fromkeys([zone, city]))


def _after(cue: str, zone: str, request: str) -> bool:
    return any(re.search(rf"{cue}{re.escape(w)}(?![\w/])", request, re.I) for w in _written(zone))


def zone_sides(zones: Sequence[str], request: str) -> tuple[list[Any], list[Any]] | None:
    """The source and target zones among ``zones`` that the request cues, or None (no cue either way)."""
    froms = [z for z in zones if (_after(_AT_ZONE, z, request) or _after(_FROM_ZONE, z, request))]
    tos = [z for z in zones if z not in froms and _after(_TO_ZONE, z, request)]
    if not froms and not tos:
        return None
    froms = froms or [z for z in zones if z not in tos]
    tos = tos or [z for z in zones if z not in froms]
    return (froms, tos) if froms and tos else None


def _timezone_pair(first: str, second: str) -> bool:
    return all("zone" in name.lower() or name.lower().endswith("_tz") for name in (first, second))


def distinct_pair(params: dict[str, Any], first: str, second: str, request: str) -> dict[str, Any] | None:
    """``params`` with two required text parameters that must differ (``from_unit`` != ``to_unit``),
    each limited to the values the request cues for its side when the pair is directional."""
    props = cast("dict[str, Any]", params["properties"])
    a, b = cast("list[Any]", props[first].get("enum")), cast("list[Any]", props[second].get("enum"))
    if not a or not b:
        return None
    flipped = is_directional_pair(second, first)  # to_timezone comes before from_timezone in the signature
    if flipped:
        first, second, a, b = second, first, b, a
    if flipped or is_directional_pair(first, second):
        sides = zone_sides([str(z) for z in dict.fromkeys([*a, *b])], request) if _timezone_pair(first, second) else None
        if sides is not None:
            a, b = sides
        elif (cued := directional_options(a, b, request)) is not None:
            a, b = cued
    if len(a) > MAX_PAIR_OPTIONS or len(b) > MAX_PAIR_OPTIONS:
        return None
    branches: list[dict[str, Any]] = []
    for value in a:
        others = [v for v in b if v != value]
        if others:
            branch_props = {**props, first: {**props[first], "enum": [value]}, second: {**props[second], "enum": others}}
            branches.append({**params, "properties": branch_props})
    return {"anyOf": branches} if branches else None
