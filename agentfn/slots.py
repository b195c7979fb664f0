"""Slot evidence re-ranking: prefer the tool whose required parameters the request states.

A forced call follows the router's top-1, and over a large registry the top candidates are often
tools that match the request's *goal* ("cancel my reservation") while the call that can be made
now is the one whose inputs the request spells out ("your user id is raj_sanchez_7340" ->
``get_user_details(user_id)``). :class:`SlotRouter` wraps a router and re-ranks a wider pool of its
candidates by **slot evidence** (:func:`slot_evidence`): the share of a tool's required parameters
for which the request holds

* a value of the parameter's specific kind (an e-mail address for an ``email`` input, an id or
  code for an ``id`` input, a URL, a date, a number...: :func:`agentfn.router.dataflow.missing_inputs`
  over :class:`~agentfn.router.dataflow.RequestValues`), or
* the parameter's own content words ("user id", "zip", "reservation"), not the weak ones
  ("name", "id", "type") alone.

Free-text and number inputs count only when named: almost every request holds some text and a
number, so that says nothing.
A tool with no required parameter has evidence 0 (nothing to prefer it for).
``score = router score + weight * evidence`` for candidates within ``margin`` of the top score,
among the router's first ``pool``; the plan's head becomes the best of them. Works on any router
whose tools are :class:`~agentfn.router.text.ToolRecord`-readable specs; composes with
:class:`agentfn.fill.FillRouter` (wrap this one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from agentfn.fill import RouterLike, reranked_plan
from agentfn.router.dataflow import RequestValues, ToolIO, missing_inputs, tool_io
from agentfn.router.router import RoutePlan
from agentfn.router.text import ToolRecord, query_from_messages

__all__ = ["SlotRouter", "slot_evidence"]

_WEAK = frozenset({"id", "name", "code", "number", "key", "type", "title", "value", "data", "info", "text"})
_TYPED = frozenset({"email", "url", "date", "id", "code", "phone", "coord", "ip"})
"""Kinds whose value in a request is evidence (numbers and free text are in almost every request)."""


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.findall(r"[a-z]+", spaced.lower()) if len(w) >= 2}


def slot_evidence(io: ToolIO, text: str, values: RequestValues | None = None) -> float:
    """The share of ``io``'s required inputs that ``text`` states (see the module docstring); 0 when none is required."""
    required = [s for s in io.inputs if s.required]
    if not required:
        return 0.0
    values = values or RequestValues.of(text)
    words = _words(text) | set(values.words)
    open_names = {s.name for s in missing_inputs(io, values)}
    stated = 0
    for slot in required:
        content = set(slot.words) - _WEAK
        named = bool(content) and content <= words
        typed = slot.kind in _TYPED and slot.name not in open_names
        stated += named or typed
    return stated / len(required)


class SlotRouter:
    """A router whose head is re-ranked by slot evidence.

    Args:
        router: the router to wrap (anything with ``route(query, k)``).
        tools: the specs (OpenAI format, ToolRecords or Tool objects) it routes over.
        pool: how many of the router's candidates compete.
        margin: only candidates within this of the router's top score compete.
        weight: score added per unit of slot evidence.
    """

    def __init__(self, router: RouterLike, tools: Iterable[Any], *, pool: int = 10, margin: float = 0.1,
                 weight: float = 0.2) -> None:
        self.router = router
        self.io: dict[str, ToolIO] = {}
        for t in tools:
            rec = ToolRecord.of(t)
            self.io[rec.name] = tool_io(rec)
        self.pool = pool
        self.margin = margin
        self.weight = weight

    def rescore(self, text: str, ranked: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
        """``ranked`` with evidence-adjusted scores for the competing candidates, best first."""
        if not ranked:
            return []
        values = RequestValues.of(text)
        top = ranked[0][1]
        scored: list[tuple[str, float]] = []
        for name, score in ranked:
            io = self.io.get(name)
            if io is None or score < top - self.margin:
                scored.append((name, score))
            else:
                scored.append((name, score + self.weight * slot_evidence(io, text, values)))
        return sorted(scored, key=lambda item: -item[1])

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        """The router's plan with its head re-ranked; the chain is kept when its head stays first."""
        plan = self.router.route(query, k=max(k, self.pool))
        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        ranked = self.rescore(text, plan.ranked[: self.pool]) + list(plan.ranked[self.pool :])
        return reranked_plan(plan, ranked, k, abstain=plan.abstain)

