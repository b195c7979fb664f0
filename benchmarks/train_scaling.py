"""Router training cost at 1k / 5k / 20k traces: time per stage and peak memory, each size measured.

Each size runs in its own process (peak RSS is per process and covers data, mining and training).
Traces are chat fine-tuning JSONL records built from eval-set requests (gold tools called and
answered); the stages are the real ones of ``train_router``: loading runs, building examples, the
leak-free split, hard-negative mining with the base router, and encoder training. Training is timed
over ``--steps`` real optimiser steps (batch 32, 2 hard negatives) after a warm-up step, per size;
the epoch time is that per-step cost times the step count one epoch needs, and is marked projected.
Mining beyond ``--mining-sample`` examples is projected the same way (and marked).

    .venv/bin/python benchmarks/train_scaling.py [--sizes 1000 5000 20000] [--steps 3]

Writes benchmarks/results/train_scaling.json, then train_scaling.md rendered from it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
WORK = Path("/tmp/agentfn-train-scaling")


def _records(n: int) -> list[dict[str, object]]:
    from agentfn.evals.evalset import build_evalset

    es = build_evalset(0, n_single=int(n * 0.67), n_multi=int(n * 0.21), n_none=n - int(n * 0.67) - int(n * 0.21))
    out: list[dict[str, object]] = []
    for q in es.queries:
        msgs: list[dict[str, object]] = [{"role": "user", "content": q.text}]
        for i, name in enumerate(q.gold):
            msgs.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": "{}"}}]})
            msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": "ok"})
        msgs.append({"role": "assistant", "content": "done"})
        out.append({"messages": msgs})
    return out


BATCH_SIZE = 32
HARD_NEGATIVES = 2


def one(n: int, steps: int, mining_sample: int) -> dict[str, object]:
    from agentfn.router.encoder import default_model_dir
    from agentfn.router.router import Router
    from agentfn.train.data import examples_from_runs, load_runs, split_examples
    from agentfn.train.encoder import fit_encoder
    from agentfn.train.mining import mine_rows

    res: dict[str, object] = {"traces": n}
    path = WORK / f"traces-{n}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(n)))
    t = time.perf_counter()
    runs = load_runs(path)
    res["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    examples, _ = examples_from_runs(runs)
    split = split_examples(examples, seed=0)
    res["examples_split_s"] = time.perf_counter() - t
    trained = Path("/tmp/agentfn-train-router-bench/routers/versions/v0001")
    # Mining costs the same with any router over the same registry; reuse a saved one (no re-embedding).
    router = Router.load(WORK / "base-router" if (WORK / "base-router" / "router.json").exists() else trained)
    res["router_tools"] = len(router)
    train = [e for e in split.train if e.tools]
    sample = train[:mining_sample]
    t = time.perf_counter()
    rows = mine_rows(router, sample, negatives=HARD_NEGATIVES)
    mined_s = time.perf_counter() - t
    rows_total = int(len(rows) * len(train) / max(len(sample), 1))
    res.update(train_examples=len(train), rows=rows_total, mining_s=mined_s * len(train) / max(len(sample), 1),
               mining_sample=len(sample), mining_projected=len(train) > len(sample))
    stamps: list[float] = []
    fit_encoder(str(default_model_dir()), rows[: BATCH_SIZE * (steps + 1)], WORK / f"enc-{n}", epochs=1,
                batch_size=BATCH_SIZE, on_step=lambda s, tot, loss: stamps.append(time.perf_counter()))
    diffs = sorted(b - a for a, b in itertools.pairwise(stamps))
    per_step = diffs[len(diffs) // 2] if diffs else float("nan")
    steps_epoch = (rows_total + BATCH_SIZE - 1) // BATCH_SIZE
    res.update(per_step_s=per_step, steps_timed=len(diffs), steps_per_epoch=steps_epoch,
               epoch_s_projected=per_step * steps_epoch,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--steps", type=int, default=3, help="optimiser steps timed per size (after a warm-up step)")
    ap.add_argument("--one", type=int)
    ap.add_argument("--mining-sample", type=int, default=2000)
    ap.add_argument("--no-write", action="store_true", help="print the table, leave the committed results alone")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be at least 1: every size's training cost is measured")
    WORK.mkdir(exist_ok=True)
    if args.one:
        print(json.dumps(one(args.one, args.steps, args.mining_sample)))
        return
    trained = Path("/tmp/agentfn-train-router-bench/routers/versions/v0001")
    if not (WORK / "base-router" / "router.json").exists() and not (trained / "router.json").exists():
        from agentfn.evals.evalset import build_evalset
        from agentfn.router.router import Router

        Router.build(build_evalset(0).tools).save(WORK / "base-router")
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--steps", str(args.steps),
                              "--mining-sample", str(args.mining_sample)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    data = {
        "meta": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()[0],
                 "batch_size": BATCH_SIZE, "hard_negatives": HARD_NEGATIVES, "steps_timed": args.steps,
                 "mining_sample": args.mining_sample, "encoder": "all-MiniLM-L6-v2"},
        "rows": rows,
    }
    if args.no_write:
        print(render_markdown(data))
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_scaling.json").write_text(json.dumps(data, indent=1))
    (RESULTS / "train_scaling.md").write_text(render_markdown(data))
    print(render_markdown(data))


def render_markdown(data: dict[str, Any]) -> str:
    """``train_scaling.md`` from ``train_scaling.json`` (pure: every figure comes from ``data``)."""
    meta, rows = data["meta"], data["rows"]
    tools = sorted({r["router_tools"] for r in rows})
    lines = [
        f"# Router training cost vs trace count ({meta['cpus']} CPU cores)", "",
        "Per size, one process: load JSONL runs, examples + split, mining (base router, "
        f"{', '.join(str(t) for t in tools)} tools), encoder training ({meta['encoder']}, batch {meta['batch_size']}, "
        f"{meta['hard_negatives']} hard negatives). Command: `.venv/bin/python benchmarks/train_scaling.py`. "
        f"Python {meta['python']}; 1-minute load average at the end {meta['load_avg_at_end']:.1f} (other jobs "
        "running make times upper bounds).", "",
        "| traces | train examples | rows | load s | split s | mining s | mining | s/step (measured) | steps/epoch "
        "| epoch s (projected) | peak RSS MB (measured) |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        mining = f"projected from {r['mining_sample']} examples" if r["mining_projected"] else "measured"
        lines.append(
            f"| {r['traces']} | {r['train_examples']} | {r['rows']} | {r['load_s']:.1f} | {r['examples_split_s']:.2f} | "
            f"{r['mining_s']:.0f} | {mining} | {r['per_step_s']:.2f} | {r['steps_per_epoch']} | "
            f"{r['epoch_s_projected']:.0f} | {r['peak_rss_mb']:.0f} |")
    lines += [
        "",
        "s/step: median of the optimiser steps timed in that size's own process (after a warm-up step; "
        f"step intervals timed per size: {', '.join(str(r['steps_timed']) for r in rows)}; run with "
        f"`--steps {meta['steps_timed']}`). epoch s (projected) = s/step x steps/epoch. Peak RSS: the whole process "
        "(data, mining and the timed training steps).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
