"""Fitting the re-ranker (:mod:`agentfn.router.rerank`) from traced requests.

1. The trace memory holds the training requests (their vectors and tools).
2. Every training request's top ``rerank_depth`` candidates become rows
   (gold tools positive, the rest negative: the router's own near misses,
   near-duplicate tools included, are the hard negatives); the ``memory``
   signal of a request leaves its own traces out, as it would be for a new
   request; for half of the requests the gold tools' ``memory`` and ``prior``
   read 0, as for a tool no trace used (what the model learns must carry over
   to new tools and sources).
3. A class-balanced logistic model is fitted per L2 strength; the strength
   that ranks the dev requests best (mean reciprocal rank of their gold
   tools) wins, and only if it beats the router without the re-ranker on dev.
4. Settings chosen, the memory takes the dev requests too and the model is
   refitted on train + dev.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentfn.router.logistic import fit_logistic
from agentfn.router.rerank import RERANK_FEATURES, TraceMemory, request_key, rerank_score

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["fit_reranker"]

Query = str | Sequence[Any]
L2_GRID = (1e-4, 1e-3, 1e-2)


def _texts(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> list[str]:
    return [router.query_parts(q)[0] for q, _ in pairs]


def _add_memory(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> None:
    enc = router.encoder
    if enc is None or not pairs:
        return
    texts = _texts(router, pairs)
    if router.memory is None:
        router.memory = TraceMemory(enc.dim)
    router.memory.add(enc.encode(texts), [list(t) for _, t in pairs], texts)


def _hidden(key: str) -> bool:
    """Whether a fitting request plays one whose tools no trace used (half of them, by a hash of its text)."""
    return zlib.crc32(key.encode()) % 2 == 1


def _rows(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> list[tuple[list[str], npt.NDArray[np.float64], set[str]]]:
    """Per request: candidate names (base order), their feature rows, and the gold set.

    For half of the requests (:func:`_hidden`) the gold tools' ``memory`` and
    ``prior`` read 0, as they do for a tool of a source no trace came from:
    otherwise every gold tool in the rows has traces, and the model learns that
    an untraced tool never fits, which pushes new tools and sources down.
    """
    out: list[tuple[list[str], npt.NDArray[np.float64], set[str]]] = []
    depth = router.config.rerank_depth
    for (q, gold), text in zip(pairs, _texts(router, pairs), strict=True):
        key = request_key(text)
        cands = router.candidate_features(q, depth=depth, exclude=key)
        if not cands:
            continue
        hide = _hidden(key)
        rows: list[list[float]] = []
        for name, f in cands:
            if hide and name in gold:
                f = {**f, "memory": 0.0, "prior": 0.0}
            rows.append([f[k] for k in RERANK_FEATURES])
        out.append(([n for n, _ in cands], np.asarray(rows, dtype=np.float64), set(gold)))
    return out


def _mrr(rows: Sequence[tuple[list[str], npt.NDArray[np.float64], set[str]]], weights: dict[str, float] | None) -> float:
    """Mean reciprocal rank of gold tools within the candidates (absent gold counts 0)."""
    total = 0.0
    for names, x, gold in rows:
        if weights is None:
            order = names
        else:
            scores = [rerank_score(dict(zip(RERANK_FEATURES, row, strict=True)), weights) for row in x.tolist()]
            order = [n for _, n in sorted(zip(scores, names, strict=True), key=lambda p: -p[0])]
        rank = {n: i for i, n in enumerate(order)}
        total += sum(1.0 / (1 + rank[g]) for g in gold if g in rank) / len(gold)
    return total / max(len(rows), 1)


def _fit(rows: Sequence[tuple[list[str], npt.NDArray[np.float64], set[str]]], l2: float) -> dict[str, float]:
    xs = [x for _, x, _ in rows]
    ys = [np.asarray([1.0 if n in gold else 0.0 for n in names]) for names, _, gold in rows]
    useful = [i for i, y in enumerate(ys) if y.any()]
    x = np.concatenate([xs[i] for i in useful])
    y = np.concatenate([ys[i] for i in useful])
    return fit_logistic(x, y, None, names=RERANK_FEATURES, l2=l2, steps=3000, lr=1.0)


def fit_reranker(
    router: Router,
    train: Sequence[tuple[Query, Sequence[str]]],
    dev: Sequence[tuple[Query, Sequence[str]]],
    *,
    l2: float | None = None,
) -> dict[str, float]:
    """Fit (or leave off) the re-ranker; returns what was chosen (``rerank_on``, ``rerank_l2``, dev MRRs).

    With ``l2`` given, nothing is chosen: one fit on ``train`` + ``dev`` with that strength.
    """
    router.config.rerank_weights = None
    router.memory = None
    if l2 is not None:
        everything = [*train, *dev]
        _add_memory(router, everything)
        rows = _rows(router, everything)
        if not any(any(n in g for n in names) for names, _, g in rows):
            return {"rerank_on": 0.0}
        router.config.rerank_weights = _fit(rows, l2)
        return {"rerank_on": 1.0, "rerank_l2": l2}
    if not train:
        return {"rerank_on": 0.0}
    _add_memory(router, train)
    train_rows = _rows(router, train)
    tune_rows = _rows(router, dev) if dev else train_rows
    if not any(any(n in g for n in names) for names, _, g in train_rows):
        return {"rerank_on": 0.0}
    base = _mrr(tune_rows, None)
    best_l2, best_w, best = L2_GRID[0], None, base
    for l2 in L2_GRID:
        w = _fit(train_rows, l2)
        m = _mrr(tune_rows, w)
        if m > best + 1e-9:
            best_l2, best_w, best = l2, w, m
    out = {"rerank_on": float(best_w is not None), "rerank_dev_mrr_base": base, "rerank_dev_mrr": best}
    if best_w is None:
        return out  # the memory stays: it costs nothing while the re-ranker is off
    if dev:
        _add_memory(router, dev)
        best_w = _fit(_rows(router, [*train, *dev]), best_l2)
    router.config.rerank_weights = best_w
    out["rerank_l2"] = best_l2
    return out
