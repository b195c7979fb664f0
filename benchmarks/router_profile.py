"""Where a route's CPU goes, step by step, at a large registry; and whether plans match another checkout's.

The registry and requests are ``router_latency.py``'s (the generated set's tools
plus noisy copies up to ``--tools``; foreign requests, then generated ones, here
shuffled so a subset mixes both). Each request is routed by the default router
(every request encoded afresh). The functions a route spends its time in are
wrapped with a timer of the routing thread's CPU (``time.thread_time``: waiting
for a core on a shared box does not count, cache misses do), summed per
request; the stages' wall times come from ``Router.route(..., stages=...)``.
``--encoded-once`` encodes each request once and reuses its vectors on later
passes, to time the other stages over many passes. Plans (ranked names and
scores, selection, abstention, confidence) go to ``--dump`` and are compared
with a dump from another checkout by ``--compare``: run from that checkout's
root (the script imports ``agentfn`` from the working directory first)::

    (cd /path/to/main && python /path/to/branch/benchmarks/router_profile.py --dump main.json)
    python benchmarks/router_profile.py --compare main.json

Writes benchmarks/results/router_profile.{json,md} (``--name`` another stem: a run on another checkout).
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())
sys.path.insert(1, str(Path(__file__).parent))
import agentfn  # the working directory's, bound before router_bench puts its own checkout first

RESULTS = Path(__file__).parent / "results"
STAGES = ("encode", "score", "rerank", "abstain", "select", "plan")
_spent: collections.defaultdict[str, float] = collections.defaultdict(float)


def _timed(owner: Any, attr: str, label: str) -> None:
    """Wrap ``owner.attr`` so each call adds its thread CPU time to ``label``."""
    inner = getattr(owner, attr)

    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            _spent[label] += time.thread_time() - start

    setattr(owner, attr, run)


def _wrap_all() -> None:
    import agentfn.router.blend as blend
    import agentfn.router.pipeline as pipeline
    import agentfn.router.router as router
    import agentfn.router.scoring as scoring

    _timed(router, "first_pass", "score: first pass (with encode)")
    _timed(pipeline, "request_vectors", "encode: request vectors")
    _timed(scoring.Scorer, "score_many", "score: score_many")
    _timed(blend, "dense_rows", "score: dense products")
    _timed(scoring, "dense_rows", "score: dense products")
    _timed(scoring, "blended_rows", "score: head blend")
    _timed(scoring.Scorer, "lexical_raw", "score: BM25")
    _timed(scoring.Scorer, "top", "score: top")
    _timed(scoring.Scorer, "fuse", "score: fuse")
    for name in ("segment", "server_boost", "mood_penalty"):
        _timed(pipeline, name, f"score: {name}")
    _timed(router.Router, "abstain_features", "abstain: features")
    _timed(router.RequestValues, "of", "abstain+select: request values")
    for name in ("select", "near_duplicate_head", "lift_pulled", "p_fits"):
        _timed(router, name, f"select: {name}" if name != "p_fits" else "abstain: p_fits")


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--passes", type=int, default=1)
    ap.add_argument("--encoded-once", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--compare")
    ap.add_argument("--name", default="router_profile", help="results file stem")
    args = ap.parse_args()

    import numpy as np
    from router_bench import scaled_tools  # pyright: ignore[reportMissingImports, reportUnknownVariableType]
    from threadpoolctl import threadpool_limits

    import agentfn.router.pipeline as pipeline
    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router

    threadpool_limits(1)  # as router_latency.py
    es = build_evalset(0)
    base = Router.build(es.tools)
    names = base.names()
    both = np.concatenate([base.index.live_vectors(names), base.index.live_heads(names)], axis=1)
    recs, both = scaled_tools([base.record(n) for n in names], both, args.tools, seed=args.tools)
    vecs, heads = (h / np.linalg.norm(h, axis=1, keepdims=True) for h in np.split(both, 2, axis=1))
    data = load_router_data()
    foreign = [e.text for e in data.examples() if e.source != "generated" and e.gold]
    requests = (foreign + [q.text for q in random.Random(0).sample(es.queries, 400)])[:400]
    random.Random(1).shuffle(requests)
    requests = requests[: args.requests]
    router = Router.build(recs, encoder=base.encoder, embeddings=vecs, head_embeddings=heads)
    router.query_cache_size = 0
    if args.encoded_once:
        fresh, seen = pipeline.request_vectors, {}

        def once(scorer: Any, text: str, steps: list[str], context: str) -> Any:
            key = (text, tuple(steps), context)
            if key not in seen:
                seen[key] = fresh(scorer, text, steps, context)
            return seen[key]

        pipeline.request_vectors = once
    for text in requests[:30]:  # warm: lazy per-registry tables
        router.route(text)
    _wrap_all()
    per: dict[str, list[float]] = collections.defaultdict(list)
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    plans: list[dict[str, Any]] = []
    load_start = list(os.getloadavg())
    for p in range(args.passes):
        for i, text in enumerate(requests):
            got: dict[str, float] = {}
            _spent.clear()
            plan = router.route(text, stages=got)
            for label in set(_spent) | set(per):
                per[label].append(_spent.get(label, 0.0) * 1e3)
            per["(requests seen)"].append(float(i))
            for s in STAGES:
                stages[s].append(got.get(s, 0.0))
            if p == 0:
                plans.append({"ranked": [[n, round(v, 5)] for n, v in plan.ranked], "selected": plan.selected,
                              "abstain": plan.abstain, "confidence": round(plan.confidence, 5)})
    per.pop("(requests seen)")
    out: dict[str, Any] = {
        "command": "python benchmarks/router_profile.py " + " ".join(sys.argv[1:]),
        "code": str(Path(agentfn.__file__).resolve().parents[1]),
        "tools": args.tools, "requests": len(requests), "passes": args.passes, "encoded_once": args.encoded_once,
        "load_avg_start": load_start, "load_avg_end": list(os.getloadavg()),
        "cpu_ms": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95), "mean": float(np.mean(v))} for k, v in sorted(per.items())},
        "stages_wall_ms": {k: {"p50": _pct(v, 50), "p95": _pct(v, 95)} for k, v in stages.items()},
    }
    if args.dump:
        Path(args.dump).write_text(json.dumps(plans))
    if args.compare:
        saved = json.loads(Path(args.compare).read_text())
        pairs = list(zip(saved, plans, strict=True))
        out["plans"] = {"compared": len(pairs), "identical": sum(a == b for a, b in pairs),
                        "same_names": sum([n for n, _ in a["ranked"]] == [n for n, _ in b["ranked"]]
                                          and a["selected"] == b["selected"] and a["abstain"] == b["abstain"]
                                          for a, b in pairs)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=1))
    (RESULTS / f"{args.name}.md").write_text(render_markdown(out))
    print(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    loads = " / ".join(", ".join(f"{x:.1f}" for x in data[k]) for k in ("load_avg_start", "load_avg_end"))
    lines = [
        "# Router CPU per step", "",
        f"Command: `{data['command']}` (agentfn from `{data.get('code', '?')}`). {data['tools']} tools, {data['requests']} requests x {data['passes']} "
        f"pass(es){', each encoded once' if data['encoded_once'] else ', each encoded afresh'}; load average "
        f"(1, 5, 15 min) at the start / end: {loads}. Routing-thread CPU per request (steps nest: "
        "`score_many` holds the dense products, the head blend, BM25 and fusion).", "",
        "| step | CPU p50 ms | p95 | mean |", "|---|---:|---:|---:|",
    ]
    lines += [f"| {k} | {v['p50']:.3f} | {v['p95']:.3f} | {v['mean']:.3f} |" for k, v in data["cpu_ms"].items()]
    lines += ["", "| stage | wall p50 ms | p95 |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['p50']:.2f} | {v['p95']:.2f} |" for k, v in data["stages_wall_ms"].items()]
    if "plans" in data:
        p = data["plans"]
        lines += ["", f"Plans against the saved ones: {p['identical']} of {p['compared']} identical (ranked names and "
                  f"scores to 5 decimals, selection, abstention, confidence); {p['same_names']} with the same names, "
                  "selection and abstention."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
