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
never added; one it scored but left out of its head blend joins at the
request's lowest fused score (:func:`fused_score_of`).
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
    """A tool's cold-start (fused) score in ``rk``; None for a tool outside the scored pool (ANN path).

    A tool the scorer ranked but left out of its head blend (fused ``-inf``: its dense and lexical signals
    are real, it only fell below the blend's candidates) gets the lowest finite fused score of the request,
    so a traced request's tool can still join the candidates, behind every tool the scorer kept.
    """
    finite = rk.fused[np.isfinite(rk.fused)]
    lowest = float(finite.min()) if finite.size else None

    def score(name: str) -> float | None:
        slot = slot_of.get(name)
        if slot is None:
            return None
        pos = rk.position(slot)
        if pos >= len(rk.fused) or (rk.slots is not None and int(rk.slots[pos]) != slot):
            return None
        value = float(rk.fused[pos])
        if np.isfinite(value):
            return value
        dense = float(rk.whole["dense"][pos]) if pos < len(rk.whole["dense"]) else float("-inf")
        return lowest if np.isfinite(dense) else None

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
