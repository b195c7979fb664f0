"""Scores of a router on the foreign benchmark: per source and per split group, plus abstention.

Per group of requests (each routed against the whole registry):
``recall@1/5``: mean share of gold tools in the top 1/5; ``hit@5``: the whole
gold set in the top 5; ``multi_hit@5``: the same over multi-step requests only;
``chain_exact``: over multi-step requests, ``selected`` equals the gold chain
(same tools, same order); ``selected_exact``: the same over all requests;
``false_abstain``: share of requests (all have gold tools) the router
abstained on; latency p50/p95 of ``route``.

Abstention (each item routed against only the few tools it was offered):
precision/recall/F1 with "abstain" as the positive class.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from agentfn.evals.evaluate import RankerLike, percentiles
from agentfn.evals.router_data.dataset import RouterData
from agentfn.evals.router_data.records import AbstainItem, RouterExample

__all__ = ["GROUPS", "abstain_scores", "memo_encoder", "route_all", "score_examples", "score_foreign"]

GROUPS: dict[str, tuple[str, ...]] = {
    "seen-source test": ("test",),
    "unseen-tool": ("unseen-tool",),
    "unseen-source": ("unseen-source",),
    "dev": ("dev",),
}


def route_all(router: RankerLike, examples: Sequence[RouterExample], k: int = 10) -> tuple[list[Any], list[float]]:
    plans: list[Any] = []
    lat: list[float] = []
    for e in examples:
        start = time.perf_counter()
        plans.append(router.route(e.text, k=k))
        lat.append(time.perf_counter() - start)
    return plans, lat


def score_examples(examples: Sequence[RouterExample], plans: Sequence[Any], latencies: Sequence[float]) -> dict[str, Any]:
    n = len(examples)
    if n == 0:
        return {"requests": 0}
    r1 = r5 = hit5 = exact = abstained = 0.0
    multi_hit: list[float] = []
    chain: list[float] = []
    for e, plan in zip(examples, plans, strict=True):
        names = [name for name, _ in plan.ranked]
        gold = set(e.gold)
        r1 += len(gold & set(names[:1])) / len(gold)
        r5 += len(gold & set(names[:5])) / len(gold)
        hit = float(gold <= set(names[:5]))
        hit5 += hit
        same = float(list(plan.selected) == list(e.gold))
        exact += same
        abstained += float(bool(plan.abstain))
        if e.kind == "multi":
            multi_hit.append(hit)
            chain.append(same)
    lat = percentiles(latencies)
    return {
        "requests": n,
        "multi": len(multi_hit),
        "recall@1": r1 / n,
        "recall@5": r5 / n,
        "hit@5": hit5 / n,
        "multi_hit@5": float(np.mean(multi_hit)) if multi_hit else None,
        "chain_exact": float(np.mean(chain)) if chain else None,
        "selected_exact": exact / n,
        "false_abstain": abstained / n,
        "p50_ms": lat["p50_ms"],
        "p95_ms": lat["p95_ms"],
    }


def score_foreign(
    router: RankerLike, data: RouterData, *, foreign_only: bool = False, progress: Callable[[str], None] | None = None,
    splits: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Route every request once; scores per source, per split group, and over all foreign requests.

    ``splits`` keeps only requests of those splits (e.g. the held-out ones, after training on the rest).
    """
    keep = None if splits is None else set(splits)
    examples = [e for e in data.examples() if e.gold and (not foreign_only or e.source != "generated")
                and (keep is None or e.split in keep)]
    plans, lat = route_all(router, examples)
    if progress is not None:
        progress(f"routed {len(examples)} requests")
    by_id = {e.id: i for i, e in enumerate(examples)}

    def group(pred: Callable[[RouterExample], bool]) -> dict[str, Any]:
        idx = [by_id[e.id] for e in examples if pred(e)]
        return score_examples([examples[i] for i in idx], [plans[i] for i in idx], [lat[i] for i in idx])

    sources = sorted({e.source for e in examples}, key=[s.name for s in data.sources].index)
    return {
        "per_source": {s: group(lambda e, s=s: e.source == s) for s in sources},
        "per_group_foreign": {g: group(lambda e, sp=sp: e.split in sp and e.source != "generated")
                              for g, sp in GROUPS.items()},
        "all_foreign": group(lambda e: e.source != "generated"),
        "generated_test": group(lambda e: e.source == "generated" and e.split in ("test", "unseen-tool")),
    }


def abstain_scores(items: Sequence[AbstainItem], decisions: Iterable[bool]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    for item, abstain in zip(items, decisions, strict=True):
        if abstain and item.should_abstain:
            tp += 1
        elif abstain:
            fp += 1
        elif item.should_abstain:
            fn += 1
        else:
            tn += 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"items": len(items), "should_abstain": tp + fn, "precision": prec, "recall": rec,
            "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "tn": tn}


class _MemoEncoder:
    """An encoder that remembers every text it encoded (the calibration probes repeat per small router)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.memo: dict[str, Any] = {}

    @property
    def spec(self) -> str:
        return str(self.inner.spec)

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            for text, vec in zip(missing, self.inner.encode(missing, batch_size=batch_size), strict=True):
                self.memo[text] = vec
        if not texts:
            return self.inner.encode([], batch_size=batch_size)
        return np.stack([self.memo[t] for t in texts])


class _PoolingMemoEncoder(_MemoEncoder):
    """A memo encoder whose request passes go to the wrapped encoder's own ``encode_pooled``, so the
    abstention routers encode requests as routing does (steps and bare text pooled from one pass)."""

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        return self.inner.encode_pooled(texts, groups)


def router_abstentions(router: Any, data: RouterData, items: Sequence[AbstainItem]) -> list[bool]:
    """For each item, whether a router with ``router``'s encoder and settings, over only the offered tools, abstains."""
    from agentfn.router.router import Router
    from agentfn.router.text import dense_text

    recs = {r.name: r for r in data.records()}
    needed = sorted({n for it in items for n in it.offered})
    slot = {n: i for i, n in enumerate(needed)}
    encoder = None if router.encoder is None else memo_encoder(router.encoder)
    vecs = encoder.encode([dense_text(recs[n]) for n in needed]) if encoder is not None and needed else None
    out: list[bool] = []
    for it in items:
        sub = Router.build([recs[n] for n in it.offered], encoder=encoder, config=router.config.model_copy(deep=True),
                           embeddings=None if vecs is None else vecs[[slot[n] for n in it.offered]])
        out.append(bool(sub.route(it.text, k=len(it.offered)).abstain))
    return out


def memo_encoder(encoder: Any) -> Any:
    """``encoder`` remembering every text it encodes, its request passes (``encode_pooled``, where it has one) going
    to ``encoder`` itself: many small routers over the same tools encode each tool text once, and requests as
    routing does."""
    return (_PoolingMemoEncoder if hasattr(encoder, "encode_pooled") else _MemoEncoder)(encoder)
