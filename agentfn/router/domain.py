"""Does a request belong to the domain of the tools offered? Two abstention signals over all top tools.

Offered five tools of a neighbouring domain (a shop's order tools for a request about flights, calendar
tools for "cancel my kitchen timer"), a request still shares actions and generic words with them ("cancel",
"user id"), and cosines stay moderate. What it does not share is its *objects*: the nouns it acts on. Both
signals read the request's words against the tools' own words only (no encoder, no registry statistics):

* :func:`object_coverage` (``ocov``): the share of what the request acts on (:func:`~agentfn.router.calibration.object_request`:
  values, action and function words left out, and generic record words such as "user", "id", "details")
  that some top tool's vocabulary (name, description, parameters, enums, result fields) holds, words matched on
  their first five letters ("flights"/"flight", "reservation"/"reserve"). A request with no object left: 0.5.
* :func:`domain_mention` (``dom``): whether the request mentions the top tools' shared objects: the words that
  at least two of their names act on (:func:`~agentfn.router.fitness.name_objects`: "order" in
  ``cancel_pending_order`` and ``return_delivered_order_items``; "timer" in ``HassCancelTimer`` and
  ``HassTimerStatus``), or, when no word is shared, any word one of them acts on. 1.0 when it does, 0.0 when not,
  0.5 when the names act on nothing.

The router takes them over its top five tools (all the offered tools when five or fewer are offered), unlike the
per-tool signals of :mod:`agentfn.router.fitness`, which look at the top three: the domain shows in the set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from agentfn.router.calibration import object_request
from agentfn.router.fitness import name_objects
from agentfn.router.text import tokenize

__all__ = ["DOMAIN_FEATURES", "GENERIC_OBJECTS", "domain_features", "domain_mention", "object_coverage"]

DOMAIN_FEATURES = ("ocov", "dom")
"""The abstention features :func:`domain_features` computes."""

GENERIC_OBJECTS = frozenset(
    ["user", "users", "id", "ids", "name", "names", "details", "detail", "info", "information", "data", "list",
     "all", "type", "types", "get", "set", "new", "current", "item", "items", "account", "value", "values",
     "result", "results", "number"]
)
"""Words every domain's records carry: they say nothing about which domain a request belongs to."""

_PREFIX = 5


def _key(word: str) -> str:
    return word[:_PREFIX]


def object_coverage(request: str, vocabularies: Sequence[frozenset[str]]) -> float:
    """Share of the request's objects (generic words left out) that some tool's vocabulary holds (0.5: none)."""
    objects = set(tokenize(object_request(request))) - GENERIC_OBJECTS
    if not objects:
        return 0.5
    known = {_key(w) for vocab in vocabularies for w in vocab}
    return sum(1 for w in objects if _key(w) in known) / len(objects)


def domain_mention(request: str, names: Sequence[str]) -> float:
    """1.0 when the request mentions an object the tools' names share (see the module doc), 0.0 when not."""
    counts = Counter(w for n in names for w in name_objects(n) - GENERIC_OBJECTS)
    if not counts:
        return 0.5
    shared = {w for w, c in counts.items() if c >= 2} or set(counts)
    said = {_key(w) for w in tokenize(request)}
    return 1.0 if any(_key(w) in said for w in shared) else 0.0


def domain_features(request: str, names: Sequence[str], vocabulary: Callable[[str], frozenset[str]]) -> dict[str, float]:
    """:data:`DOMAIN_FEATURES` of a request against its top tools (``vocabulary(name)``: a tool's words)."""
    return {"ocov": object_coverage(request, [vocabulary(n) for n in names]), "dom": domain_mention(request, names)}
