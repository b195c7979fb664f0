"""Action and object read together, tool by tool: "the same tool does what is asked to what is named".

The abstention model already has the request's action against the tools' (``act``,
:func:`~agentfn.router.fitness.action_fit`) and its object against the tools' (``obj``, ``ovoc``), each the
best over the top tools. Offered tools of a neighbouring domain, the two bests often come from different
tools: "cancel my ferry ticket" offered ``cancel_kennel_booking`` (the action fits) and
``ferry_timetable`` (the object fits) looks served although no one tool serves it. These signals ask that
one tool carry both:

* ``pair``: the best over the top tools of :func:`~agentfn.router.fitness.object_fit` (the share of the
  tool name's objects the request mentions), counted only for a tool whose action does not clash with the
  request's (:func:`~agentfn.router.fitness.action_fit` above 0: it agrees, or either names no action).
* ``pairvoc``: the same with the request's own object words against everything the tool says
  (:func:`~agentfn.router.objfit.object_cover` over the tool's vocabulary).

Both are pure and cheap (words only, no encoder), in [0, 1], and read one request against one tool at a time,
so they mean the same whether one tool or fifty are offered.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentfn.router.fitness import action_fit, object_fit
from agentfn.router.objfit import object_cover, object_words

__all__ = ["PAIR_FEATURES", "pair_features"]

PAIR_FEATURES = ("pair", "pairvoc")
"""The abstention features :func:`pair_features` computes."""


def pair_features(request: str, names: Sequence[str], vocabularies: Sequence[frozenset[str]]) -> dict[str, float]:
    """``pair`` and ``pairvoc`` of a request against its top tools (``vocabularies`` aligned with ``names``);
    0.0 for both when no tool is offered or every tool's action clashes with the request's."""
    agree = [action_fit(request, n) > 0.0 for n in names]
    objects = object_words(request)
    return {
        "pair": max((object_fit(request, n) for n, ok in zip(names, agree, strict=True) if ok), default=0.0),
        "pairvoc": max((object_cover(objects, v) for v, ok in zip(vocabularies, agree, strict=True) if ok),
                       default=0.0),
    }
