"""Fitting the re-ranker (:mod:`agentfn.router.rerank`) from traced requests, so that it transfers.

1. The trace memory holds the training requests (their vectors and tools).
2. Every training request's top ``rerank_depth`` candidates become rows (gold
   tools positive, the rest negative: the router's own near misses,
   near-duplicate tools included, are the hard negatives), twice:

   * *seen*: the trace signals as a new request for traced tools gets them
     (the request's own traces left out);
   * *unseen source*: as a request of a source no trace came from gets them:
     the memory without every trace of the gold tools' sources (a source is a
     tool's ``server__`` namespace, else the tool itself). Its gold tools read
     ``memory`` 0 while traced competitors from other sources keep theirs.

   So the model learns what a trace match is worth *and* that a tool without
   traces can still be the right one.
3. Settings are chosen on the dev requests, scored both ways (mean reciprocal
   rank of their gold tools): the memory ``floor`` (below it a traced request
   says nothing about a new one; :func:`~agentfn.router.rerank.gate`) and the
   L2 strength. A setting is eligible only if it ranks the dev requests played
   as an unseen source no worse than the router without the re-ranker (it
   must not push down tools no trace used), and it must beat that router on
   both ways together; otherwise the re-ranker stays off.
4. Settings chosen, the memory takes the dev requests too and the model is
   refitted on train + dev.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentfn.router.logistic import fit_logistic
from agentfn.router.rerank import RAW_TRACE, RERANK_FEATURES, TraceMemory, gate, request_key, rerank_score
from agentfn.router.servers import server_of

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["FLOOR_GRID", "L2_GRID", "fit_reranker", "source_of"]

Query = str | Sequence[Any]
Array = npt.NDArray[np.float64]
L2_GRID = (1e-3, 1e-2)
FLOOR_GRID = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
"""Memory floors tried (1.0: the trace signals never count; only tool-agnostic ones)."""
UNSEEN_SLACK = 1e-3
"""How much lower than the router without re-ranker the unseen-source dev MRR may be (ties, rounding)."""
_COLS = (*RERANK_FEATURES, *RAW_TRACE)
_MEM, _PRIOR = RERANK_FEATURES.index("memory"), RERANK_FEATURES.index("prior")
_SIM, _TOP, _RAWP = (len(RERANK_FEATURES) + i for i in range(3))


def source_of(tool: str) -> str:
    """The source a tool belongs to, for playing sources unseen: its ``server__`` namespace, else itself."""
    return server_of(tool) or tool


@dataclass
class _Request:
    """One request's candidates, in base order, with ungated rows for the *seen* and *unseen source* cases."""

    names: list[str]
    seen: Array
    unseen: Array
    gold: set[str]


def _texts(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> list[str]:
    return [router.query_parts(q)[0] for q, _ in pairs]


def _add_memory(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]], floor: float = 0.0) -> None:
    enc = router.encoder
    if enc is None or not pairs:
        return
    texts = _texts(router, pairs)
    if router.memory is None:
        router.memory = TraceMemory(enc.dim, floor)
    router.memory.add(enc.encode(texts), [list(t) for _, t in pairs], texts)


