"""Whether a request looks ahead in time or back: one word list for every reader of a date's direction.

Two readers need it: :func:`agentfn._named_dates.worded_dates` (a date written without a year, "until
August 14", is the next such day when the request looks ahead and the last one when it looks back) and
:func:`agentfn.backends._direction.implied_sides` (the date a request writes is where a countdown ends when
it looks ahead, where it starts when it looks back).

* :data:`LOOKS_AHEAD`: *until*, *till*, *left*, *next*, *upcoming*, *coming*, *away*, *countdown*, *to go*,
  *from now*, *remaining*;
* :data:`LOOKS_BACK`: *since*, *ago*, *last*, *passed*, *past*, *elapsed*, *been* ("how long has it been");
* *how long* asks for a span either way ("how long since", "how long until"): it looks ahead only when no
  word looks back ("how long is it to March 3").

:func:`time_direction` gives ``(ahead, back)``; a request with both (or neither) has no direction, and
callers leave it alone.
"""

from __future__ import annotations

import re

LOOKS_AHEAD = re.compile(
    r"\b(?:until|till|til|left|next|upcoming|coming|away|countdown|to\s+go|from\s+now|remaining)\b", re.I)
"""Words that look ahead in time."""
LOOKS_BACK = re.compile(r"\b(?:since|ago|last|passed|past|elapsed|been)\b", re.I)
"""Words that look back in time."""
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.I)


def time_direction(text: str) -> tuple[bool, bool]:
    """``(ahead, back)``: whether ``text`` looks ahead in time, and whether it looks back (module docstring)."""
    back = LOOKS_BACK.search(text) is not None
    ahead = LOOKS_AHEAD.search(text) is not None or (not back and _HOW_LONG.search(text) is not None)
    return ahead, back
