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

__all__ = ["brand_words"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def brand_words(name: str, description: str) -> frozenset[str]:
    """Brand words of a tool (lower-case), from its name's ends and how its description writes them."""
    words = [w for w in tokenize(" ".join(split_name(name))) if w]
    if len(words) < 2:
        return frozenset()
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
    squashed = "".join(sorted(proper))
    out: set[str] = set()
    for w in (words[0], words[-1]):
        if len(w) >= 3 and w not in lower and (w in proper or any(w in p for p in proper) or w in squashed):
            out.add(w)
    return frozenset(out)
