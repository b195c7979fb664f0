"""Everyday arithmetic word problems, read into one expression for ``calculate``.

People ask the calculator in sentences: "I had 200 and spent 65 on food and 30 on gas, what's left?".
:func:`word_problem` reads a few classes of such problems from the shape of the sentence (verbs,
"each", "of them", "share", "% off"), never from the nouns in it:

* a start and its changes: "had 200 ... spent 65 ... and 30 ..., what's left" -> ``200 - 65 - 30``;
  "had 12 stickers and got 5 more" -> ``12 + 5``;
* a part of a whole: "52 seats and 17 of them are empty, how many are taken" -> ``52 - 17``;
* equal groups: "a box holds 24 eggs, how many eggs in 6 boxes" -> ``24 * 6``;
  "my 3 kids get 7 dollars each" -> ``3 * 7``; and what changed after: "4 crates with 30 pears in each, 9 went
  bad, how many are left" -> ``4 * 30 - 9``;
* equal shares of several amounts: "3 friends share a 54 taxi and a 21 dinner" -> ``(54 + 21) / 3``;
* a price and a percentage said apart: "it costs 80 and it's 15% off" -> ``80 - 80 * 15 / 100``;
  "a 40 dinner and we add a 15% tip" -> ``40 + 40 * 15 / 100`` (the tip alone when the question asks
  for the tip);
* a price and fixed amounts off it: "it's 18 and I have 2 coupons, 3 off and 2.50 off" -> ``18 - 3 - 2.50``;
* a change between two values: "went from 950 to 1020, how much more" -> ``abs(1020 - 950)``;
* a price for several items, asked per item: "a pack of 6 rolls costs 4.20, what's that per roll" -> ``4.20 / 6``;
* a rate over a longer period: "I save 15 a day, how much in a week" -> ``15 * 7`` (fixed counts only:
  :func:`agentfn._arith.rate_factor`).

Numbers must already be digits (the caller spells out "three"). The guarantee: an expression is
returned only when every number of the text has a place in it; otherwise None, and the caller goes on
with its other rules.
"""

from __future__ import annotations

import re

from agentfn._arith import rate_factor

__all__ = ["word_problem"]

_N = r"\d+(?:\.\d+)?"
_NUMBER = re.compile(rf"(?<![\w.]){_N}(?![\w.]|\.\d)")
_PERCENT = re.compile(rf"{_N}\s*(?:%|percent|per\s+cent)")

# -- a start and its changes -------------------------------------------------------------------------
_START = re.compile(rf"\b(?:had|have|has|started\s+(?:out\s+)?with|start\s+with|began\s+with|there\s+(?:were|are|was|is))"
                    rf"\s+(?:about\s+|only\s+)?({_N})\b", re.I)
_LESS = r"spent|spend|spends|paid|pay|pays|gave|give|gives|lost|lose|loses|used|use|uses|ate|eat|eats|sold|sell|sells|" \
        r"donated|donate|lent|lend|broke|dropped|took\s+away|threw\s+away|left\s+with|went\s+bad|spoiled|spoilt|" \
        r"cracked|rotted|expired|melted|died|burst|stolen"
_MORE = r"got|get|gets|received|receive|receives|found|find|finds|earned|earn|earns|won|win|wins|added|add|adds|" \
        r"saved|save|saves|made|make|makes|bought|buy|buys|picked|collected"
_CHANGE = re.compile(rf"\b(?P<less>{_LESS})\b|\b(?P<more>{_MORE})\b|(?P<num>(?<![\w.]){_N}(?![\w.]|\.\d))", re.I)
_REMAINS = re.compile(r"\b(?:left|remain(?:s|ing)?|now|still|anymore|in\s+total|altogether|all\s+together)\b", re.I)
_EACH = re.compile(r"\b(?:each|apiece|a\s+piece|per|every)\b", re.I)


