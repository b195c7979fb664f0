"""Fitting the re-ranker (:mod:`agentfn.router.rerank`) from traced requests, so that it transfers.

1. The trace memory holds the training requests (their vectors and tools).
2. Every training request's top ``rerank_depth`` candidates become rows
   (:mod:`agentfn.router.rerank_rows`; gold tools positive, the rest negative:
   the router's own near misses are the negatives, and those within a hair of
   a gold tool's score, near-duplicates, may weigh more: ``hard``), twice:
   *seen* (trace signals as a new request for traced tools gets them) and
   *unseen source* (the memory without every trace of the gold tools' families).
3. Settings are chosen on the dev requests: the memory ``floor``, the L2
   strength, the hard-negative weight and the gate
   (:mod:`agentfn.router.rerank_gate`: how far the re-ranker may move the
   candidates of families no trace used). A setting is eligible only if

   * it ranks the dev requests played as an unseen source no worse than the
     router without the re-ranker, and beats it on both ways together, and
   * **leave-one-source-out**: each source's dev requests, ranked by a
     re-ranker fitted without that source's traces (weights and memory), are
     on average ranked no worse than without the re-ranker. A source is the
     ``sources`` label given per request (where the trace came from), else the
     gold tool's family; with more than :data:`MAX_FOLDS` sources they are dealt
     into that many folds. With one source, nothing can be left out and this
     check passes.

   The eligible setting with the best dev MRR (both ways) wins; if none is, the re-ranker stays off.
4. Settings chosen, the memory takes the dev requests too and the model is
   refitted on train + dev. Given ``check`` requests (never fitted), the same
   leave-one-source-out comparison is measured on them (``rerank_check_*``):
   what a trainer reports, and gates promotion on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from agentfn.router.rerank import FEATURE_SETS, request_key
from agentfn.router.rerank_gate import GATE_KEY, GATES, family_of
from agentfn.router.rerank_rows import (
    Query,
    RequestRows,
    add_view,
    fit_rows,
    memory_of,
    mrr,
    request_rows,
    texts_of,
)

if TYPE_CHECKING:
    from agentfn.router.rerank import TraceMemory
    from agentfn.router.router import Router

__all__ = ["FLOOR_GRID", "HARD_GRID", "L2_GRID", "MAX_FOLDS", "fit_reranker", "folds_of", "labels_of", "source_of"]

L2_GRID = (1e-3, 1e-2)
FLOOR_GRID = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
"""Memory floors tried (1.0: the trace signals never count; only tool-agnostic ones)."""
HARD_GRID = (1.0, 3.0)
"""Weights of near-duplicate negatives tried."""
MAX_FOLDS = 5
SETS = tuple(FEATURE_SETS)
"""Feature sets tried (:data:`~agentfn.router.rerank.FEATURE_SETS`; a fit's ``rerank_features`` is the index here)."""
UNSEEN_SLACK = 1e-3
"""How much lower than the router without re-ranker a dev MRR may be (ties, rounding)."""
Pairs = Sequence[tuple[Query, Sequence[str]]]
source_of = family_of
"""The family a tool belongs to (kept under its older name)."""


def folds_of(sources: Sequence[str]) -> dict[str, int]:
    """Fold per source label: one each, or with more than :data:`MAX_FOLDS`, dealt by size into that many."""
    order = [s for s, _ in sorted(Counter(sources).items(), key=lambda p: (-p[1], p[0]))]
    return {s: i % MAX_FOLDS for i, s in enumerate(order)}


def labels_of(router: Router, pairs: Pairs, sources: Mapping[str, str] | None) -> list[str]:
    """Source label per request: its ``sources`` entry (by request key), else its first gold tool's family."""
    keys = [request_key(t) for t in texts_of(router, pairs)]
    return [(sources or {}).get(k) or (family_of(g[0]) if g else "") for k, (_, g) in zip(keys, pairs, strict=True)]


class _Lofo:
    """Leave-one-source-out: per fold, the memory without its traces and weights fitted without its requests."""

    def __init__(self, memory: TraceMemory, fit: Sequence[RequestRows], scored: Sequence[RequestRows]) -> None:
        folds = folds_of([r.source for r in [*fit, *scored]])
        self.fold = folds
        self.fit = fit
        self.scored = [r for r in scored if r.useful]
        self.active = sorted({folds[r.source] for r in self.scored}) if len(set(folds.values())) > 1 else []
        self.weights: dict[tuple[int, float, float, float, str], dict[str, float]] = {}
        fit_keys = {r.key: folds[r.source] for r in fit}
        for f in self.active:
            mem = memory.subset([i for i, k in enumerate(memory.keys) if fit_keys.get(k, -1) != f])
            for r in self.scored:
                if folds[r.source] == f:
                    add_view(r, "lofo", mem)

    def gain(self, floor: float, l2: float, hard: float, gate_: str, feats: str = "full") -> float:
        """Mean over folds of the MRR change the left-out re-ranker makes on the fold's requests (0: nothing left out)."""
        gains: list[float] = []
        for f in self.active:
            key = (f, floor, l2, hard, feats)
            if key not in self.weights:
                self.weights[key] = fit_rows([r for r in self.fit if self.fold[r.source] != f], floor, l2, hard, feats)
            rows = [r for r in self.scored if self.fold[r.source] == f]
            w = self.weights[key]
            gains.append(mrr(rows, w or None, floor, "lofo", gate_) - mrr(rows, None, floor, "lofo", gate_))
        return sum(gains) / len(gains) if gains else 0.0


def _fixed(router: Router, pairs: Pairs, settings: Mapping[str, float], sources: Sequence[str],
           check: Pairs, check_sources: Sequence[str]) -> dict[str, float]:
    floor, l2, hard = (float(settings.get(k, d)) for k, d in (("rerank_floor", 0.0), ("rerank_l2", 1e-3),
                                                               ("rerank_hard", 1.0)))
    gate_ = GATES[int(settings.get("rerank_gate", 0.0))]
    feats = SETS[int(settings.get("rerank_features", 0.0))]
    router.memory = memory_of(router, pairs, floor)
    reqs = request_rows(router, pairs, sources)
    w = fit_rows(reqs, floor, l2, hard, feats)
    if not w:
        return {"rerank_on": 0.0}
    out = {"rerank_on": 1.0, "rerank_l2": l2, "rerank_floor": floor, "rerank_hard": hard,
           "rerank_gate": float(GATES.index(gate_)), "rerank_features": float(SETS.index(feats))}
    if check and router.memory is not None:
        held = request_rows(router, check, check_sources)
        lofo = _Lofo(router.memory, reqs, held)
        out["rerank_check_requests"] = float(len(lofo.scored))
        out["rerank_check_sources"] = float(len(lofo.active))
        out["rerank_check_lofo_gain"] = lofo.gain(floor, l2, hard, gate_, feats)
        out["rerank_check_gain"] = mrr(lofo.scored, w, floor, "seen", gate_) - mrr(lofo.scored, None, floor, "seen", gate_)
    router.config.rerank_weights = {**w, GATE_KEY: float(GATES.index(gate_))}
    return out


def fit_reranker(
    router: Router,
    train: Pairs,
    dev: Pairs,
    *,
    l2: float | None = None,
    floor: float | None = None,
    settings: Mapping[str, float] | None = None,
    sources: Mapping[str, str] | None = None,
    check: Pairs = (),
) -> dict[str, float]:
    """Fit (or leave off) the re-ranker; returns what was chosen (``rerank_on``, ``rerank_l2``, ``rerank_floor``,
    ``rerank_hard``, ``rerank_gate`` (index in :data:`~agentfn.router.rerank_gate.GATES`), dev MRRs seen, as an
    unseen source and the leave-one-source-out gain).

    ``sources`` maps a request's :func:`~agentfn.router.rerank.request_key` to where its trace came from.
    With ``settings`` (a previous result) or ``l2`` given, nothing is chosen: one fit on ``train`` + ``dev``,
    and ``check`` requests are scored leave-one-source-out (module docstring, step 4).
    """
    router.config.rerank_weights = None
    router.memory = None
    if settings is not None or l2 is not None:
        fixed = dict(settings or {})
        if l2 is not None:
            fixed.update({"rerank_l2": l2, "rerank_floor": floor or 0.0})
        everything = [*train, *dev]
        return _fixed(router, everything, fixed, labels_of(router, everything, sources), check,
                      labels_of(router, check, sources))
    if not train:
        return {"rerank_on": 0.0}
    router.memory = memory_of(router, train)
    train_reqs = request_rows(router, train, labels_of(router, train, sources))
    tune = request_rows(router, dev, labels_of(router, dev, sources)) if dev else train_reqs
    if router.memory is None or not any(r.useful for r in train_reqs):
        return {"rerank_on": 0.0}
    base = mrr(tune, None, 0.0, "seen", "all")
    out = {"rerank_on": 0.0, "rerank_dev_mrr_base": base}
    lofo = _Lofo(router.memory, train_reqs, tune)
    ranked: list[tuple[float, float, float, float, str, float, str]] = []
    for feats in SETS:
        for fl in FLOOR_GRID:
            for l2_ in L2_GRID:
                for hard in HARD_GRID:
                    w = fit_rows(train_reqs, fl, l2_, hard, feats)
                    for g in GATES:
                        seen, unseen = mrr(tune, w, fl, "seen", g), mrr(tune, w, fl, "unseen", g)
                        if unseen >= base - UNSEEN_SLACK and seen + unseen > 2 * base + 1e-9:
                            ranked.append((seen + unseen, fl, l2_, hard, g, seen, feats))
    for total, fl, l2_, hard, g, seen, feats in sorted(ranked, key=lambda p: -p[0]):
        gain = lofo.gain(fl, l2_, hard, g, feats)
        if gain < -UNSEEN_SLACK:
            continue
        out.update({"rerank_on": 1.0, "rerank_l2": l2_, "rerank_floor": fl, "rerank_hard": hard,
                    "rerank_gate": float(GATES.index(g)), "rerank_features": float(SETS.index(feats)),
                    "rerank_dev_mrr": seen, "rerank_dev_mrr_unseen": total - seen,
                    "rerank_dev_lofo_gain": gain, "rerank_dev_lofo_sources": float(len(lofo.active))})
        break
    if not out["rerank_on"]:
        return out  # nothing transfers: off (the memory stays; it costs nothing while off)
    everything = [*train, *dev]
    return {**out, **_fixed(router, everything, out, labels_of(router, everything, sources), (), ())}
