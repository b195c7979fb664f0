"""Head check: is the plan's head (the tool a forced ``follow_route`` call uses) the gold tool?

A small model forced to call the router's top-1 can only be right when that head is the gold tool, so
this check scores routing alone, with no model. Its cases (:func:`head_cases`) are every request of
the foreign routing benchmark (:mod:`agentfn.evals.router_data`) that needs exactly one tool, from
every source (Home Assistant, AgentDojo, tau2-bench, multiverse math...), whether or not the request
states the call's arguments, plus a deterministic hash-ordered sample of the generated set's
one-tool requests (``generated`` of them): one source among several, reported apart.

:func:`head_rates` routes each case once through ``route`` and reports, overall and per source, the
share whose head is gold and whose gold is among the first ``offered`` ranked tools, plus the
**macro average over the foreign sources** (each source weighs the same, so the source with most
requests does not decide) and their micro average. Requests are de-duplicated per source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agentfn.evals.router_data.records import RouterExample

__all__ = ["GENERATED", "HeadCase", "PlanLike", "head_cases", "head_rates"]

GENERATED = "generated"
"""The project's own generated source: sampled, and kept out of the foreign averages."""


class PlanLike(Protocol):
    """What the check reads from a plan."""

    @property
    def selected(self) -> list[str]: ...

    @property
    def ranked(self) -> list[tuple[str, float]]: ...


@dataclass(frozen=True)
class HeadCase:
    """One request that needs one tool."""

    source: str
    text: str
    gold: str


def _rank(seed: int, key: str) -> str:
    return hashlib.sha1(f"{seed}\x1fhead\x1f{key}".encode()).hexdigest()


def head_cases(examples: Iterable[RouterExample], *, generated: int = 300, seed: int = 0) -> list[HeadCase]:
    """Every one-tool request of the foreign sources, and ``generated`` of the generated set's (hash order)."""
    seen: set[tuple[str, str]] = set()
    foreign: list[HeadCase] = []
    own: list[tuple[str, HeadCase]] = []
    for ex in examples:
        if len(ex.gold) != 1 or (ex.source, ex.text) in seen:
            continue
        seen.add((ex.source, ex.text))
        case = HeadCase(ex.source, ex.text, ex.gold[0])
        if ex.source == GENERATED:
            own.append((_rank(seed, ex.id), case))
        else:
            foreign.append(case)
    return foreign + [c for _, c in sorted(own, key=lambda item: item[0])[:generated]]


def _rates(rows: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    n = len(rows)
    return {"n": n, "head_is_gold": round(sum(h for h, _ in rows) / n, 4) if n else 0.0,
            "gold_offered": round(sum(o for _, o in rows) / n, 4) if n else 0.0}


def head_rates(route: Callable[[str], PlanLike], cases: Iterable[HeadCase], offered: int = 4) -> dict[str, Any]:
    """Head-is-gold and gold-offered rates of ``route`` on ``cases``: overall, per source, and averaged over the
    foreign sources (``macro``: each source alike; ``foreign``: each request alike)."""
    by_source: dict[str, list[tuple[bool, bool]]] = {}
    for case in cases:
        plan = route(case.text)
        head = bool(plan.selected) and plan.selected[0] == case.gold
        by_source.setdefault(case.source, []).append((head, case.gold in [n for n, _ in plan.ranked[:offered]]))
    sources = {src: _rates(rows) for src, rows in sorted(by_source.items())}
    foreign = [src for src in sources if src != GENERATED]
    macro = round(sum(sources[s]["head_is_gold"] for s in foreign) / len(foreign), 4) if foreign else 0.0
    every = [row for rows in by_source.values() for row in rows]
    return {**_rates(every), "macro": macro,
            "foreign": _rates([row for s in foreign for row in by_source[s]])["head_is_gold"], "sources": sources}
