"""Training rows of the re-ranker: per traced request, its candidates' features under chosen trace memories.

A :class:`RequestRows` holds one request's top candidates (in the router's
cold-start order) and, per *view* of the traces, their raw feature rows
(:data:`COLS`: the re-ranker's features plus the ungated trace inputs) and
which candidates' families those traces used. Views:

* ``seen``: the memory of every training request (the request's own rows left out);
* ``unseen``: the memory without every trace of the gold tools' families, as a
  request of a source no trace came from meets it;
* ``lofo``: the memory without every trace of the request's own source
  (leave-one-source-out; set by :func:`add_view`).

:func:`mrr` scores any view under a weight set, floor and gate
(:mod:`agentfn.router.rerank_gate`); :func:`fit_rows` fits weights. Both are
pure functions of the rows: choosing settings never re-runs the router.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentfn.router.logistic import fit_logistic
from agentfn.router.rerank import (
    FEATURE_SETS,
    RAW_TRACE,
    RERANK_FEATURES,
    TraceMemory,
    gate,
    request_key,
    rerank_score,
)
from agentfn.router.rerank_gate import family_of, gated_order

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["COLS", "HARD_MARGIN", "Query", "RequestRows", "add_view", "fit_rows", "memory_of", "mrr", "remember",
           "request_rows", "texts_of"]

Query = str | Sequence[Any]
Array = npt.NDArray[np.float64]
COLS = (*RERANK_FEATURES, *RAW_TRACE)
HARD_MARGIN = 0.05
"""A negative whose cold-start score is within this of a gold tool's is a near-duplicate (a hard negative)."""
_MEM, _PRIOR, _SCORE, _CENT, _VOTE, _WORDS, _FAM = (
    RERANK_FEATURES.index(k) for k in ("memory", "prior", "score", "centroid", "vote", "words", "family"))
_SIM, _TOP, _RAWP, _MEAN, _RAWV, _RAWW, _RAWF = (len(RERANK_FEATURES) + RAW_TRACE.index(k) for k in RAW_TRACE)


@dataclass
class RequestRows:
    """One request's candidates in cold-start order, with raw rows and traced flags per view."""

    names: list[str]
    gold: set[str]
    key: str
    source: str
    qvec: npt.NDArray[np.float32]
    text: str = ""
    """The request (what the ``words`` vote reads)."""
    rows: dict[str, Array] = field(default_factory=dict[str, Array])
    traced: dict[str, list[bool]] = field(default_factory=dict[str, list[bool]])

    @property
    def useful(self) -> bool:
        return any(n in self.gold for n in self.names)


def texts_of(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> list[str]:
    return [router.query_parts(q)[0] for q, _ in pairs]


def memory_of(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]], floor: float = 0.0) -> TraceMemory | None:
    """A trace memory of ``pairs`` under the router's encoder (None without an encoder)."""
    enc = router.encoder
    if enc is None:
        return None
    mem = TraceMemory(enc.dim, floor)
    if pairs:
        texts = texts_of(router, pairs)
        mem.add(enc.encode(texts), [list(t) for _, t in pairs], texts)
    return mem


def remember(router: Router, pairs: Sequence[tuple[Query, Sequence[str]]]) -> int:
    """Add ``pairs`` to the router's trace memory (none: nothing happens); returns the rows added."""
    extra = memory_of(router, pairs) if router.memory is not None else None
    if router.memory is None or extra is None or not len(extra):
        return 0
    router.memory.add(extra.vectors, extra.tools, extra.texts)
    return len(extra)


def _raw(mem: TraceMemory, r: RequestRows, base: Array) -> Array:
    out = base.copy()
    for i, f in enumerate(mem.features(np.asarray(r.qvec, dtype=np.float32), r.names, exclude=r.key, text=r.text)):
        out[i, len(RERANK_FEATURES):] = [f[k] for k in RAW_TRACE]
    return out


def add_view(r: RequestRows, view: str, mem: TraceMemory) -> None:
    """Set ``view`` of ``r`` from ``mem`` (trace inputs re-read; the other features are the ``seen`` ones)."""
    r.rows[view] = _raw(mem, r, r.rows["seen"])
    r.traced[view] = mem.traced(r.names)


