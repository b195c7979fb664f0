"""Why a plan's head misses: where the gold tool ranks and what leads instead.

The head check (:mod:`agentfn.evals.head_check`) says how often the head (the forced call's tool) is gold;
this module says why it is not, per one-tool request (:func:`miss_kind`):

* ``head``: the head is gold (no miss);
* ``chain``: gold is the ranking's best tool but the chain puts other tools before it (data-flow producers,
  step anchors of a story's sentences);
* ``offered``: gold ranks 2nd to ``offered``-th (the model is shown it, the forced call is not);
* ``ranked``: gold ranks within the plan's ranking but past the offered tools;
* ``absent``: gold is not in the plan's ranking at all (a retrieval miss);
* ``abstain``: the plan selected nothing.

and what led instead (:func:`head_relation`): a tool of gold's own server (``same_server``), one whose name
shares a word with gold's (``near_name``), or another (``other``). :func:`miss_table` counts both, per source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from agentfn.evals.head_check import HeadCase, PlanLike
from agentfn.router.servers import server_of
from agentfn.router.text import split_name, tokenize

__all__ = ["KINDS", "RELATIONS", "head_relation", "miss_kind", "miss_lines", "miss_table"]

KINDS = ("head", "chain", "offered", "ranked", "absent", "abstain")
RELATIONS = ("same_server", "near_name", "other")


def miss_kind(plan: PlanLike, gold: str, offered: int = 4) -> str:
    """Which of :data:`KINDS` a plan is for one gold tool (see the module docstring)."""
    if not plan.selected:
        return "abstain"
    if plan.selected[0] == gold:
        return "head"
    names = [n for n, _ in plan.ranked]
    if gold not in names:
        return "absent"
    rank = names.index(gold)
    if rank == 0:
        return "chain"
    return "offered" if rank < offered else "ranked"


def _words(name: str) -> set[str]:
    tail = name.partition("__")[2] if server_of(name) else name
    return {w for w in tokenize(" ".join(split_name(tail))) if len(w) > 2}


def head_relation(head: str, gold: str) -> str:
    """How the head that led relates to gold: one of :data:`RELATIONS`."""
    if server_of(head) and server_of(head) == server_of(gold):
        return "same_server"
    return "near_name" if _words(head) & _words(gold) else "other"


def miss_table(route: Callable[[str], PlanLike], cases: Iterable[HeadCase], offered: int = 4) -> dict[str, Any]:
    """Per source, the count of each miss kind and, for misses with a head, of each head relation."""
    out: dict[str, dict[str, int]] = {}
    for case in cases:
        plan = route(case.text)
        kind = miss_kind(plan, case.gold, offered)
        row = out.setdefault(case.source, {k: 0 for k in (*KINDS, *RELATIONS)} | {"n": 0})
        row["n"] += 1
        row[kind] += 1
        if kind not in ("head", "abstain"):
            row[head_relation(plan.selected[0], case.gold)] += 1
    return dict(sorted(out.items()))


def miss_lines(tables: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """Markdown rows of :func:`miss_table` results, one table per router name."""
    lines: list[str] = []
    for router, table in tables.items():
        lines += ["", f"`{router}`:", "", "| source | n | " + " | ".join(KINDS) + " | lead: " + " | ".join(RELATIONS) + " |",
                  "|---|---|" + "---|" * (len(KINDS) + len(RELATIONS))]
        for source, row in table.items():
            lines.append(f"| {source} | {row['n']} | " + " | ".join(str(row[k]) for k in (*KINDS, *RELATIONS)) + " |")
    return lines
