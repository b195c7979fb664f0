"""Arithmetic a request asks for on a value computed first: "convert 3 miles to km *and multiply by 4*".

A small model that must write ``calculate``'s expression from an earlier tool result writes junk
(``'.04672,'`` for "then double it" after ``8.04672 km``). The request says the operation in
words; :func:`follow_up_expressions` turns it into the expressions to offer, applied to the
earlier result's numbers: "multiply by 4" -> ``8.04672 * 4``, "double it" -> ``8.04672 * 2``,
"rounded to a whole number" -> ``round(40.2336)``, "... each way, the round trip" -> ``x * 2``, "to 2 decimal places" -> ``round(x, 2)``, a rate
asked over a longer period ("4 miles *a day*, how many km *in a week*") -> ``6.437376 * 7``, trips repeated over a
period ("12 miles *each way*, *5 days a week*, how many km *weekly*") -> ``x * 10``.
:func:`asks_arithmetic` says whether the request holds such an operation at all (the router's
chain then continues with a calculator, :class:`agentfn.fill.FillRouter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["asks_arithmetic", "counted_item", "follow_up_expressions", "item_count", "rate_factor", "repeat_factor"]

_NUM = r"(-?\d+(?:\.\d+)?)"
_BINARY = (
    (re.compile(rf"\b(?:multipl(?:y|ied)(?:\s+(?:it|that|this|the\s+result))?\s+by|times)\s+{_NUM}", re.I), "*"),
    (re.compile(rf"\b(?:divide[ds]?(?:\s+(?:it|that|this|the\s+result))?\s+by|over)\s+{_NUM}", re.I), "/"),
    (re.compile(rf"\b(?:add|plus)\s+{_NUM}", re.I), "+"),
    (re.compile(rf"\b(?:subtract|minus|take\s+away)\s+{_NUM}", re.I), "-"),
)
_UNARY = (
    (re.compile(r"\bdoubl(?:e|ed|ing)\b", re.I), "{} * 2"),
    (re.compile(r"\b(?:round[\s-]trip|there\s+and\s+back|both\s+ways|return\s+journey)\b", re.I), "{} * 2"),
    (re.compile(r"\btripl(?:e|ed|ing)\b", re.I), "{} * 3"),
    (re.compile(r"\b(?:halve[ds]?|in\s+half)\b", re.I), "{} / 2"),
    (re.compile(r"\bsquared?\b(?!\s+(?:root|met|kilo|feet|foot|mile|inch|yard))", re.I), "{} ** 2"),
)
_DECIMALS = re.compile(r"\b(?:round(?:ed)?|to)\s+(?:it\s+)?(?:to\s+)?(\d+|one|two|three)\s+(?:decimal|digit|place)", re.I)
_WHOLE = re.compile(r"\bround(?:ed)?\b(?![\s-]trip)(?:\s+(?:it|that|this|the\s+result))?(?:\s+(?:to\s+(?:a|the)\s+(?:whole|nearest)"
                    r"(?:\s+(?:number|integer|whole\s+number))?|up|down|off))?", re.I)
_ASKS = re.compile(
    r"\b(?:(?:and|then)\s+(?:multipl(?:y|ied)|times|divide[ds]?|add|plus|subtract|minus|double|triple|halve|square)"
    r"|(?:multipl(?:y|ied)|divided?)\s+(?:it\s+|that\s+|the\s+result\s+|by\b)"
    r"|double(?:d)?\s+(?:it|that|the\s+result)|round(?:ed)?\s+(?:it\s+|that\s+)?(?:to|up|down|off)\b"
    r"|\beach\s+way\b.*\b(?:round[\s-]trip|there\s+and\s+back|both\s+ways|return\s+journey)\b)",
    re.I)
_WORDS = {"one": 1, "two": 2, "three": 3}
_PERIOD = r"(minute|hour|day|week|month|year)"
_RATE_OVER = re.compile(rf"\b(?:a|an|per|each|every)\s+{_PERIOD}\b.*?\b(?:in|over|for|within)\s+(?:a|an|one|1|the\s+whole)\s+"
                        rf"{_PERIOD}\b", re.I)
_PER_PERIOD_WORDS = frozenset({"minute", "hour", "day", "week", "month", "year"})
_PER_PERIOD = {("minute", "hour"): 60, ("hour", "day"): 24, ("hour", "week"): 168, ("day", "week"): 7, ("day", "year"): 365,
               ("week", "year"): 52, ("month", "year"): 12}
"""How many of the first period one of the second holds, where that is a fixed count (a month's days are not)."""


_PER_ITEM = re.compile(r"\b(?:a|an|per|each|every|for\s+(?:one|1|each))\s+([a-z]{3,}?)(?:e?s)?\b.*?\b(\d+)\s+\1(?:e?s)?\b", re.I)


def item_count(text: str) -> int | None:
    """"8 oz of butter per cake and I'm baking 3 cakes" -> 3: how many items an amount given per item is for."""
    m = _PER_ITEM.search(text)
    return int(m.group(2)) if m and m.group(1).lower() not in _PER_PERIOD_WORDS else None


def counted_item(text: str) -> str | None:
    """"8 oz of butter per cake and I'm baking 3 cakes" -> "cake": the item an amount is given per (a count of
    items, not a unit)."""
    m = _PER_ITEM.search(text)
    return m.group(1).lower() if m and m.group(1).lower() not in _PER_PERIOD_WORDS else None


def rate_factor(text: str) -> int | None:
    """"4 miles a day ... in a week" -> 7: the rate's period scaled to the period asked about."""
    m = _RATE_OVER.search(text)
    return _PER_PERIOD.get((m.group(1).lower(), m.group(2).lower())) if m else None


_TIMES_PER = re.compile(r"\b(\d+)\s+(?:days?|times|nights|shifts|trips|journeys)\s+(?:a|per|each|every)\s+(week|month|year)\b", re.I)
_TOTAL_ASKED = re.compile(r"\b(?:weekly|monthly|yearly|annually|a\s+year|total|altogether|in\s+all)\b|"
                          r"\b(?:in|per|a|each|every|for\s+the|over\s+a)\s+(?:week|month|year)\b", re.I)
_EACH_WAY = re.compile(r"\beach\s+way\b|\bboth\s+ways\b", re.I)


def repeat_factor(text: str) -> int | None:
    """"12 miles each way, 5 days a week, how many km is that weekly" -> 10: trips a period holds (twice when
    each way is given), when the request asks for the period's total; None otherwise."""
    m = _TIMES_PER.search(text)
    if m is None or not _TOTAL_ASKED.search(text, m.end()):
        return None
    return int(m.group(1)) * (2 if _EACH_WAY.search(text) else 1)


def asks_arithmetic(text: str) -> bool:
    """Whether the request asks for arithmetic on a value computed first ("convert 3 miles to km and
    multiply by 4", "then double it", "rounded to a whole number", "4 miles a day ... in a week")."""
    return _ASKS.search(text) is not None or rate_factor(text) is not None or item_count(text) is not None \
        or repeat_factor(text) is not None


def _literal(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def follow_up_expressions(request: str, results: Iterable[float]) -> list[str]:
    """The expressions the request's operation gives for each earlier result (see the module
    docstring); empty when the request names no operation."""
    ops: list[str] = []
    for pattern, symbol in _BINARY:
        ops += [f"{{}} {symbol} {m.group(1)}" for m in pattern.finditer(request)]
    ops += [template for pattern, template in _UNARY if pattern.search(request)]
    if (repeats := repeat_factor(request)) is not None:  # "12 miles each way, 5 days a week ... weekly": 10 trips
        ops.append(f"{{}} * {repeats}")
    elif (factor := rate_factor(request)) is not None:  # "4 miles a day, how many km in a week": the day's, 7 times
        ops.append(f"{{}} * {factor}")
    elif (count := item_count(request)) is not None:  # "8 oz per cake, 3 cakes, how many grams": one cake's, 3 times
        ops.append(f"{{}} * {count}")
    decimals = _DECIMALS.search(request)
    if decimals:
        places = decimals.group(1).lower()
        ops.append(f"round({{}}, {_WORDS.get(places, places)})")
    elif _WHOLE.search(request) and asks_arithmetic(request):
        ops.append("round({})")
    if not ops:
        return []
    expressions: list[str] = []
    for value in results:
        text = _literal(value)
        combined = text
        for op in ops:  # several operations: sums and products, then doubling..., then rounding
            combined = op.format(f"({combined})" if combined != text else combined)
        for candidate in (combined, *(op.format(text) for op in ops)):
            if candidate not in expressions:
                expressions.append(candidate)
    return expressions
