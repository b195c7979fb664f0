"""Arithmetic written in English, rewritten as an expression ``calculate`` evaluates.

Models (and people) write "17.5% of 2480", "1000 divided by 8", "the square root of 144",
"2 to the power of 10", "twelve times four", "add these up: 4, 9, 12", "4 pizzas at $12.50 each" or "144 divded by 12" (operator and question words ("wat is") are read
through small misspellings), and everyday word problems (:mod:`agentfn.library._word_problems`). :func:`from_words` rewrites such text
into Python arithmetic (a duration such as "2h 20m" as minutes, or hours when asked; a speed kept for a span,
"60 mph for 2.5 hours", as the distance); an expression already in symbols passes through unchanged (``%``
between two numbers stays the modulo operator). What it cannot rewrite is left for the
evaluator to reject with its usual message.
"""

from __future__ import annotations

import difflib
import re

from agentfn._number_words import FRACTIONS
from agentfn._openers import OPENER
from agentfn._values import spell_out_numbers
from agentfn.library._durations import SPEED_FOR_TIME, distance_expression, two_part_duration
from agentfn.library._word_problems import word_problem

__all__ = ["from_words", "several_questions"]

_OPERATOR_WORDS = ("divided", "multiplied", "plus", "minus", "times", "squared", "cubed", "percent", "square",
                   "root", "power", "remainder", "average", "factorial", "subtract", "subtracted", "raised")


_NOT_MISSPELT = frozenset({"minute", "minutes", "minuets", "timed", "timer", "timers", "powers", "rooted"})
"""Real words an operator word is close to ("minutes" is not "minus")."""


def _spelling(word: str) -> str:
    """An operator word as meant ("divded" -> "divided"); other words unchanged."""
    if len(word) < 5 or word.lower() in _OPERATOR_WORDS or word.lower() in _NOT_MISSPELT:
        return word
    close = difflib.get_close_matches(word.lower(), _OPERATOR_WORDS, n=1, cutoff=0.83)
    return close[0] if close else word

_TYPOGRAPHIC = str.maketrans({"—": ",", "–": "-", "‘": "'", "’": "'", "×": "*", "÷": "/"})
"""Punctuation people type or paste: a dash between clauses, a minus, curly apostrophes, times and divide signs."""

_NUM = r"(-?\d+(?:\.\d+)?|\bpi\b|\be\b|\([^()]*\))"  # a constant only as a word: the "e" of "there!" is no number
_LIST = r"((?:-?\d+(?:\.\d+)?\s*(?:,\s*|\s+and\s+|,\s*and\s+))+-?\d+(?:\.\d+)?)"
_LEAD = re.compile(
    r"^(?:(?:what|how much|whats|what's|wh?at'?s?|wht|whta|waht|wut|hw much|how mch)\s+(?:is|are|does|do|r)?\s*|compute|calculate|evaluate|work out|find|"
    r"tell me|please|can you|could you|give me|the value of|the result of|solve)\b[\s,:]*",
    re.I,
)
_OPENING = re.compile(rf"^(?:{OPENER})[\s,!.:;-]*", re.I)
"""A greeting, filler or thanks before the arithmetic ("hi! what's 2+2", "ok so 12*4"): it asks for nothing."""


_WHICH = re.compile(
    r"^(?:which|what)(?:'s|\s+is)\s+(?:the\s+)?(?P<side>bigger|larger|greater|higher|more|smaller|lower|less)\b"
    r"(?:\s+(?:number|value|one))?\s*[,:]?\s*(?P<a>[^,]+?)\s*,?\s+or\s+(?P<b>.+)$",
    re.I,
)


def _which(expr: str) -> str:
    """"which is bigger, 2**10 or 10**3" -> "max(2**10, 10**3)" (smaller: ``min``); else ``expr``."""
    m = _WHICH.match(expr)
    if m is None:
        return expr
    fn = "min" if m["side"].lower() in ("smaller", "lower", "less") else "max"
    return f"{fn}({from_words(m['a'])}, {from_words(m['b'])})"