def request_rows(
    router: Router, pairs: Sequence[tuple[Query, Sequence[str]]], sources: Sequence[str] | None = None
) -> list[RequestRows]:
    """``seen`` and ``unseen`` rows per request of ``pairs`` against the router's memory (its floor read as 0)."""
    memory, enc = router.memory, router.encoder
    out: list[RequestRows] = []
    if memory is None or enc is None or not pairs:
        return out
    floor, memory.floor = memory.floor, 0.0
    cut: dict[frozenset[str], TraceMemory] = {}
    texts = texts_of(router, pairs)
    try:
        qvecs = enc.encode(texts)
        for i, ((q, gold), text) in enumerate(zip(pairs, texts, strict=True)):
            key = request_key(text)
            cands = router.candidate_features(q, depth=router.config.rerank_depth, exclude=key)
            if not cands:
                continue
            names = [n for n, _ in cands]
            seen = np.asarray([[f.get(k, 0.0) for k in COLS] for _, f in cands], dtype=np.float64)
            src = sources[i] if sources is not None else family_of(gold[0]) if gold else ""
            r = RequestRows(names, set(gold), key, src, np.asarray(qvecs[i], dtype=np.float32), text)
            r.rows["seen"], r.traced["seen"] = seen, memory.traced(names)
            fams = frozenset(family_of(t) for t in gold)
            if fams not in cut:
                cut[fams] = memory.without(lambda row, s=fams: any(family_of(t) in s for t in row))
            add_view(r, "unseen", cut[fams])
            out.append(r)
    finally:
        memory.floor = floor
    return out


def at_floor(x: Array, floor: float) -> Array:
    """Feature rows (:data:`RERANK_FEATURES`) of raw rows under ``floor``."""
    out = x[:, : len(RERANK_FEATURES)].copy()
    out[:, _MEM] = [gate(s, floor) for s in x[:, _SIM]]
    near = np.asarray([gate(t, floor) for t in x[:, _TOP]])
    out[:, _PRIOR] = x[:, _RAWP] * near
    out[:, _CENT] = [gate(m, floor) for m in x[:, _MEAN]]
    out[:, _VOTE] = x[:, _RAWV] * near
    out[:, _WORDS] = np.where(near > 0.0, x[:, _RAWW], 0.0)
    out[:, _FAM] = np.where(near > 0.0, x[:, _RAWF], 0.0)
    return out


def mrr(reqs: Iterable[RequestRows], weights: dict[str, float] | None, floor: float, view: str, gate_: str) -> float:
    """Mean reciprocal rank of gold tools within the candidates (absent gold counts 0); None weights: cold start."""
    total, n = 0.0, 0
    for r in reqs:
        n += 1
        if weights is None:
            order = r.names
        else:
            x = at_floor(r.rows[view], floor)
            scores = [rerank_score(dict(zip(RERANK_FEATURES, row, strict=True)), weights) for row in x.tolist()]
            order = [r.names[i] for i in gated_order(scores, r.traced[view], gate_)]
        rank = {name: i for i, name in enumerate(order)}
        total += sum(1.0 / (1 + rank[g]) for g in r.gold if g in rank) / len(r.gold)
    return total / max(n, 1)


def _hard(r: RequestRows, x: Array, weight: float) -> Array:
    """Row weights: ``weight`` for negatives within :data:`HARD_MARGIN` of a gold tool's cold-start score."""
    gold = [x[i, _SCORE] for i, n in enumerate(r.names) if n in r.gold]
    out = np.ones(len(r.names))
    for i, n in enumerate(r.names):
        if n not in r.gold and any(abs(x[i, _SCORE] - g) <= HARD_MARGIN for g in gold):
            out[i] = weight
    return out


def fit_rows(
    reqs: Sequence[RequestRows], floor: float, l2: float, hard: float = 1.0, features: str = "full"
) -> dict[str, float]:
    """Weights fitted on the ``seen`` and ``unseen`` rows of ``reqs`` (hard negatives weighed ``hard``), over the
    columns of ``features`` (a :data:`~agentfn.router.rerank.FEATURE_SETS` name; ``boost``: weights kept >= 0)."""
    useful = [r for r in reqs if r.useful]
    if not useful:
        return {}
    names = FEATURE_SETS[features]
    cols = [RERANK_FEATURES.index(k) for k in names]
    xs = [at_floor(r.rows[v], floor)[:, cols] for v in ("seen", "unseen") for r in useful]
    ys = [np.asarray([1.0 if n in r.gold else 0.0 for n in r.names]) for _ in range(2) for r in useful]
    ws = [_hard(r, r.rows[v], hard) for v in ("seen", "unseen") for r in useful]
    return fit_logistic(np.concatenate(xs), np.concatenate(ys), None, names=names, l2=l2, steps=3000,
                        lr=1.0, sample_weight=np.concatenate(ws), nonneg=features == "boost")