def _changes(text: str) -> str | None:
    start = _START.search(text)
    if start is None or not _REMAINS.search(text[start.end():]) or _EACH.search(text):
        return None
    terms = [start.group(1)]
    sign = ""
    for m in _CHANGE.finditer(text, start.end()):
        if m.group("less"):
            sign = "-"
        elif m.group("more"):
            sign = "+"
        elif not sign:  # a number before any change ("had 200 and 3 of them..."): not this class
            return None
        else:
            terms.append(f"{sign} {m.group('num')}")
    return " ".join(terms) if len(terms) > 1 and _covers(text, len(terms)) else None


# -- a part of a whole --------------------------------------------------------------------------------
_PART = re.compile(rf"({_N})\s+(?:[a-z]+\s+){{0,5}}?(?:and|but|,)\s+(?:only\s+)?({_N})\s+(?:of\s+(?:them|those|these|the\s+[a-z]+)\s+)"
                   r"(?:are|were|is|was|have|had|got|went|came|said|did|do|does|can)\b", re.I)
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.I)


def _part(text: str) -> str | None:
    m = _PART.search(text)
    if m is None or not _HOW_MANY.search(text[m.end():]) or not _covers(text, 2):
        return None
    return f"{m.group(1)} - {m.group(2)}"


# -- equal groups -------------------------------------------------------------------------------------
_HOLDS = r"holds?|has|have|contains?|fits?|seats?|carries|carry|takes?|includes?|comes\s+with|weighs?|costs?|packs?"
_GROUP = re.compile(rf"\b(?P<one>a|an|each|one|every|per|1)\s+(?:[a-z]+\s+)?(?P<group>[a-z]+)\s+(?:{_HOLDS})\s+({_N})\b", re.I)
_EACH_HOLDS = re.compile(rf"({_N})\s+(?P<group>[a-z]+?)(?:es|s)?\b[^.?!\d]{{0,30}}?\beach\s+(?:{_HOLDS})\s+({_N})\b", re.I)
_EACH_GETS = re.compile(
    rf"({_N})\s+(?:[a-z']+\s+){{1,3}}?(?:gets?|receives?|earns?|pays?|needs?|eats?|owes?|brings?|takes?|buys?|"
    rf"sells?|has|have|costs?|weighs?|(?:is|are)\s+(?:given|paid))\s+(?:an?\s+)?({_N})(?:\s+[a-z]+){{0,2}}\s+"
    r"(?:each|apiece|a\s+piece|per\s+(?:person|head|kid|child))\b", re.I)

_WITH_EACH = re.compile(rf"({_N})\s+(?:[a-z]+\s+){{1,3}}?(?:with|of|holding|containing|carrying)\s+({_N})\s+(?:[a-z]+\s+){{0,2}}?"
                        r"(?:each|apiece|in\s+each|inside\s+each)\b", re.I)


def _groups(text: str) -> str | None:
    if (m := _GROUP.search(text)) is not None:
        group = re.escape(m.group("group").lower())
        count = re.search(rf"({_N})\s+{group}(?:es|s)?\b", text[m.end():], re.I)
        if count is not None and _covers(text, 3 if m.group("one") == "1" else 2):  # "1 crate" is no number read
            return f"{m.group(3)} * {count.group(1)}"
    for pattern in (_EACH_HOLDS, _EACH_GETS, _WITH_EACH):
        if (m := pattern.search(text)) is not None:
            product = f"{m.group(1)} * {m.groups()[-1]}"
            if _covers(text, 2):
                return product
            later = _later_changes(text[m.end():])
            if later and _covers(text, 2 + len(later)):
                return " ".join([product, *later])
    return None


_CLAUSE = re.compile(r"[.;!?]|,|\b(?:and|then|but)\b", re.I)


def _later_changes(rest: str) -> list[str]:
    """"... 7 of them broke, and I bought 5 more. How many are left?" -> ``["- 7", "+ 5"]``: each clause after the
    groups that holds one number and one verb of change; empty unless every number has one and the question asks
    what remains."""
    if not _REMAINS.search(rest):
        return []
    terms: list[str] = []
    for clause in _CLAUSE.split(rest):
        numbers = _NUMBER.findall(clause)
        if not numbers:
            continue
        less, more = re.search(rf"\b(?:{_LESS})\b", clause, re.I), re.search(rf"\b(?:{_MORE})\b", clause, re.I)
        if len(numbers) != 1 or (less is None) == (more is None):
            return []
        terms.append(f"{'-' if less else '+'} {numbers[0]}")
    return terms


