"""Which way a pair of directional arguments goes: ``from_unit``/``to_unit``, ``source``/``target``.

Extractive constraints (:mod:`agentfn.backends._extract`) limit both values of such a pair to
spans of the request and make them differ, but the order is left to the model, and a 135M model
reverses it about as often as not ("100 fahrenheit to celsius" became ``from_unit: "celsius"``).
The request says which is which:

* a **from** value follows a number ("*2 liters* to cups", "30 degrees *Celsius*", at most one
  word between) or the word *from*;
* a **to** value follows *to*, *into*, *in*, *as* or *how many* ("how many *ounces* are in 1
  pound", "65 mph in *km/h*").

:func:`directional_options` narrows the two option lists to the values with the right cue when
the request gives a cue on both sides, and leaves them alone otherwise. A value cued both ways
(a span that contains the other side's value, "fahrenheit to celsius") is dropped from both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["directional_options", "is_directional_pair"]

_FROM_NAMES = ("from", "source", "src", "origin", "input")
_TO_NAMES = ("to", "target", "dest", "destination", "into", "output")
_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?%?"
_TO_CUE = r"(?:\bto|\binto|\bin|\bas|\bhow\s+many|\bhow\s+much)"


def _parts(name: str) -> list[str]:
    return [p.lower() for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if p]


def is_directional_pair(first: str, second: str) -> bool:
    """Whether parameter ``first`` names where a value comes from and ``second`` where it goes."""
    a, b = _parts(first), _parts(second)
    return bool(a and b and a[0] in _FROM_NAMES and b[0] in _TO_NAMES and a[1:] == b[1:])


def _cued(value: str, request: str, cue: str) -> bool:
    return re.search(rf"{cue}\s+{re.escape(value)}(?![\w/])", request, re.I) is not None


def _from_cued(value: str, request: str) -> bool:
    after_number = rf"(?<![\w.]){_NUMBER}(?:\s+[A-Za-z]+)?"
    return _cued(value, request, after_number) or _cued(value, request, r"\bfrom")


def directional_options(
    first: Sequence[Any], second: Sequence[Any], request: str
) -> tuple[list[Any], list[Any]] | None:
    """The options of the *from* and *to* parameters that the request's cues allow, or None (no change).

    Args:
        first: the options of the *from* parameter (spans of the request).
        second: the options of the *to* parameter.
        request: the user's request.
    """
    froms = [v for v in first if isinstance(v, str) and _from_cued(v, request)]
    tos = [v for v in second if isinstance(v, str) and _cued(v, request, _TO_CUE) and not _from_cued(v, request)]
    froms = [v for v in froms if not any(t.lower() in v.lower() for t in tos)]
    tos = [v for v in tos if not any(f.lower() in v.lower() for f in froms)]
    if not froms or not tos or set(froms) == set(tos):
        return None
    return froms, tos
