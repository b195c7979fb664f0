"""What a request acts on against what each offered tool does: abstention signals that ignore the shared verb.

A request offered a few tools of a neighbouring domain often shares their *action* ("cancel my flight" offered
``cancel_pending_order``, "what is the area of a circle" offered ``calculate_triangle_area``): the sentence
encoder and the lexical coverage of :mod:`agentfn.router.calibration` then score the pair as a fit. What the
request acts on (:func:`~agentfn.router.calibration.object_request`: its words without values, actions and
function words) decides. These signals compare that object with each offered tool on its own, so they read the
same whether one tool or fifty are offered:

* ``ocov`` (:func:`object_cover` against the tool's head, its name and first sentence): the share of the
  request's object words the tool's head names, matching inflections and five-letter prefixes
  ("reservation"/"reserve"). 0.5 when the request names no object beyond words every record has ("user", "id",
  "details"): nothing to compare. The best over the top tools.
* ``ovoc``: the same against everything the tool says (:func:`~agentfn.router.calibration.tool_vocabulary`:
  description, parameters, enums, result fields).
* ``ohead``: the cosine of the request's object vector with the top tools' head vectors (the best), and
  ``ohbg``, that cosine less the object vector's best cosine with the background of many domains
  (:data:`~agentfn.router._probes.BACKGROUND_TOOLS`): some common tool serves the object far better than any
  offered one (the router computes both; :func:`object_vector_features`).

All lexical parts are pure and cheap (no encoder); the vector parts take vectors the router already has.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np

from agentfn.router.calibration import object_request
from agentfn.router.heads import head_text
from agentfn.router.index import FloatArray
from agentfn.router.mood import without_lead
from agentfn.router.text import ToolRecord, tokenize

__all__ = ["GENERIC_OBJECTS", "OBJECT_FEATURES", "object_cover", "object_features", "object_vector_features",
           "object_words"]

OBJECT_FEATURES = ("ocov", "ovoc", "ohead", "ohbg")
"""The abstention features this module computes."""

GENERIC_OBJECTS = frozenset(
    ["user", "id", "name", "detail", "info", "information", "data", "list", "all", "type", "get", "set", "new",
     "current", "item", "value", "result", "number", "thing", "way", "time", "today", "now", "please", "thank",
     "thanks", "hey", "hi", "hello", "ok", "okay", "want", "need", "like", "also", "just", "see", "sure", "lot",
     "mine", "tell", "help", "able", "would", "could", "should", "through", "using", "via", "after", "before",
     "then", "currently", "recently", "one", "quick", "doing", "much", "many", "too", "but", "had", "have", "been",
     "back", "around", "some", "any", "every", "there", "here", "about", "into", "over", "out", "ve", "they",
     "them", "their", "our", "us", "we", "accordingly", "make", "sure", "last", "first", "next", "other", "same"]
)
"""Words every domain's requests and records carry (as :func:`~agentfn.router.text.tokenize` leaves them):
they say nothing about what a request acts on."""


@functools.lru_cache(maxsize=1 << 12)
def object_words(request: str) -> frozenset[str]:
    """The tokens of what a request acts on, less :data:`GENERIC_OBJECTS` and the filler it opens with ("quick
    one: cancel my 1 hour timer" -> hour, timer; without the filler, "quick one:" would read as a heading)."""
    words = tokenize(object_request(without_lead(request)))
    return frozenset(w for w in words if w not in GENERIC_OBJECTS and len(w) > 1)


@functools.lru_cache(maxsize=1 << 12)
def _forms(words: frozenset[str]) -> frozenset[str]:
    """The words and their five-letter prefixes (cached: a tool's vocabulary is one frozenset, met again and again)."""
    out: set[str] = set()
    for w in words:
        out.add(w)
        if len(w) >= 5:
            out.add(w[:5])
    return frozenset(out)


def object_cover(objects: frozenset[str], words: Iterable[str]) -> float:
    """Share of ``objects`` found among ``words`` (a word or its first five letters matching); 0.5 when there
    are no objects."""
    if not objects:
        return 0.5
    forms = _forms(words if isinstance(words, frozenset) else frozenset(words))
    return sum(1 for o in objects if o in forms or (len(o) >= 5 and o[:5] in forms)) / len(objects)


@functools.lru_cache(maxsize=1 << 14)
def _head_words(head: str) -> frozenset[str]:
    return frozenset(tokenize(head))


def object_features(request: str, records: Sequence[ToolRecord], vocabularies: Sequence[frozenset[str]]) -> dict[str, float]:
    """``ocov`` and ``ovoc`` of a request against its top tools (``vocabularies``: each tool's
    :func:`~agentfn.router.calibration.tool_vocabulary`, aligned with ``records``)."""
    objects = object_words(request)
    return {
        "ocov": max((object_cover(objects, _head_words(head_text(r))) for r in records), default=0.5),
        "ovoc": max((object_cover(objects, v) for v in vocabularies), default=0.5),
    }


def object_vector_features(object_vec: FloatArray | None, heads: Sequence[FloatArray], background: FloatArray,
                           fallback: tuple[float, float]) -> dict[str, float]:
    """``ohead`` (the object vector's best cosine with the top tools' head vectors) and ``ohbg`` (that less its
    best cosine with the background tools, ``background``: its cosine with each). Without an object vector (the
    request is all values and actions) they read ``fallback``: the whole request's ``hdense`` and ``hbg``."""
    if object_vec is None or not heads:
        return {"ohead": fallback[0], "ohbg": fallback[1]}
    ohead = max(float(h @ object_vec) for h in heads)
    return {"ohead": ohead, "ohbg": ohead - float(np.max(background, initial=-1.0))}
