"""Numbers whose unit describes a thing: "pause the *30 second* timer", "my *3 hour* ticket".

Part of the ``named_numbers`` extraction rule (:mod:`agentfn.backends._extract_words`). There a number
goes to the parameter whose name is written next to it ("10 *minutes*" -> ``minutes``); a name of several
words (``start_seconds``) only when its other words are in the request too. English also writes a
quantity as a compound modifier of a noun: a number, a *singular* unit and the noun it describes
("the 40 second timer", "a 5 kilogram bag"). That number is not an amount to act with ("add 10
minutes") but a property of the thing, and tools give it its own parameter, named by the unit and
described by the thing ("start_seconds: Seconds the *timer* was started with").

:func:`modifier_numbers` finds, per number parameter, the numbers so written whose unit is the last
word of the parameter's name and whose noun is a word of the parameter's name or description.
:func:`with_modifier_numbers` folds them into the ``named_numbers`` binding: such a number is taken
from a plain unit parameter ("seconds: Number of seconds") and given to the described one.

:func:`fraction_amounts` reads amounts written as fractions in words ("a quarter mile", "half a litre",
"two and a half hours", "three quarters of a cup"), which a number extractor reads as 1 or not at all;
:func:`plain_durations` writes durations named by one word in a count and a common unit ("in a fortnight"
-> "in 2 weeks", "3 decades" -> "30 years", "half an hour" -> "30 minutes").

Guarantees: pure functions of the request text and the parameter schemas; a number is only moved
between parameters that name the same unit; no binding is invented for a number with no unit, a
plural unit ("40 seconds timer" is not read) or a unit followed by a preposition ("1 minute to the
timer").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn._number_words import FRACTIONS
from agentfn.backends._extract_words import name_words

__all__ = ["fraction_amounts", "modifier_numbers", "plain_durations", "singular", "with_modifier_numbers", "without_fractions"]

_TOKEN = re.compile(r"-?\d+(?:\.\d+)?|[A-Za-z]+")
_NOT_A_NOUN = frozenset({
    "a", "an", "the", "and", "or", "but", "to", "from", "of", "on", "in", "into", "at", "by", "for", "with", "as",
    "than", "then", "per", "each", "is", "are", "was", "were", "be", "left", "ago", "before", "after", "later",
    "long", "old",
})


def singular(word: str) -> str:
    """A word without its plural ``s`` (``seconds`` -> ``second``; not ``class``, nor words of three letters)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _words(text: str) -> set[str]:
    return {singular(w.lower()) for w in re.findall(r"[A-Za-z]+", text)}


def modifier_numbers(request: str, props: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per number parameter of ``props`` (name -> JSON schema), the numbers of ``request`` written as
    "<number> <unit> <noun>" where the unit is the last word of its name and the noun a word of its name
    or description (see the module docstring)."""
    tokens = [m.group() for m in _TOKEN.finditer(request)]
    out: dict[str, list[float]] = {}
    for i in range(len(tokens) - 2):
        number, unit, noun = tokens[i : i + 3]
        if not (number[:1].isdigit() or (number[:1] == "-" and len(number) > 1)) or not unit.isalpha():
            continue
        unit, noun = unit.lower(), noun.lower()
        if singular(unit) != unit or not noun.isalpha() or noun in _NOT_A_NOUN:
            continue  # "40 seconds", "1 minute to the timer": an amount, not a property of a thing
        for name, raw in props.items():
            parts = name_words(name)
            if len(parts) < 2 or parts[-1] != unit:
                continue
            description = str(cast("Mapping[str, Any]", raw).get("description", "")) if isinstance(raw, Mapping) else ""
            if singular(noun) in _words(description) | set(parts[:-1]):
                values = out.setdefault(name, [])
                if float(number) not in values:
                    values.append(float(number))
    return out


def with_modifier_numbers(bound: Mapping[str, list[float]], request: str, props: Mapping[str, Any]) -> dict[str, list[float]]:
    """``bound`` (the ``named_numbers`` binding) with the numbers of :func:`modifier_numbers` moved to their
    described parameter: a parameter named by the same unit alone no longer takes them."""
    found = modifier_numbers(request, props)
    out = {k: list(v) for k, v in bound.items()}
    for name, values in found.items():
        unit = name_words(name)[-1]
        for other in list(out):
            if other != name and name_words(other)[-1:] == [unit]:
                out[other] = [v for v in out[other] if v not in values]
                if not out[other]:
                    del out[other]
        out[name] = list(dict.fromkeys([*out.get(name, []), *values]))
    return out


_AND_A = re.compile(r"\b(\d+(?:\.\d+)?|one)\s+and\s+an?\s+(half|quarter|third)\b", re.I)
_COUNTED = re.compile(r"\b(\d+)\s+(halves|quarters|thirds)\b", re.I)
_ONE = re.compile(r"(?<!\band\s)\b(?:a|one)\s+(half|quarter|third)\b|\bhalf\s+(?:a|an)\b", re.I)


def fraction_amounts(text: str) -> list[float]:
    """The amounts ``text`` writes as fractions in words, numbers in digits ("2 and a half" -> 2.5,
    "3 quarters" -> 0.75, "a quarter mile" -> 0.25, "half a litre" -> 0.5), in the order written."""
    found: list[tuple[int, float]] = []
    for m in _AND_A.finditer(text):
        whole = 1.0 if m.group(1).lower() == "one" else float(m.group(1))
        found.append((m.start(), whole + FRACTIONS[m.group(2).lower()]))
    for m in _COUNTED.finditer(text):
        found.append((m.start(), int(m.group(1)) * FRACTIONS[m.group(2).lower()]))
    for m in _ONE.finditer(text):
        found.append((m.start(), FRACTIONS[(m.group(1) or "half").lower()]))
    return [round(v, 6) for _, v in sorted(found)]


def without_fractions(text: str) -> str:
    """``text`` with the fractions :func:`fraction_amounts` reads blanked out (their whole numbers too)."""
    for pattern in (_AND_A, _COUNTED, _ONE):
        text = pattern.sub(" ", text)
    return text


_DURATIONS = {"fortnight": (2, "weeks"), "decade": (10, "years"), "century": (100, "years"), "centurie": (100, "years")}
_DURATION = re.compile(r"\b(a|an|one|\d+(?:\.\d+)?)\s+(fortnight|decade|centur(?:y|ie))s?\b", re.I)
_HALF_HOUR = re.compile(r"\bhalf\s+an\s+hour\b", re.I)


def plain_durations(text: str) -> str:
    """``text`` with durations named by one word written as a count of a common unit (see the module docstring)."""
    def plain(m: re.Match[str]) -> str:
        count, unit = _DURATIONS[m.group(2).lower()]
        many = 1.0 if m.group(1).lower() in ("a", "an", "one") else float(m.group(1))
        total = many * count
        return f"{int(total) if total.is_integer() else total} {unit}"

    return _HALF_HOUR.sub("30 minutes", _DURATION.sub(plain, text))
