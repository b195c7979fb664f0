"""What a model planner adds to routing, and what it costs (``agentfn eval router --planner model``).

``evaluate_planner(router, queries, planner)`` scores the plain router and the router followed by the
planner on the same requests, in one run, with :func:`agentfn.evals.evaluate` (recall@k, complete-set
hit@5, exact combination, abstention F1, latency per request), and adds the planner's own account:
how often its answer was used or fell back (and why), tokens per call, and the latency of the call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from agentfn.evals.evalset import EvalQuery, EvalSet
from agentfn.evals.evaluate import evaluate, percentiles
from agentfn.router.planner import ModelPlanner, PlannedRouter
from agentfn.router.router import Router

__all__ = ["COMPARED", "evaluate_planner"]

COMPARED = ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact", "selected_set", "abstain_f1")
"""The metrics reported side by side, router alone vs router + planner."""


def evaluate_planner(
    router: Router,
    evalset: EvalSet | Sequence[EvalQuery],
    planner: ModelPlanner,
    *,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score ``router`` alone and ``router`` + ``planner`` on the same requests.

    Returns ``{"router": metrics, "planned": metrics, "delta": {metric: planned - router},
    "latency_ratio_p50": planned p50 / router p50, "planner": {...}}`` where ``planner`` holds the
    counts of ``planned``/``fallback``/``skipped`` decisions (and of planned ones that chose no tool, ``abstained``), the most common fallback reasons, mean
    input/output tokens per model call and the p50/p95 latency of the calls.
    """
    plain = evaluate(router, evalset, limit=limit)
    planned_router = PlannedRouter(router, planner)
    try:
        planned = evaluate(planned_router, evalset, limit=limit)
    finally:
        planned_router.close()
    results = planned_router.results
    called = [r for r in results if r.status != "skipped" and not r.cached]
    statuses = Counter(r.status for r in results)
    reasons = Counter((r.reason or "").split(":")[0] for r in results if r.status == "fallback")
    n = max(len(called), 1)
    p50_plain = plain["latency"]["p50_ms"]
    return {
        "router": plain,
        "planned": planned,
        "delta": {key: planned[key] - plain[key] for key in COMPARED},
        "latency_ratio_p50": planned["latency"]["p50_ms"] / p50_plain if p50_plain else 0.0,
        "planner": {
            "model": planner.model.name,
            "k": planner.k,
            "calls": len(called),
            "planned": statuses.get("planned", 0),
            "fallback": statuses.get("fallback", 0),
            "skipped": statuses.get("skipped", 0),
            "abstained": sum(1 for r in results if r.status == "planned" and not r.chosen),
            "fallback_reasons": dict(reasons.most_common(5)),
            "input_tokens_mean": sum(r.usage.input_tokens for r in called) / n,
            "output_tokens_mean": sum(r.usage.output_tokens for r in called) / n,
            "latency": percentiles([r.latency_s for r in called]),
        },
    }
