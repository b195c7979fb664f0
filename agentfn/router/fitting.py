"""Fitting a router from traces: combination statistics, data flow, fusion weight, abstention.

:func:`fit_router` is the one place a router learns from examples; both
:meth:`Router.fit_from_traces` and ``agentfn train router``
(:func:`agentfn.train.router.train_router`) come here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["fit_router"]

Query = str | Sequence[Any]
_FUSION_GRID = [0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5]


def fit_router(
    router: Router,
    pairs: Iterable[tuple[Query, Sequence[str]]],
    *,
    fit_fusion: bool = True,
    fit_threshold: bool = True,
) -> dict[str, float]:
    """Learn from (request, tools called in order) pairs; ``[]`` = no tool fitted (see :meth:`Router.fit_from_traces`)."""
    data: list[tuple[Query, list[str]]] = []
    for q, tools in pairs:
        known = [t for t in tools if t in router]
        if known or not tools:  # a run whose tools all left the registry says nothing
            data.append((q, known))
    router.co_usage.fit([t for _, t in data if t])
    out: dict[str, float] = {"pairs": float(len(data)), "runs": float(router.co_usage.runs)}
    positives = [(q, t) for q, t in data if t]
    if fit_fusion and router.encoder is not None and positives:
        out["w_lexical"] = _fit_fusion(router, positives)
    if fit_threshold:
        thr = _fit_threshold(router, data)
        if thr is not None:
            out["abstain_threshold"] = thr
    return out


def _signals(router: Router, query: Query) -> dict[str, Any]:
    text, context = router.query_parts(query)
    return router.score_all(text, context)


def _fit_fusion(router: Router, positives: list[tuple[Query, list[str]]]) -> float:
    """The lexical weight with the best mean reciprocal rank of the gold tools."""
    signals = [_signals(router, q) for q, _ in positives]
    slot_of = {n: i for i, n in enumerate(router.tool_names()) if n is not None}
    gold_slots = [[slot_of[t] for t in tools] for _, tools in positives]
    alive = np.asarray([n is not None for n in router.tool_names()], dtype=bool)
    cfg = router.config
    best_w, best_mrr = cfg.w_lexical, -1.0
    for w in _FUSION_GRID:
        mrr = 0.0
        for s, gold in zip(signals, gold_slots, strict=True):
            score = cfg.w_dense * s["dense"] + w * s["lexical"]
            score[~alive] = -np.inf
            for g in gold:
                mrr += 1.0 / (1 + int((score > score[g]).sum())) / len(gold)
        if mrr > best_mrr + 1e-9:
            best_w, best_mrr = w, mrr
    cfg.w_lexical = best_w
    return best_w


def _fit_threshold(router: Router, data: list[tuple[Query, list[str]]]) -> float | None:
    """The abstention threshold with the best F1 ("abstain" positive), if both kinds of example exist."""
    if not any(not t for _, t in data) or not any(t for _, t in data):
        return None  # needs both kinds to place a boundary
    conf = [(float(np.max(_signals(router, q)["abstain"])), not tools) for q, tools in data]
    values = sorted({c for c, _ in conf})
    cands = [(a + b) / 2 for a, b in itertools.pairwise(values)] or values
    best_t, best_f1 = router.threshold, -1.0
    n_neg = sum(1 for _, neg in conf if neg)
    for t in cands:
        tp = sum(1 for c, neg in conf if neg and c < t)
        fp = sum(1 for c, neg in conf if not neg and c < t)
        f1 = 2 * tp / (2 * tp + fp + (n_neg - tp)) if tp else 0.0
        if f1 > best_f1 + 1e-12:
            best_t, best_f1 = t, f1
    router.config.abstain_threshold = float(best_t)
    return float(best_t)
