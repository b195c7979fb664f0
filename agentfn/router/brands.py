"""Brand words of a tool: the service a plain (un-namespaced) tool name carries.

``zohoMailArchiveEmail`` described as "Archive an email ... Uses Zoho Mail."
carries the brand *zoho*; ``get_menu_opentable`` ("(OpenTable API)") carries
*opentable*; ``getWeatherByCoords`` carries none. A brand word is a first or
last word of the name that the description writes only capitalised, and not
as a sentence's first word (so "Geocode an address" does not make *geocode* a
brand). Data flow (:mod:`agentfn.router.producers`) uses brands to keep a
producer in the service the request names.
"""

from __future__ import annotations

import re

from agentfn.router.text import split_name, tokenize

__all__ = ["brand_words", "vendor_words"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_TAG = re.compile(r"\s*\[([^\]\n]{2,40})\]")
_NAMESPACE = re.compile(r"^(.+?)(?:__|\.)(?=[A-Za-z])")


def _writings(description: str) -> tuple[set[str], set[str]]:
    """The description's words written lower-case, and those written as proper names (lower-cased)."""
    lower: set[str] = set()
    proper: set[str] = set()
    for m in _TOKEN.finditer(description):
        tok = m.group()
        before = description[: m.start()].rstrip()
        starts = not before or before[-1] in ".!?"
        after = description[m.end():]
        # At a sentence's start a capital says nothing, unless a name follows: "Visual Crossing: ...", "OpenTable".
        # ("Search Airport by name" is a title, not a brand.)
        named = bool(re.match(r"(?:\s+[A-Z]\w*)*:", after)) or tok[1:] != tok[1:].lower()
        if tok[0].islower():
            lower.add(tok.lower())
        elif not starts or named:
            proper.add(tok.lower())
    return lower, proper


def _brands_among(candidates: set[str], lower: set[str], proper: set[str]) -> frozenset[str]:
    squashed = "".join(sorted(proper))
    return frozenset(w for w in candidates if len(w) >= 3 and w not in lower
                     and (w in proper or any(w in p for p in proper) or w in squashed))


def brand_words(name: str, description: str) -> frozenset[str]:
    """Brand words of a tool (lower-case), from its name's ends and how its description writes them."""
    words = [w for w in tokenize(" ".join(split_name(name))) if w]
    if len(words) < 2:
        return frozenset()
    lower, proper = _writings(description)
    return _brands_among({words[0], words[-1]}, lower, proper)


def vendor_words(name: str, description: str) -> frozenset[str]:
    """:func:`brand_words`, the namespace prefix's words the description writes as names, and the words of
    a leading ``[tag]`` that are words of the name (see the module docstring)."""
    out = set(brand_words(name, description))
    words = frozenset(w for w in tokenize(" ".join(split_name(name))) if w)
    tag = _TAG.match(description)
    if tag:
        out.update(w for w in tokenize(tag.group(1)) if w in words and len(w) >= 3)
    space = _NAMESPACE.match(name)
    if space and len(words) >= 2:
        lower, proper = _writings(description)
        out.update(_brands_among({w for w in tokenize(" ".join(split_name(space.group(1)))) if w}, lower, proper))
    return frozenset(out)
