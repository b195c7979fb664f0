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

Guarantees: pure functions of the request text and the parameter schemas; a number is only moved
between parameters that name the same unit; no binding is invented for a number with no unit, a
plural unit ("40 seconds timer" is not read) or a unit followed by a preposition ("1 minute to the
timer").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn.backends._extract_words import name_words

__all__ = ["modifier_numbers", "singular", "with_modifier_numbers"]

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