def _requests(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> list[_Request]:
    """Candidate rows per request, with raw trace inputs (the memory's floor set to 0 while reading)."""
    memory, enc = router.memory, router.encoder
    out: list[_Request] = []
    if memory is None or enc is None:
        return out
    floor, memory.floor = memory.floor, 0.0
    cut: dict[frozenset[str], TraceMemory] = {}
    texts = _texts(router, pairs)
    try:
        qvecs = enc.encode(texts)
        for (q, gold), text, qvec in zip(pairs, texts, qvecs, strict=True):
            key = request_key(text)
            cands = router.candidate_features(q, depth=router.config.rerank_depth, exclude=key)
            if not cands:
                continue
            names = [n for n, _ in cands]
            seen = np.asarray([[f.get(k, 0.0) for k in _COLS] for _, f in cands], dtype=np.float64)
            sources = frozenset(source_of(t) for t in gold)
            if sources not in cut:
                cut[sources] = memory.without(lambda row, s=sources: any(source_of(t) in s for t in row))
            traced = cut[sources].features(np.asarray(qvec, dtype=np.float32), names, exclude=key)
            unseen = seen.copy()
            for i, f in enumerate(traced):
                unseen[i, len(RERANK_FEATURES):] = [f[k] for k in RAW_TRACE]
            out.append(_Request(names, seen, unseen, set(gold)))
    finally:
        memory.floor = floor
    return out


def _at(x: Array, floor: float) -> Array:
    """Feature rows (:data:`RERANK_FEATURES`) of raw rows under ``floor``."""
    out = x[:, : len(RERANK_FEATURES)].copy()
    out[:, _MEM] = [gate(s, floor) for s in x[:, _SIM]]
    out[:, _PRIOR] = x[:, _RAWP] * np.asarray([gate(t, floor) for t in x[:, _TOP]])
    return out


def _mrr(reqs: Sequence[_Request], weights: dict[str, float] | None, floor: float, unseen: bool) -> float:
    """Mean reciprocal rank of gold tools within the candidates (absent gold counts 0)."""
    total = 0.0
    for r in reqs:
        if weights is None:
            order = r.names
        else:
            x = _at(r.unseen if unseen else r.seen, floor)
            scores = [rerank_score(dict(zip(RERANK_FEATURES, row, strict=True)), weights) for row in x.tolist()]
            order = [n for _, n in sorted(zip(scores, r.names, strict=True), key=lambda p: (-p[0], p[1]))]
        rank = {n: i for i, n in enumerate(order)}
        total += sum(1.0 / (1 + rank[g]) for g in r.gold if g in rank) / len(r.gold)
    return total / max(len(reqs), 1)


def _fit(reqs: Sequence[_Request], floor: float, l2: float) -> dict[str, float]:
    useful = [r for r in reqs if any(n in r.gold for n in r.names)]
    x = np.concatenate([_at(r.seen, floor) for r in useful] + [_at(r.unseen, floor) for r in useful])
    ys = [np.asarray([1.0 if n in r.gold else 0.0 for n in r.names]) for r in useful]
    y = np.concatenate(ys + ys)
    return fit_logistic(x, y, None, names=RERANK_FEATURES, l2=l2, steps=3000, lr=1.0)


def _has_gold(reqs: Sequence[_Request]) -> bool:
    return any(any(n in r.gold for n in r.names) for r in reqs)


def fit_reranker(
    router: Router,
    train: Sequence[tuple[Query, Sequence[str]]],
    dev: Sequence[tuple[Query, Sequence[str]]],
    *,
    l2: float | None = None,
    floor: float | None = None,
) -> dict[str, float]:
    """Fit (or leave off) the re-ranker; returns what was chosen (``rerank_on``, ``rerank_l2``,
    ``rerank_floor``, dev MRRs seen and as an unseen source, with and without the re-ranker).

    With ``l2`` given, nothing is chosen: one fit on ``train`` + ``dev`` with that strength and ``floor``
    (default 0).
    """
    router.config.rerank_weights = None
    router.memory = None
    if l2 is not None:
        chosen = 0.0 if floor is None else floor
        _add_memory(router, [*train, *dev], chosen)
        reqs = _requests(router, [*train, *dev])
        if not _has_gold(reqs):
            return {"rerank_on": 0.0}
        router.config.rerank_weights = _fit(reqs, chosen, l2)
        return {"rerank_on": 1.0, "rerank_l2": l2, "rerank_floor": chosen}
    if not train:
        return {"rerank_on": 0.0}
    _add_memory(router, train)
    train_reqs = _requests(router, train)
    tune = _requests(router, dev) if dev else train_reqs
    if not _has_gold(train_reqs):
        return {"rerank_on": 0.0}
    base = _mrr(tune, None, 0.0, False)
    out = {"rerank_on": 0.0, "rerank_dev_mrr_base": base}
    best: tuple[float, float, float, dict[str, float]] | None = None
    best_total = 2 * base
    for fl in FLOOR_GRID:
        for l2_ in L2_GRID:
            w = _fit(train_reqs, fl, l2_)
            seen, unseen = _mrr(tune, w, fl, False), _mrr(tune, w, fl, True)
            if unseen >= base - UNSEEN_SLACK and seen + unseen > best_total + 1e-9:
                best, best_total = (fl, l2_, seen, w), seen + unseen
                out.update({"rerank_dev_mrr": seen, "rerank_dev_mrr_unseen": unseen})
    if best is None:
        return out  # the memory stays: it costs nothing while the re-ranker is off
    fl, l2_, _, w = best
    assert router.memory is not None
    router.memory.floor = fl
    if dev:
        _add_memory(router, dev)
        w = _fit(_requests(router, [*train, *dev]), fl, l2_)
    router.config.rerank_weights = w
    out.update({"rerank_on": 1.0, "rerank_l2": l2_, "rerank_floor": fl})
    return out
