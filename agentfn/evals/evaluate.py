"""Routing metrics: recall@k, complete-set hit, combination accuracy, abstention, latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from agentfn.evals.evalset import EvalQuery, EvalSet

__all__ = ["RankerLike", "evaluate", "percentiles"]


class RankerLike(Protocol):
    """Anything with the router's ``route`` (baselines in benchmarks implement it too)."""

    def route(self, query: Any, k: int = 10) -> Any: ...


def percentiles(values_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (and mean) in milliseconds."""
    if not values_s:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0}
    arr = np.asarray(values_s, dtype=np.float64) * 1e3
    return {
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "p99_ms": float(np.percentile(arr, 99)),
        "mean_ms": float(arr.mean()),
    }


def evaluate(
    router: RankerLike,
    evalset: EvalSet | Sequence[EvalQuery],
    *,
    k: int = 10,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Route every request of ``evalset`` and score the plans.

    Metrics (requests with a gold set unless noted):
        recall@1/5/10: mean fraction of gold tools in the top 1/5/10 of ``ranked``.
        complete_hit@5: fraction whose whole gold set is in the top 5.
        selected_exact: ``selected`` equals the gold list (same tools, same order).
        selected_set: ``selected`` has the same tools in any order.
        abstain_precision/recall/f1: "abstain" as the positive class, over all requests.
        latency: p50/p95/p99 of ``route`` wall time, in milliseconds.
    """
    queries = list(evalset.queries if isinstance(evalset, EvalSet) else evalset)
    if limit is not None:
        queries = queries[:limit]
    rec = {1: 0.0, 5: 0.0, 10: 0.0}
    complete5 = exact = as_set = 0
    tp = fp = fn = 0
    n_pos = 0
    by_kind: dict[str, list[float]] = {"single": [], "multi": []}
    latencies: list[float] = []
    for i, q in enumerate(queries):
        start = time.perf_counter()
        plan = router.route(q.text, k=max(k, 10))
        latencies.append(time.perf_counter() - start)
        names = [n for n, _ in plan.ranked]
        if plan.abstain and not q.gold:
            tp += 1
        elif plan.abstain:
            fp += 1
        elif not q.gold:
            fn += 1
        if q.gold:
            n_pos += 1
            gold = set(q.gold)
            for cut in rec:
                rec[cut] += len(gold & set(names[:cut])) / len(gold)
            hit5 = gold <= set(names[:5])
            complete5 += hit5
            by_kind.setdefault(q.kind, []).append(float(hit5))
            exact += list(plan.selected) == list(q.gold)
            as_set += set(plan.selected) == gold
        if progress is not None:
            progress(i + 1, len(queries))
    prec = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    pos = max(n_pos, 1)
    return {
        "queries": len(queries),
        "with_gold": n_pos,
        "recall@1": rec[1] / pos,
        "recall@5": rec[5] / pos,
        "recall@10": rec[10] / pos,
        "complete_hit@5": complete5 / pos,
        "complete_hit@5_single": float(np.mean(by_kind["single"])) if by_kind["single"] else 0.0,
        "complete_hit@5_multi": float(np.mean(by_kind["multi"])) if by_kind["multi"] else 0.0,
        "selected_exact": exact / pos,
        "selected_set": as_set / pos,
        "abstain_precision": prec,
        "abstain_recall": recall,
        "abstain_f1": 2 * prec * recall / (prec + recall) if prec + recall else 0.0,
        "latency": percentiles(latencies),
    }