def _numbers(text: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?", text)


_RULES: list[tuple[str, str]] = [
    (rf"(?:the\s+)?average\s+of\s+{_LIST}", "AVG"),
    (rf"(?:the\s+)?mean\s+of\s+{_LIST}", "AVG"),
    (rf"(?:the\s+)?sum\s+of\s+{_LIST}", "SUM"),
    # a pasted list to total: "add these up: 12, 7.5, 30", "sum up 3, 4 and 5", "total these numbers for me - 4, 9"
    (rf"\b(?:add|sum|total|tot)(?:\s+(?:up|together|these|them|the\s+following|all\s+(?:of\s+)?(?:these|them)|numbers|"
     rf"values|amounts|figures|for\s+me|please))*\s*[:,-]?\s*{_LIST}", "SUM"),
    (rf"(?:the\s+)?product\s+of\s+{_LIST}", "PROD"),
    (rf"(?:the\s+)?remainder\s+(?:when|of)\s+{_NUM}\s+(?:is\s+)?divided\s+by\s+{_NUM}", r"(\1 % \2)"),
    (rf"{_NUM}\s+(?:mod|modulo)\s+{_NUM}", r"(\1 % \2)"),
    (rf"split(?:s|ting)?\s+(?:an?\s+|the\s+|our\s+|my\s+)?{_NUM}(?:\s+\w+){{0,3}}?\s+(?:between|among|by|into)\s+{_NUM}"
     rf"(?:\s+\w+)?", r"(\1 / \2)"),
    (rf"split\s+(?:an?\s+|the\s+)?{_NUM}(?:\s+[A-Za-z]+){{0,2}}\s+(?:in\s+|into\s+)?{_NUM}\s+ways", r"(\1 / \2)"),  # "96 dollars three ways"
    (rf"{_NUM}\s+(?:[A-Za-z]+\s+){{1,3}}?(?:at|for|@|costing|that\s+cost|which\s+cost)\s+{_NUM}"
     rf"(?:\s+(?:dollars?|euros?|pounds?|bucks))?\s*(?:each|apiece|a\s+piece|per\s+[a-z]+)\b", r"(\1 * \2)"),
    (rf"is\s+{_NUM}\s+(?:an?\s+)?prime(?:\s+number)?", r"isprime(\1)"),
    # a rate times a duration in the same unit: "$250 a month ... after 18 months", "60 km per hour for 3 hours",
    # "$15 an hour and worked 6 hours"
    (rf"{_NUM}(?:\s+[A-Za-z/]+)?\s+(?:a|an|per|each|every)\s+([a-z]+?)s?\b[^0-9]{{0,60}}?"
     rf"\b(?:for|after|over|in|within|worked|work|working|spent|spend|did|do|drove|ran|walked)\s+{_NUM}\s+\2s?\b",
     r"(\1 * \3)"),
    # areas and volumes people ask for by shape
    (rf"(?:the\s+)?area\s+of\s+(?:an?\s+|the\s+)?circle\s+(?:with\s+|of\s+)?(?:an?\s+|the\s+)?radius\s+(?:of\s+)?{_NUM}",
     r"(pi * \1 ** 2)"),
    (rf"(?:the\s+)?area\s+of\s+(?:an?\s+|the\s+)?circle\s+(?:with\s+|of\s+)?(?:an?\s+|the\s+)?diameter\s+(?:of\s+)?{_NUM}",
     r"(pi * (\1 / 2) ** 2)"),
    (rf"(?:the\s+)?(?:circumference|perimeter)\s+of\s+(?:an?\s+|the\s+)?circle\s+(?:with\s+|of\s+)?(?:an?\s+|the\s+)?"
     rf"radius\s+(?:of\s+)?{_NUM}", r"(2 * pi * \1)"),
    (rf"(?:the\s+)?volume\s+of\s+(?:an?\s+|the\s+)?sphere\s+(?:with\s+|of\s+)?(?:an?\s+|the\s+)?radius\s+(?:of\s+)?{_NUM}",
     r"(4 / 3 * pi * \1 ** 3)"),
    (rf"(?:the\s+)?area\s+of\s+(?:an?\s+|the\s+)?triangle\s+(?:with\s+)?(?:an?\s+|the\s+)?base\s+(?:of\s+)?{_NUM}"
     rf"\s*(?:,|and)?\s+(?:an?\s+|the\s+)?height\s+(?:of\s+)?{_NUM}", r"(\1 * \2 / 2)"),
    (rf"(?:the\s+)?area\s+of\s+(?:an?\s+|the\s+)?(?:rectangle|room|rectangular\s+\w+)\s+(?:that\s+is\s+|with\s+sides\s+)?"
     rf"{_NUM}\s*(?:\w+\s+)?(?:by|x|and)\s+{_NUM}", r"(\1 * \2)"),
    (rf"(?:the\s+)?area\s+of\s+(?:an?\s+|the\s+)?square\s+(?:with\s+)?(?:an?\s+|the\s+)?(?:side|sides)\s+(?:of\s+)?{_NUM}",
     r"(\1 ** 2)"),
    (rf"(?:the\s+)?square\s+of\s+{_NUM}", r"(\1 ** 2)"),
    (rf"(?:the\s+)?cube\s+of\s+{_NUM}", r"(\1 ** 3)"),
    (rf"^divided?\s+{_NUM}\s+by\s+{_NUM}", r"(\1 / \2)"),  # "divide" reads as "divided" (spelling)
    (rf"^multipl(?:y|ied)\s+{_NUM}\s+(?:by|and|with)\s+{_NUM}", r"(\1 * \2)"),
    (rf"subtract\s+{_NUM}\s+from\s+{_NUM}", r"(\2 - \1)"),
    (rf"add\s+{_NUM}\s+(?:and|to)\s+{_NUM}", r"(\1 + \2)"),
    (rf"(?:the\s+)?square\s+root\s+of\s+{_NUM}", r"sqrt(\1)"),
    (rf"(?:the\s+)?cube\s+root\s+of\s+{_NUM}", r"cbrt(\1)"),
    # A function written by its name before its argument, as people type it: "sqrt of 225", "cbrt 27".
    (rf"\b(sqrt|cbrt|exp|log10|log2|abs)\s+(?:of\s+)?{_NUM}", r"\1(\2)"),
    (rf"\bln\s+(?:of\s+)?{_NUM}", r"log(\1)"),
    (rf"log(?:arithm)?\s+(?:to\s+)?base\s+{_NUM}\s+of\s+{_NUM}", r"log(\2, \1)"),
    (rf"(?:the\s+)?(?:natural\s+)?log(?:arithm)?\s+of\s+{_NUM}", r"log(\1)"),
    (rf"(?:the\s+)?factorial\s+of\s+{_NUM}", r"factorial(\1)"),
    (rf"{_NUM}\s+factorial", r"factorial(\1)"),
    (rf"{_NUM}!", r"factorial(\1)"),
    (rf"round\s+{_NUM}\s+to\s+{_NUM}\s+decimal(?:\s+places?|s)?", r"round(\1, \2)"),
    (rf"{_NUM}\s+rounded\s+to\s+{_NUM}\s+decimal(?:\s+places?|s)?", r"round(\1, \2)"),
    (rf"{_NUM}\s*(?:%|percent|per\s+cent)\s+(?:off|discount\s+on|less\s+than)\s+(?:an?\s+|the\s+)?{_NUM}",
     r"(\2 - \2 * \1 / 100)"),
    (rf"{_NUM}\s+(?:with|after|minus|less)\s+(?:an?\s+)?{_NUM}\s*(?:%|percent)\s*(?:off|discount)?",
     r"(\1 - \1 * \2 / 100)"),
    (rf"{_NUM}\s+(?:plus|with|after|increased\s+by)\s+(?:an?\s+)?{_NUM}\s*(?:%|percent)(?:\s+(?:tax|tip|vat|increase|more))?",
     r"(\1 + \1 * \2 / 100)"),
    (rf"{_NUM}\s*(?:%|percent|per\s+cent)\s+(?:\w+\s+){{0,2}}?(?:of|on)\s+(?:an?\s+|the\s+)?{_NUM}", r"(\1 / 100 * \2)"),
    (rf"{_NUM}\s*(?:%|percent|per\s+cent)(?!\s*\d)", r"(\1 / 100)"),
    (rf"{_NUM}\s*/\s*{_NUM}\s+of\s+(?:an?\s+|the\s+)?{_NUM}", r"(\1 / \2 * \3)"),  # "3/4 of 200"
    (rf"{_NUM}\s*/\s*{_NUM}\s+(?:as|in)\s+(?:an?\s+)?percent(?:age)?", r"(\1 / \2 * 100)"),
    (rf"{_NUM}\s+squared", r"(\1 ** 2)"),
    (rf"{_NUM}\s+cubed", r"(\1 ** 3)"),
    (rf"{_NUM}\s+to\s+the\s+(\d+)(?:st|nd|rd|th)(?:\s+power)?", r"(\1 ** \2)"),  # "3 to the 4th (power)"
    (r"(?:raised\s+)?to\s+the\s+(?:power|exponent)\s+of", "**"),
    (r"raised\s+to", "**"),
    (r"to\s+the\s+power", "**"),
    (r"divided\s+by|over(?=\s*-?\d)", "/"),
    (r"multiplied\s+by|times|(?<=\d)\s*x\s*(?=\d)", "*"),
    (r"plus|added\s+to", "+"),
    (r"minus|subtract(?:ed)?|less", "-"),
]


_FRACTION_OF = re.compile(
    rf"(?:\b(?:an?|one)\s+|(?<![\d.])(?P<count>\d+)\s+|\b)(?P<part>{'|'.join(sorted(FRACTIONS, key=len, reverse=True))})"
    r"\s+of\s+(?:an?\s+|the\s+)?(?P<whole>-?\d+(?:\.\d+)?)", re.I)


def _fraction_of(expr: str) -> str:
    """"3 quarters of 240" -> "(3 / 4 * 240)", "a third of 90" -> "(1 / 3 * 90)", "half of 50" -> "(1 / 2 * 50)"."""
    def rewrite(m: re.Match[str]) -> str:
        denominator = round(1 / FRACTIONS[m["part"].lower()])
        return f"({m['count'] or 1} / {denominator} * {m['whole']})"
    return _FRACTION_OF.sub(rewrite, expr)


_QUESTION_BREAK = re.compile(r"[?;:]|,?\s+and\s+(?=(?:what|how|whats)\b)|,\s*(?=(?:what|how|whats)\b)|\.\s+", re.I)
_ASKING = re.compile(r"^(?:and\s+|also\s+)?(?:what(?:'s|\s+is|\s+are)|whats|how\s+much\s+is)\s+", re.I)


def several_questions(text: str) -> list[str]:
    """The questions of a message that asks more than one ("what's 15% of 60, and what's 9 squared?" ->
    ["15% of 60", "9 squared"]), each without its question words; one question gives a list of one."""
    parts = [_ASKING.sub("", p.strip(" ,.!")) for p in _QUESTION_BREAK.split(text)]
    return [p for p in parts if p]


_IN_HOURS = re.compile(r"\b(?:in|how\s+many)\s+hours\b", re.I)


def _compound_duration(expr: str) -> str:
    """"2h 20m ... how many minutes" -> "(2 * 60 + 20) ...": a duration in hours and minutes as one number of
    minutes (of hours when the text asks for hours)."""
    m = two_part_duration(expr)
    if m is None:
        return expr
    hours, minutes = m["hours"], m["minutes"]
    value = f"({hours} + {minutes} / 60)" if _IN_HOURS.search(expr) else f"({hours} * 60 + {minutes})"
    return expr[: m.start()] + value + expr[m.end():]


def _aggregate(kind: str, numbers: list[str]) -> str:
    if kind == "AVG":
        return f"(({' + '.join(numbers)}) / {len(numbers)})"
    if kind == "SUM":
        return f"({' + '.join(numbers)})"
    return f"({' * '.join(numbers)})"


def from_words(text: str, names: frozenset[str] | set[str] = frozenset()) -> str:
    """``text`` with English arithmetic rewritten as an expression (see the module docstring).

    Args:
        text: the expression or question.
        names: function and constant names the evaluator knows; other words left over after
            the rewrite ("bill", "how much does each pay") are dropped.
    """
    expr = text.strip().translate(_TYPOGRAPHIC).rstrip("?.!").strip()
    expr = spell_out_numbers(re.sub(r"[A-Za-z]+", lambda m: _spelling(m.group()), expr), lone_one=True)
    expr = re.sub(r"[$€£]", "", expr)
    expr = re.sub(r"(?<=\d),(?=\d{3}\b)", "", expr)  # thousands separators
    while (lead := _OPENING.match(expr)) is not None and lead.end() > 0:
        expr = expr[lead.end() :]
    if (which := _which(expr)) != expr:
        return which
    original = expr
    while (lead := _OPENING.match(expr) or _LEAD.match(expr)) is not None and lead.end() > 0:
        expr = expr[lead.end() :]
    original = expr  # words are dropped only around English a rule rewrote ("250 grams in ounces" stays)
    plain = re.sub(r"(?<=\d)[eE][-+]?\d", "", expr)  # 1e3 is a number
    calls = re.findall(r"[A-Za-z_]\w*(?=\s*\()", plain)
    bare = re.findall(r"[A-Za-z_]\w*\b(?!\s*\()", plain)
    only_symbols = all(w in names for w in calls) and all(w in ("pi", "e", "tau", "inf") for w in bare)
    if not re.search(r"[A-Za-z]|\d\s*%\s*(?:$|[A-Za-z])", plain) or (only_symbols and "%" not in plain):
        return expr  # already symbols (function calls and constants allowed)
    expr = _fraction_of(_compound_duration(expr))
    expr = SPEED_FOR_TIME.sub(lambda m: f"({distance_expression(m)})", expr, count=1)  # "60 mph for 2.5 hours"
    if (problem := word_problem(expr)) is not None:  # "I had 200 and spent 65 ..., what's left"
        return problem
    for pattern, replacement in _RULES:
        if replacement in ("AVG", "SUM", "PROD"):
            expr = re.sub(pattern, lambda m, kind=replacement: _aggregate(kind, _numbers(m.group(1))), expr, flags=re.I)
        else:
            expr = re.sub(pattern, replacement, expr, flags=re.I)
    # "... and round to 2 decimals": the rounding applies to all that comes before it
    rounded = re.search(r"[\s,]*(?:and\s+|then\s+)*round(?:ed)?\s+(?:it\s+|that\s+|the\s+result\s+)?to\s+(\d+)\s+"
                        r"decimal(?:s|\s+places?|\s+digits?)?\s*$", expr, re.I)
    if rounded is not None and rounded.start() > 0:
        expr = f"round({expr[: rounded.start()]}, {rounded.group(1)})"
    if names and expr != original:  # English was rewritten: drop the words left around it
        expr = re.sub(r"(?<![\d.])[A-Za-z_]\w*", lambda m: m.group() if m.group() in names else " ", expr)
        expr = re.sub(r"[?'!]|(?<!\d)\.(?!\d)", " ", expr)  # and sentence ends: "... each. What did I spend?"
    expr = re.sub(r"\s+", " ", expr).strip(" ,")
    return re.sub(r"^(?:the|a|an)\s+", "", expr, flags=re.I)
