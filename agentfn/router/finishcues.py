"""What a request asks to do with the numbers its chain finds: compare them, convert them, average them.

A multi-step request often ends in an operation on a looked-up value that the
request states only by its wording: "will it be *warmer* tomorrow in Lisbon
*than* in Oslo" compares two forecasts, "what will my order cost *in euros*"
converts a total, "Mia Chen's *average* exam score" averages a list. None of
these names an input of the lookups, so data flow alone never pulls the
arithmetic tool in. :func:`finish_cues` reads these cues from the text:

* ``compare``: a comparative ("warmer than", "warmer tomorrow in Lisbon than", "more than", "is that under ..."
  , "who has the higher ...", "compare");
* ``currency``: a target currency in words or ISO code ("in euros", "in US
  dollars", "in CHF", "the euro total");
* ``unit``: a target unit ("in pounds", "how many megawatt hours");
* ``report``: a finding passed on to someone ("tell the #ops channel ...",
  "let the customer know by email");
* operation families ``average``, ``add``, ``subtract``, ``multiply`` and
  ``percent`` from the words that ask for them ("average", "combined",
  "left after", "times", "VAT", "%").

:mod:`agentfn.router.finishing` matches the cues to tools. Pure functions of
the text; no state. Guarantees: the result is a subset of :data:`CUES`.
"""

from __future__ import annotations

import re

from agentfn.router.flowunits import CURRENCY_NAMES, unit_word
from agentfn.router.flowwords import words_of

__all__ = ["CUES", "OPERATIONS", "finish_cues"]

OPERATIONS: dict[str, frozenset[str]] = {
    "average": frozenset(["average", "mean"]),
    "add": frozenset(["add", "sum", "plus"]),
    "subtract": frozenset(["subtract", "minus", "difference"]),
    "multiply": frozenset(["multiply", "product", "times"]),
    "percent": frozenset(["percent", "percentage", "tax", "vat", "tip", "discount"]),
}
"""Operation family -> name words (as :func:`~agentfn.router.flowwords.words_of` gives them) of a tool doing it."""
CUES = frozenset(["compare", "currency", "unit", "report", *OPERATIONS])

_COMPARATIVES = frozenset(
    ["higher", "lower", "more", "less", "fewer", "bigger", "smaller", "larger", "greater", "cheaper", "dearer", "pricier",
     "longer", "shorter", "heavier", "lighter", "warmer", "hotter", "colder", "cooler", "faster", "slower", "older",
     "younger", "richer", "taller", "wider", "closer", "further", "farther", "better", "worse", "busier", "costlier"])
"""Comparatives a few words may part from their "than" ("warmer tomorrow in Lisbon than in Oslo")."""
_THAN = re.compile(r"\b(?<!rather )(?<!other )than\b")
_COMPARE = [
    re.compile(r"\b(?:is|are|was|were)\s+(?:that|it|this|they|these)\s+(?:under|over|below|above|within|beyond)\b"),
    re.compile(r"\b(?:who|which)\b[^?.!]*\b(?:" + "|".join(sorted(_COMPARATIVES)) + r")\b"),
    re.compile(r"\bcompare[ds]?\b"),
]


def _compares(low: str) -> bool:
    """Whether ``low`` compares two values: a comparative before "than", or one of :data:`_COMPARE`."""
    for m in _THAN.finditer(low):
        before = re.findall(r"[a-z]+", low[: m.start()])[-5:]
        if before and (before[-1] in _COMPARATIVES or (before[-1].endswith("er") and len(before) > 1 and before[-2] in ("is", "be", "are", "get"))
                       or any(w in _COMPARATIVES for w in before)):
            return True
    return any(p.search(low) for p in _COMPARE)

_OPERATION_PHRASES: dict[str, re.Pattern[str]] = {
    "average": re.compile(r"\b(?:average|mean)\b"),
    "add": re.compile(r"\b(?:combined|altogether|in\s+total|including|plus|sum\s+of|added\s+together)\b|(?<!get )(?<!bring )\btogether\b"
                      r"|^\s*(?:(?:what\s+(?:is|was|are)|what's)\s+the\s+)?total\s+(?!of\b)[a-z]+s\b"),
    "subtract": re.compile(r"\b(?:left\s+after|remaining\s+after|(?:is|are)\s+left|minus|difference\s+between|how\s+much\s+more)\b"),
    "multiply": re.compile(r"\b(?:times|multiplied\s+by|product\s+of)\b"),
    "percent": re.compile(r"%\s+of\b|\b(?:percent\s+of|percentage\s+of|vat|sales\s+tax|tip|discount|commission)\b"),
}
_REPORT = re.compile(r"\b(?:tell|notify|inform|let\s+(?:\w+\s+){1,2}know)\b|\b(?:by|via)\s+(?:e-?mail|slack|sms|text)\b"
                     r"|(?:^|[.,;!?]|\band\b|\bthen\b|\bplease\b)\s*(?:e-?mail|post|send|message|text|share|ping)\b")
"""Words that ask to pass a finding on to someone: "tell", "let ... know", "by email", or a verb of sending
where an action starts ("*email* Mia's score to ...", "... and *post* it"; not "my newest email")."""
_TARGET = re.compile(r"\b(?:in|into|how\s+many)\s+([a-z]+)(?:\s+([a-z]+))?")
_ISO = re.compile(r"\bin\s+(USD|EUR|GBP|JPY|CHF|CAD|AUD|CNY|INR|SEK|NOK|DKK|MXN|BRL|ZAR|KRW|SGD|HKD|NZD|PLN|TRY)\b")
_CURRENCY_NOUN = re.compile(r"\b([a-z]+)\s+(?:total|amount|price|value|cost|equivalent|figure)\b")


def _currency(word: str) -> bool:
    return any(w in CURRENCY_NAMES for w in words_of(word))


def _unit(word: str) -> bool:
    return len(word) > 2 and unit_word(word) is not None


def finish_cues(text: str) -> frozenset[str]:
    """The cues (:data:`CUES`) of operations ``text`` asks for on the numbers a chain finds."""
    low = text.lower()
    out: set[str] = set()
    if _compares(low):
        out.add("compare")
    out |= {op for op, p in _OPERATION_PHRASES.items() if p.search(low)}
    for m in _TARGET.finditer(low):
        words = [g for g in m.groups() if g]
        if any(_currency(w) for w in words):
            out.add("currency")
        elif any(_unit(w) for w in words):
            out.add("unit")
    if _REPORT.search(low):
        out.add("report")
    if _ISO.search(text) or any(_currency(m.group(1)) for m in _CURRENCY_NOUN.finditer(low)):
        out.add("currency")
    return frozenset(out)
