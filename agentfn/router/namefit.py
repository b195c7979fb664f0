"""Service names among near-duplicates: a branded tool the request does not name, and words that are names.

Registries gather the same action from many vendors: ``homey_set_light_state`` ("Homey: Turn lights on or
off..."), ``soundcloud__skip_track`` ("SoundCloud: Skip to the next track."), beside a plain
``turn_off(entity)`` or a mounted server's tool that names no vendor. Their texts say the same thing, so
they score as near-ties, and a request that names no vendor ("turn off the lights in the kitchen") gives
retrieval nothing to separate them by. A vendor's tool is the right head when the request asks for that
vendor; when it does not, a competitor that carries no vendor (or the one the request names) fits better.

* :func:`unnamed_brands` counts, per competitor, one misfit for a tool that carries a brand
  (:func:`agentfn.router.brands.vendor_words`: a name word its description writes as a proper name) that the
  request does not name, when some competitor carries no such unnamed brand. The near-duplicate head
  (:mod:`agentfn.router.neardup`) charges it as it charges its other misfits. When every competitor carries
  an unnamed brand, or the request names theirs, nobody pays: nothing tells them apart.
* :func:`name_words` are the words of a request written as names: capitalised, not at a sentence's start,
  and not an acronym of a value ("New York", "Sarah", "Q3"). They say *which* thing, not what to do with it,
  so they do not count as words a tool's vocabulary should cover ("the weather in *New York*" is no request
  for the *New York* Times' article search).
* :func:`vendor_features` gives the abstention model ``vendor``: whether some offered tool is of no service or of
  the one the request names. Offered only other services' tools ("... on OANDA" against Frankfurter's exchange
  rates), a request is for a service the registry lacks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from agentfn.router.brands import vendor_words
from agentfn.router.text import ToolRecord, tokenize

__all__ = ["VENDOR_FEATURES", "name_words", "unnamed_brands", "vendor_features"]

VENDOR_FEATURES = ("vendor",)
"""The abstention features :func:`vendor_features` computes."""

_MIN_SQUASHED = 4
"""Shortest brand found inside the request with spaces and punctuation squashed ("Sound Cloud", "pCloud")."""
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _named(brands: frozenset[str], words: frozenset[str], squashed: str) -> bool:
    return any(b in words or (len(b) >= _MIN_SQUASHED and b in squashed) for b in brands)


@functools.lru_cache(maxsize=1 << 14)
def _vendors(name: str, description: str) -> frozenset[str]:
    return vendor_words(name, description)


def _unnamed(names: Sequence[str], text: str, records: Mapping[str, ToolRecord]) -> list[int]:
    """1 per tool that carries a brand ``text`` does not name, else 0."""
    words = frozenset(re.findall(r"[a-z0-9]+", text.lower()))
    squashed = re.sub(r"[^a-z0-9]", "", text.lower())
    out: list[int] = []
    for name in names:
        rec = records.get(name)
        brands = _vendors(name, rec.description) if rec is not None else frozenset[str]()
        out.append(int(bool(brands) and not _named(brands, words, squashed)))
    return out


def unnamed_brands(names: Sequence[str], text: str, records: Mapping[str, ToolRecord]) -> list[int]:
    """One misfit per competitor whose brand ``text`` does not name, when another competitor has none."""
    out = _unnamed(names, text, records)
    return out if 0 in out else [0] * len(out)


def vendor_features(text: str, names: Sequence[str], records: Mapping[str, ToolRecord],
                    vocabularies: Sequence[frozenset[str]]) -> dict[str, float]:
    """``vendor``: 0.0 when every top tool carries a brand the request does not name while the request names
    something (:func:`name_words`, capitals included) that no top tool's vocabulary (``vocabularies``) holds: "rate
    of EUR in USD on OANDA" offered only Frankfurter's and currencyapi's tools asks for another service. Else 1.0:
    some tool names no service or the one asked for, or the request names nothing the tools lack ("where is my
    parcel 1Z999" offered one branded tracking tool is no request for another service); no tool offered: 1.0."""
    out = _unnamed(names, text, records)
    if not out or 0 in out:
        return {"vendor": 1.0}
    lacking = name_words(text, capitals=True).difference(*vocabularies)
    return {"vendor": 0.0 if lacking else 1.0}


def name_words(text: str, *, capitals: bool = False) -> frozenset[str]:
    """Tokens of the words ``text`` writes as names (capitalised, not starting a sentence; all capitals only with
    ``capitals``, and then of three letters or more: "OANDA", not "I")."""
    out: set[str] = set()
    for m in _WORD.finditer(text):
        word = m.group()
        before = text[: m.start()].rstrip()
        caps = word.isupper() and not (capitals and len(word) >= 3)
        if not word[0].isupper() or not before or before[-1] in ".!?:;\"'“‘(" or caps:
            continue
        out.update(tokenize(word))
    return frozenset(out)
