"""Which free span is a place: "the lamp *in the guest room*", "the *hallway* heater".

Part of the ``exclusive_spans`` extraction rule (:mod:`agentfn.backends._extract_words`). Tools that
address things in a home or a building (Home Assistant's intents and the like) take several optional
free-text parameters: a device's ``name``, its ``area``, its ``floor``. The rule offers the request's
free spans to them as alternatives, at most one given, and a small model then picks the wrong one
("kitchen" as the device's name) or none. A place is recognisable by itself, though: a span whose last
word names a room or a part of a building (:data:`PLACES`, or any "... room"), or a span written right
after "in"/"at"/"inside" (the) at the end of a clause ("turn it on *in the study*"); a place is a name, so
a span holding a function word ("lamp in the study") is none, nor the whole home ("in the house").

:func:`place_branches`: when exactly one of the free-span parameters is a place parameter (a name word
``area``, ``room``, ``location``, ``place``, ``zone``) and the request writes a place among its spans, that
parameter is given the place (its longest spans only), the other free-span parameters lose every span
sharing a word with it, and what they keep stays alternatives (at most one given,
:func:`agentfn.backends._extract_words.exclusive_branches`). Otherwise it returns None and the caller keeps
the plain alternatives.

Guarantees: pure; only narrows the options the rule already offered (never adds a value that was not
one of the place parameter's spans); never touches parameters outside ``names``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from agentfn.backends._extract_units import singular
from agentfn.backends._extract_words import exclusive_branches, name_words

__all__ = ["PLACES", "place_branches", "place_spans"]

PLACES = frozenset({
    "room", "kitchen", "bedroom", "bathroom", "toilet", "office", "garage", "basement", "cellar", "attic", "loft",
    "hallway", "hall", "corridor", "landing", "stairs", "staircase", "nursery", "study", "den", "lounge", "porch",
    "patio", "terrace", "balcony", "deck", "garden", "yard", "backyard", "driveway", "entrance", "entryway",
    "foyer", "lobby", "pantry", "closet", "library", "laundry", "workshop", "shed", "gym", "conservatory", "sauna",
})
"""Last words of a span that make it a place (singular, lower case)."""
_WHOLE = frozenset({"house", "home", "apartment", "flat", "building", "everywhere", "everything", "all"})
"""Words of the whole place: "in the house" names no area."""
_FUNCTION = frozenset({"the", "a", "an", "in", "on", "at", "of", "to", "from", "for", "with", "by", "inside", "and", "or",
                       "my", "our", "your", "is", "are", "left", "all"})
"""A place is a name ("guest room"), not a phrase around one ("lamp in the study")."""
_PLACE_PARAMETER = frozenset({"area", "room", "location", "place", "zone"})
_PREFIX = r"\b(?:in|at|inside)\s+(?:the\s+|my\s+|our\s+)?"
_CLAUSE_END = r"(?=\s*(?:$|[.,;:!?]|(?:and|to|for|please|now|with|on|at|from|when|while)\b))"



def _words(span: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+", span)]


def place_spans(spans: Sequence[str], request: str) -> list[str]:
    """The ``spans`` that are places (see the module docstring), the longest only (not "room" beside "guest room")."""
    found: list[str] = []
    for span in spans:
        words = _words(span)
        if not words or set(words) & (_FUNCTION | _WHOLE):
            continue
        last = singular(words[-1])
        after = re.search(_PREFIX + re.escape(span) + _CLAUSE_END, request, re.I)
        if last in PLACES or after:
            found.append(span)
    return [s for s in found if not any(o != s and re.search(rf"\b{re.escape(s)}\b", o, re.I) for o in found)]


def place_branches(params: Mapping[str, Any], names: Sequence[str], request: str) -> dict[str, Any] | None:
    """``params`` (an object schema whose free-span parameters are ``names``) with the place given to the
    place parameter, or None when there is no single place parameter or no place (see the module docstring)."""
    props = cast("dict[str, Any]", copy.deepcopy(dict(params.get("properties") or {})))
    places = [n for n in names if set(name_words(n)) & _PLACE_PARAMETER]
    if len(places) != 1 or not isinstance(props.get(places[0]), dict):
        return None
    place = places[0]
    options = [o for o in cast("list[Any]", props[place].get("enum") or []) if isinstance(o, str)]
    found = place_spans(options, request)
    if not found:
        return None
    props[place] = {**props[place], "enum": found}
    taken = {w for s in found for w in _words(s)}
    rest: list[str] = []
    for name in names:
        if name == place or name not in props:
            continue
        kept = [o for o in cast("list[Any]", props[name].get("enum") or [])
                if not (isinstance(o, str) and taken & set(_words(o)))]
        if kept:
            props[name] = {**props[name], "enum": kept}
            rest.append(name)
        else:
            del props[name]
    required = [*cast("list[str]", params.get("required") or []), place]
    out: dict[str, Any] = {**params, "properties": props, "required": [n for n in props if n in required]}
    return exclusive_branches(out, rest) if len(rest) >= 2 else out
