"""Fitting a router from traces: combination statistics, data flow, fusion weight, abstention.

:func:`fit_router` is the one place a router learns from examples; both
:meth:`Router.fit_from_traces` and ``agentfn train router``
(:func:`agentfn.train.router.train_router`) come here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS
from agentfn.router.combine import CoUsage
from agentfn.router.fit_rerank import fit_reranker
from agentfn.router.flowstats import FlowLink, FlowStats
from agentfn.router.logistic import fit_logistic

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["abstention_rows", "fit_abstention", "fit_router"]

Query = str | Sequence[Any]
FloatArray = npt.NDArray[np.float64]
_FUSION_GRID = [0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5]
FUSION_MIN_GAIN = 0.01
"""Mean reciprocal rank another lexical weight must gain on the tuning requests to replace the one in force:
the weight suits some sources more than others, and a small gain on the traced ones is noise that can cost
sources no trace came from."""


def fit_router(
    router: Router,
    pairs: Iterable[tuple[Query, Sequence[str]]],
    *,
    fit_fusion: bool = True,
    fit_threshold: bool = True,
    links: Iterable[FlowLink] = (),
    calls: Iterable[tuple[str, Sequence[str]]] = (),
    dev: Iterable[tuple[Query, Sequence[str]]] | None = None,
    fresh: bool = False,
    rerank: bool = False,
    rerank_l2: float | None = None,
    rerank_floor: float | None = None,
    rerank_settings: Mapping[str, float] | None = None,
    sources: Mapping[str, str] | None = None,
    rerank_check: Sequence[tuple[Query, Sequence[str]]] = (),
) -> dict[str, float]:
    """Learn from (request, tools called in order) pairs; ``[]`` = no tool fitted (see :meth:`Router.fit_from_traces`).

    Statistics (co-usage, data flow from ``links``/``calls``, the re-ranker's
    trace memory) come from ``pairs`` and ``dev`` together; tuned values (fusion
    weight, abstention, the re-ranker's settings) are chosen on ``dev`` when
    given (else on ``pairs``), and the re-ranker is refitted on both at the end
    (``rerank_l2`` and ``rerank_floor``, or ``rerank_settings``, fix its settings instead: no choice, one fit
    on everything, and ``rerank_check`` requests scored leave-one-source-out; ``sources``: where each
    request's trace came from, by request key; see :func:`~agentfn.router.fit_rerank.fit_reranker`).
    ``fresh`` forgets what the router learned before instead of adding to it.
    """
    data = _known(router, pairs)
    held = _known(router, dev) if dev is not None else None
    if fresh:
        router.co_usage = CoUsage()
        router.flow = FlowStats()
        router.memory = None
        router.config.rerank_weights = None
    everything = data + (held or [])
    router.co_usage.fit([t for _, t in everything if t])
    known_links = [ln for ln in links if ln.producer in router and ln.consumer in router]
    router.flow.fit(known_links, [(t, a) for t, a in calls if t in router])
    out: dict[str, float] = {"pairs": float(len(everything)), "runs": float(router.co_usage.runs),
                             "flow_links": float(len(known_links))}
    tune = held if held is not None else data
    positives = [(q, t) for q, t in tune if t]
    if fit_fusion and router.encoder is not None and positives:
        out["w_lexical"] = _fit_fusion(router, positives)
    if rerank and router.encoder is not None:
        out.update(fit_reranker(router, [(q, t) for q, t in data if t], [(q, t) for q, t in held or [] if t],
                                  l2=rerank_l2, floor=rerank_floor, settings=rerank_settings, sources=sources,
                                  check=[(q, t) for q, t in _known(router, rerank_check) if t]))
    if fit_threshold and router.uses_model_abstention:
        weights = fit_abstention(router, tune)
        if weights is not None:
            out.update({f"abstain_w_{k}": v for k, v in weights.items()})
    elif fit_threshold:
        thr = _fit_threshold(router, tune)
        if thr is not None:
            out["abstain_threshold"] = thr
    return out


def _known(router: Router, pairs: Iterable[tuple[Query, Sequence[str]]]) -> list[tuple[Query, list[str]]]:
    """Pairs with tools the router knows; a run whose tools all left the registry says nothing."""
    out: list[tuple[Query, list[str]]] = []
    for q, tools in pairs:
        known = [t for t in tools if t in router]
        if known or not tools:
            out.append((q, known))
    return out


def abstention_rows(router: Router, data: Sequence[tuple[Query, Sequence[str]]]) -> tuple[FloatArray, FloatArray]:
    """Features (:data:`~agentfn.router.calibration.ABSTAIN_FEATURES`) and labels (1 = some tool fits) per request."""
    xs: list[list[float]] = []
    ys: list[float] = []
    for q, tools in data:
        feats: dict[str, float] = {}
        router.route(q, k=10, features=feats)
        if feats:
            xs.append([feats[k] for k in ABSTAIN_FEATURES])
            ys.append(1.0 if tools else 0.0)
    return np.asarray(xs, dtype=np.float64).reshape(-1, len(ABSTAIN_FEATURES)), np.asarray(ys, dtype=np.float64)


def fit_abstention(router: Router, data: Sequence[tuple[Query, Sequence[str]]], *, l2: float = 3e-4) -> dict[str, float] | None:
    """Refit the abstention model on labelled requests (needs both kinds); starts from the weights in force."""
    x, y = abstention_rows(router, data)
    if not y.size or y.min() == y.max():
        return None
    prior = router.config.abstain_weights or DEFAULT_ABSTAIN_WEIGHTS
    weights = fit_logistic(x, y, prior, names=ABSTAIN_FEATURES, l2=l2, nonneg=True)
    router.config.abstain_weights = weights
    return weights


def _signals(router: Router, query: Query) -> dict[str, Any]:
    text, context = router.query_parts(query)
    return router.score_all(text, context)


def _fit_fusion(router: Router, positives: list[tuple[Query, list[str]]]) -> float:
    """The lexical weight with the best mean reciprocal rank of the gold tools (the weight in force stays
    unless another beats it by :data:`FUSION_MIN_GAIN`)."""
    signals = [_signals(router, q) for q, _ in positives]
    slot_of = {n: i for i, n in enumerate(router.tool_names()) if n is not None}
    gold_slots = [[slot_of[t] for t in tools] for _, tools in positives]
    alive = np.asarray([n is not None for n in router.tool_names()], dtype=bool)
    cfg = router.config
    best_w, best_mrr = cfg.w_lexical, -1.0
    current = -1.0
    for w in dict.fromkeys([cfg.w_lexical, *_FUSION_GRID]):
        mrr = 0.0
        for s, gold in zip(signals, gold_slots, strict=True):
            score = cfg.w_dense * s["dense"] + w * s["lexical"]
            score[~alive] = -np.inf
            for g in gold:
                mrr += 1.0 / (1 + int((score > score[g]).sum())) / len(gold)
        if w == cfg.w_lexical:
            current = mrr
        if mrr > best_mrr + 1e-9:
            best_w, best_mrr = w, mrr
    if best_mrr / len(positives) < current / len(positives) + FUSION_MIN_GAIN:
        best_w = cfg.w_lexical
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
