"""The re-ranker's candidates: the cold-start head, widened by the tools that similar traced requests used.

A tool's description can rank it far below where its users' requests put it
(a long, situation-first request rarely shares words with the one-line
description of the lookup it needs first). The re-ranker can only move the
candidates it sees, so :func:`widened` adds to the cold-start top ``depth``
the tools of the nearest traced requests above the trace memory's floor
(:meth:`agentfn.router.rerank.TraceMemory.recall`), each with its own
cold-start score, after the head and best first.

Guarantees: the head is the cold-start top ``depth`` unchanged, in order; a
request whose nearest traced request is at or below the floor (or a router
without a memory) gets no extra candidate; every tool appears once over head
and rest; a tool the scorer did not score (not in the approximate pool) is
never added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from agentfn.router.index import FloatArray
from agentfn.router.pipeline import Ranking
from agentfn.router.rerank import TraceMemory

__all__ = ["Scored", "fused_score_of", "widened"]

Scored = list[tuple[str, float]]


def fused_score_of(rk: Ranking, slot_of: Mapping[str, int]) -> Callable[[str], float | None]:
    """A tool's cold-start (fused) score in ``rk``; None for a tool the scorer did not score."""

    def score(name: str) -> float | None:
        slot = slot_of.get(name)
        if slot is None:
            return None
        pos = rk.position(slot)
        if pos >= len(rk.fused) or (rk.slots is not None and int(rk.slots[pos]) != slot):
            return None
        value = float(rk.fused[pos])
        return value if np.isfinite(value) else None

    return score


def widened(
    pool: Scored,
    depth: int,
    memory: TraceMemory | None,
    qvec: FloatArray | None,
    score_of: Callable[[str], float | None],
    exclude: str | None = None,
) -> tuple[Scored, Scored]:
    """``(head, rest)``: ``pool[:depth]`` plus recalled tools (cold-start scores from ``score_of``, None: not
    scored), and the rest of ``pool`` without them. ``exclude``: a traced request's key whose rows recall
    nothing (a trainer scoring its own requests)."""
    head, rest = pool[:depth], pool[depth:]
    if memory is None or qvec is None or not len(memory):
        return head, rest
    have = {n for n, _ in head}
    extra: Scored = []
    for name in memory.recall(qvec, exclude):
        if name in have:
            continue
        score = score_of(name)
        if score is not None:
            extra.append((name, score))
            have.add(name)
    if not extra:
        return head, rest
    moved = {n for n, _ in extra}
    return head + sorted(extra, key=lambda p: -p[1]), [p for p in rest if p[0] not in moved]