# -- equal shares -------------------------------------------------------------------------------------
_SHARERS = re.compile(rf"({_N})\s+(?:[a-z]+\s+){{0,2}}?(?:share|split|divide)\b(?P<rest>.*)", re.I)
_SHARE_AMONG = re.compile(rf"\b(?:share|split|divide)\b(?P<rest>.*?)\b(?:between|among(?:st)?|by)\s+({_N})\b", re.I)


def _shares(text: str) -> str | None:
    m = _SHARERS.search(text)
    if m is not None:
        people, amounts = m.group(1), _NUMBER.findall(m.group("rest"))
    elif (m := _SHARE_AMONG.search(text)) is not None:
        people, amounts = m.group(2), _NUMBER.findall(m.group("rest"))
    else:
        return None
    if len(amounts) < 2 or not _covers(text, len(amounts) + 1):  # one amount: the calculator's split rules
        return None
    return f"({' + '.join(amounts)}) / {people}"


# -- a price and a percentage said apart --------------------------------------------------------------
_OFF = re.compile(rf"({_N})\b[^%\d]{{0,40}}?\b(?:and|but|with|,|so)\s+(?:it'?s\s+|it\s+is\s+|there'?s\s+|they\s+give\s+|"
                  rf"i\s+get\s+|we\s+get\s+|gets?\s+)?(?:an?\s+)?({_N})\s*(?:%|percent)\s*(?:off|discount)", re.I)
_ON_TOP = re.compile(rf"({_N})\b[^%\d]{{0,40}}?\b(?:plus|with|and|including|add|adding|leave|leaving)\s+"
                     rf"(?:[a-z]+\s+){{0,2}}?(?:an?\s+)?({_N})\s*(?:%|percent)\s*(?:tip|tax|vat|service|surcharge|increase|raise)",
                     re.I)
_ASKS_PART = re.compile(r"\b(?:how\s+much|what)(?:'s|\s+is|\s+will|\s+should)?\s+(?:be\s+)?(?:the|my|our|a)\s+"
                        r"(?:tip|tax|vat|discount|saving|surcharge)\b|\bhow\s+much\s+(?:do|will|did)\s+(?:i|we)\s+save\b", re.I)


def _percentages(text: str) -> str | None:
    if len(_PERCENT.findall(text)) != 1 or not _covers(text, 2):
        return None
    if (m := _OFF.search(text)) is not None:
        price, rate = m.group(1), m.group(2)
        return f"{price} * {rate} / 100" if _ASKS_PART.search(text) else f"{price} - {price} * {rate} / 100"
    if (m := _ON_TOP.search(text)) is not None:
        price, rate = m.group(1), m.group(2)
        return f"{price} * {rate} / 100" if _ASKS_PART.search(text) else f"{price} + {price} * {rate} / 100"
    return None


# -- a price and amounts off it -----------------------------------------------------------------------
_AMOUNT_OFF = re.compile(rf"(?<![\w.])({_N})(?![\w.]|\.\d)\s*(?:(?:dollars?|euros?|pounds?|bucks?)\s+)?"
                         r"(?:off\b|(?:discount|coupon|voucher|rebate|gift\s+card)\b(?!s))", re.I)
_COUNTED = re.compile(rf"(?<![\w.])({_N})\s+[a-z]+s\b", re.I)


