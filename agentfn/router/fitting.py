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
from agentfn.router.fit_rerank import fit_reranker, folds_of, labels_of
from agentfn.router.flowstats import FlowLink, FlowStats
from agentfn.router.logistic import fit_logistic

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["FUSION_MIN_FOLD", "FUSION_MIN_GAIN", "abstention_rows", "choose_transferring", "fit_abstention", "fit_router"]

Query = str | Sequence[Any]
FloatArray = npt.NDArray[np.float64]
_FUSION_GRID = [0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5]
FUSION_MIN_GAIN = 0.01
"""Mean reciprocal rank another lexical weight must gain on the tuning requests to replace the one in force:
the weight suits some sources more than others, and a small gain on the traced ones is noise that can cost
sources no trace came from."""
FUSION_MIN_FOLD = 5
"""Fewest tuning requests a source needs to count in the leave-one-source-out check of the fusion weight."""


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
        out.update(_fit_fusion(router, positives, labels_of(router, positives, sources)))
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


def _fit_fusion(router: Router, positives: list[tuple[Query, list[str]]], labels: Sequence[str]) -> dict[str, float]:
    """The lexical weight with the best mean reciprocal rank of the gold tools. The weight in force stays
    unless another beats it by :data:`FUSION_MIN_GAIN` *and* the choice transfers: with requests of more
    than one source (``labels``, dealt into folds by :func:`~agentfn.router.fit_rerank.folds_of`), each fold
    of at least :data:`FUSION_MIN_FOLD` requests, scored with the weight chosen without it, must gain as
    much on average over folds (leave-one-source-out: the weight applies to every source, traced or not)."""
    signals = [_signals(router, q) for q, _ in positives]
    slot_of = {n: i for i, n in enumerate(router.tool_names()) if n is not None}
    gold_slots = [[slot_of[t] for t in tools] for _, tools in positives]
    alive = np.asarray([n is not None for n in router.tool_names()], dtype=bool)
    cfg = router.config
    grid = list(dict.fromkeys([cfg.w_lexical, *_FUSION_GRID]))
    per: dict[float, FloatArray] = {}
    for w in grid:
        row = np.zeros(len(positives))
        for i, (s, gold) in enumerate(zip(signals, gold_slots, strict=True)):
            score = cfg.w_dense * s["dense"] + w * s["lexical"]
            score[~alive] = -np.inf
            row[i] = sum(1.0 / (1 + int((score > score[g]).sum())) for g in gold) / len(gold)
        per[w] = row

    chosen, out = choose_transferring(per, labels, cfg.w_lexical)
    cfg.w_lexical = chosen
    return {"w_lexical": chosen, **out}


def choose_transferring(
    per: dict[float, FloatArray], labels: Sequence[str], current: float
) -> tuple[float, dict[str, float]]:
    """The setting (key of ``per``: its score per request) with the best mean, if it beats ``current`` by
    :data:`FUSION_MIN_GAIN` and, with more than one fold of :data:`FUSION_MIN_FOLD` or more requests
    (``labels``: each request's source), the setting chosen without each fold gains on it by as much,
    on average over folds. Returns the choice and what the check measured (``fusion_lofo_gain``; ``fusion_kept_by_lofo``:
    the setting the check refused)."""
    grid = list(per)

    def pick(rows: npt.NDArray[np.bool_]) -> float:
        means = {w: float(per[w][rows].mean()) for w in grid}
        best = max(grid, key=lambda w: (means[w], w == current))
        return best if means[best] >= means[current] + FUSION_MIN_GAIN else current

    chosen = pick(np.ones(len(labels), dtype=bool))
    out: dict[str, float] = {}
    fold = folds_of(labels)
    groups = [np.asarray([fold[x] == f for x in labels]) for f in sorted(set(fold.values()))]
    groups = [g for g in groups if int(g.sum()) >= FUSION_MIN_FOLD]
    if chosen != current and len(groups) > 1:
        gains = [float(per[pick(~g)][g].mean() - per[current][g].mean()) for g in groups]
        out["fusion_lofo_gain"] = sum(gains) / len(gains)
        if out["fusion_lofo_gain"] < FUSION_MIN_GAIN:
            out["fusion_kept_by_lofo"] = chosen
            chosen = current
    return chosen, out


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
