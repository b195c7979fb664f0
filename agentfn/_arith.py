"""Arithmetic a request asks for on a value computed first: "convert 3 miles to km *and multiply by 4*".

A small model that must write ``calculate``'s expression from an earlier tool result writes junk
(``'.04672,'`` for "then double it" after ``8.04672 km``). The request says the operation in
words; :func:`follow_up_expressions` turns it into the expressions to offer, applied to the
earlier result's numbers: "multiply by 4" -> ``8.04672 * 4``, "double it" -> ``8.04672 * 2``,
"rounded to a whole number" -> ``round(40.2336)``, "to 2 decimal places" -> ``round(x, 2)``.
:func:`asks_arithmetic` says whether the request holds such an operation at all (the router's
chain then continues with a calculator, :class:`agentfn.fill.FillRouter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["asks_arithmetic", "follow_up_expressions"]

_NUM = r"(-?\d+(?:\.\d+)?)"
_BINARY = (
    (re.compile(rf"\b(?:multipl(?:y|ied)(?:\s+(?:it|that|this|the\s+result))?\s+by|times)\s+{_NUM}", re.I), "*"),
    (re.compile(rf"\b(?:divide[ds]?(?:\s+(?:it|that|this|the\s+result))?\s+by|over)\s+{_NUM}", re.I), "/"),
    (re.compile(rf"\b(?:add|plus)\s+{_NUM}", re.I), "+"),
    (re.compile(rf"\b(?:subtract|minus|take\s+away)\s+{_NUM}", re.I), "-"),
)
_UNARY = (
    (re.compile(r"\bdoubl(?:e|ed|ing)\b", re.I), "{} * 2"),
    (re.compile(r"\btripl(?:e|ed|ing)\b", re.I), "{} * 3"),
    (re.compile(r"\b(?:halve[ds]?|in\s+half)\b", re.I), "{} / 2"),
    (re.compile(r"\bsquared?\b(?!\s+(?:root|met|kilo|feet|foot|mile|inch|yard))", re.I), "{} ** 2"),
)
_DECIMALS = re.compile(r"\b(?:round(?:ed)?|to)\s+(?:it\s+)?(?:to\s+)?(\d+|one|two|three)\s+(?:decimal|digit|place)", re.I)
_WHOLE = re.compile(r"\bround(?:ed)?\b(?:\s+(?:it|that|this|the\s+result))?(?:\s+(?:to\s+(?:a|the)\s+(?:whole|nearest)"
                    r"(?:\s+(?:number|integer|whole\s+number))?|up|down|off))?", re.I)
_ASKS = re.compile(
    r"\b(?:(?:and|then)\s+(?:multipl(?:y|ied)|times|divide[ds]?|add|plus|subtract|minus|double|triple|halve|square)"
    r"|(?:multipl(?:y|ied)|divided?)\s+(?:it\s+|that\s+|the\s+result\s+|by\b)"
    r"|double(?:d)?\s+(?:it|that|the\s+result)|round(?:ed)?\s+(?:it\s+|that\s+)?(?:to|up|down|off)\b)",
    re.I)
_WORDS = {"one": 1, "two": 2, "three": 3}


def asks_arithmetic(text: str) -> bool:
    """Whether the request asks for arithmetic on a value computed first ("convert 3 miles to km and
    multiply by 4", "then double it", "rounded to a whole number")."""
    return _ASKS.search(text) is not None


def _literal(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def follow_up_expressions(request: str, results: Iterable[float]) -> list[str]:
    """The expressions the request's operation gives for each earlier result (see the module
    docstring); empty when the request names no operation."""
    ops: list[str] = []
    for pattern, symbol in _BINARY:
        ops += [f"{{}} {symbol} {m.group(1)}" for m in pattern.finditer(request)]
    ops += [template for pattern, template in _UNARY if pattern.search(request)]
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
