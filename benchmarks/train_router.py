"""Router training on the project's own evaluation set: held-out metrics before/after.

Traces are generated through the real agent loop: for every eval-set request a
real Agent runs with a scripted model that calls the gold tools (10 % of runs
first call a wrong tool that fails), recorded by a real TraceRecorder into a
SQLite store. ``train_router`` then splits the runs (by run, duplicates grouped),
trains on the train split, fits fusion/threshold on dev and evaluates base and
trained routers on the same held-out split.

    .venv/bin/python benchmarks/train_router.py [--epochs 1] [--seed 0] [--out DIR]

Writes benchmarks/results/train_router.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
KEYS = ("recall@1", "recall@5", "recall@10", "complete_hit@5", "complete_hit@5_single", "complete_hit@5_multi",
        "selected_exact", "abstain_precision", "abstain_recall", "abstain_f1")
WRONG_FIRST = 0.1  # share of recorded runs that first call a wrong tool (which fails)
HARD_NEGATIVES = 2
BATCH_SIZE = 32


def main() -> None:
    from agentfn.router.evalset import build_evalset
    from agentfn.traces import TraceStore
    from agentfn.train.router import train_router
    from agentfn.train.synthetic import record_scripted_runs

    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--out", type=Path, default=Path("/tmp/agentfn-train-router-bench"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    evalset = build_evalset(args.seed)
    db = args.out / "traces.db"
    t0 = time.perf_counter()
    if not db.exists():
        store = TraceStore.open(db)
        record_scripted_runs(store, evalset.queries, evalset.tool_specs(), wrong_first=WRONG_FIRST, seed=args.seed)
        store.close()
    record_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = train_router(str(db), evalset.tools, args.out / "routers", epochs=args.epochs, seed=args.seed,
                          lr=args.lr, batch_size=BATCH_SIZE, hard_negatives=HARD_NEGATIVES, promote=True,
                          progress=True)
    train_s = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = {"evalset": evalset.stats(), "record_s": record_s, "train_total_s": train_s, "peak_rss_mb": peak_mb,
               "epochs": args.epochs, "seed": args.seed, "lr": args.lr, "wrong_first": WRONG_FIRST,
               "hard_negatives": HARD_NEGATIVES, "batch_size": BATCH_SIZE, "python": platform.python_version(),
               "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()[0], **result.metrics}
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(summary, indent=1, default=str)
    (RESULTS / "train_router.json").write_text(text)
    (RESULTS / "train_router.md").write_text(render_markdown(json.loads(text)))
    print(render_markdown(json.loads(text)))


def render_markdown(s: dict[str, Any]) -> str:
    """``train_router.md`` from ``train_router.json`` (pure: every figure comes from ``s``)."""
    es = s["evalset"]
    lines = [
        "# Router training on generated traces (held-out split)", "",
        f"Eval set seed {s['seed']}: {es['tools']} tools, {es['queries']} requests "
        f"(single/multi/none {es['single']}/{es['multi']}/{es['none']}); "
        f"one traced run per request through the real Agent + TraceRecorder + SQLite store "
        f"(scripted model calling the gold tools; {s['wrong_first'] * 100:.0f} % of runs first call a wrong tool "
        "that fails).", "",
        f"Split by run with normalised duplicates grouped: {s['data']['split']}. "
        f"Base: cold-start hybrid router (BM25 + all-MiniLM-L6-v2). Trained: encoder fine-tuned "
        f"({s['epochs']} epoch(s), MultipleNegativesRankingLoss, batch {s['batch_size']}, {s['hard_negatives']} "
        f"mined hard negatives, lr {s['lr']}), "
        f"fusion weight and abstention threshold fitted on dev, co-usage from train+dev.", "",
        "| metric (held-out) | before | after | change |", "|---|---:|---:|---:|",
    ]
    for k in KEYS:
        b, a = float(s["before"][k]), float(s["after"][k])
        lines.append(f"| {k} | {b:.3f} | {a:.3f} | {a - b:+.3f} |")
    lines += [
        f"| latency p50 (ms) | {s['before']['latency']['p50_ms']:.2f} | {s['after']['latency']['p50_ms']:.2f} | |", "",
        f"Training: {s['training']}; fitted: {s['fitted']}.", "",
        f"Time: recording {s['record_s']:.0f} s, training + both evaluations {s['train_total_s']:.0f} s; peak RSS "
        f"{s['peak_rss_mb']:.0f} MB.",
    ]
    if "load_avg_at_end" in s:
        lines.append(f"Machine: {s['cpus']} cores, 1-minute load average at the end {s['load_avg_at_end']:.1f}; "
                     "with other jobs running, times are upper bounds.")
    lines += [
        "See train_scaling.md for per-step costs. The latency row reflects CPU contention at the moment each "
        "evaluation ran (see router.md for the router's own latency benchmark).", "",
        "Caveat: held-out requests are new fillings of the same request templates as training requests "
        "(different text, same phrasing patterns), as real traces of recurring tasks would be.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