def _amounts_off(text: str) -> str | None:
    """"18 and I've got 2 coupons, 3 off and 2.50 off" -> ``18 - 3 - 2.50``: the first other number is the price;
    a count of the amounts ("2 coupons") is the only other number allowed."""
    if _PERCENT.search(text):
        return None
    offs = {m.start(1): m.group(1) for m in _AMOUNT_OFF.finditer(text)}
    if not offs:
        return None
    counts = {m.start(1) for m in _COUNTED.finditer(text) if float(m.group(1)) == len(offs)}
    others = [m for m in _NUMBER.finditer(text) if m.start() not in offs]
    price = next((m for m in others if m.start() not in counts), None)
    if price is None or price.start() > min(offs) or any(m.start() not in counts for m in others if m is not price):
        return None
    return " - ".join([price.group(), *offs.values()])


# -- a rate over a longer period ----------------------------------------------------------------------
_RATE = re.compile(rf"({_N})\s+(?:[a-z]+\s+){{0,3}}?(?:a|an|per|each|every)\s+(?:minute|hour|day|week|month|year)\b", re.I)


_ASKED = re.compile(r"\bhow\s+many\s+([a-z]+)", re.I)


def _rate(text: str) -> str | None:
    m = _RATE.search(text)
    factor = rate_factor(text[m.start():]) if m else None
    if m is None or factor is None or not _covers(text, 1):
        return None
    asked = _ASKED.search(text)  # "4 miles a day, how many km in a week": a conversion too, not this class
    if asked and asked.group(1).lower().rstrip("s") not in {w.lower().rstrip("s") for w in m.group().split()}:
        return None
    return f"{m.group(1)} * {factor}"


# -- a change between two values, and a price per item ------------------------------------------------
_FROM_TO = re.compile(rf"\bfrom\s+({_N})\s+(?:[a-z]+\s+){{0,2}}?to\s+({_N})\b", re.I)
_ASKS_CHANGE = re.compile(r"\b(?:how\s+much|how\s+many)\s+(?:more|less|fewer|higher|lower|extra)\b|\bby\s+how\s+(?:much|many)\b|"
                          r"\b(?:increase|rise|raise|drop|fall|decrease|difference|change)\b|\bwent\s+(?:up|down)\s+by\b", re.I)
_PACK = re.compile(rf"(?<![\w.])({_N})\s+(?P<item>[a-z]+)\b[^\d?]{{0,20}}?\b(?:costs?|is|are|for|sells?\s+for)\s+"
                   rf"({_N})\b", re.I)


def _change(text: str) -> str | None:
    """"my rent went from 950 to 1020, how much more am I paying" -> ``abs(1020 - 950)``."""
    m = _FROM_TO.search(text)
    if m is None or not _ASKS_CHANGE.search(text[m.end():] or text) or not _covers(text, 2):
        return None
    return f"abs({m.group(2)} - {m.group(1)})"


def _unit_price(text: str) -> str | None:
    """"a pack of 6 rolls costs 4.20, what's that per roll" -> ``4.20 / 6`` (per/each/one of the items)."""
    m = _PACK.search(text)
    if m is None or re.match(r"\s*(?:[a-z]+\s+)?(?:each|apiece|a\s+piece|per)\b", text[m.end():], re.I):
        return None  # "5 tickets for 12 dollars each": the price is per item already
    word = m.group("item").lower()
    forms = "|".join({word, word.removesuffix("s"), word.removesuffix("es"), re.sub(r"ies$", "y", word)} - {""})
    one = re.compile(rf"\b(?:per|each|a|an|one|1|every|single)\s+(?:{forms})\b|\beach\b|\bapiece\b", re.I)
    if not one.search(text, m.end()) or not _covers(one.sub(" ", text), 2):  # "how much is one egg": 1 is no amount
        return None
    return f"{m.group(3)} / {m.group(1)}"


def _covers(text: str, used: int) -> bool:
    """Whether the expression uses as many numbers as the text holds (no number left unread)."""
    return len(_NUMBER.findall(text)) == used


def word_problem(text: str) -> str | None:
    """The expression of an everyday word problem (see the module docstring); None when no class fits.

    Args:
        text: the question, numbers already in digits and currency signs removed.
    """
    for reader in (_percentages, _amounts_off, _shares, _groups, _part, _changes, _rate, _change, _unit_price):
        if (expression := reader(text)) is not None:
            return expression
    return None
