"""Router training cost at 1k / 5k / 20k traces: time per stage and peak memory.

Each size runs in its own process (peak RSS is per process). Traces are chat
fine-tuning JSONL records built from eval-set requests (gold tools called and
answered); the stages are the real ones of ``train_router``: loading runs,
building examples, the leak-free split, hard-negative mining with the base
router, and encoder training. Training is timed over a few real optimiser steps
(batch 32, 2 hard negatives) after a warm-up step and extrapolated to the step
count one epoch needs; mining beyond 2,000 examples is extrapolated the same
way. Extrapolated figures are marked.

    .venv/bin/python benchmarks/train_scaling.py [--sizes 1000 5000 20000] [--steps 3]

Writes benchmarks/results/train_scaling.{md,json}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
WORK = Path("/tmp/agentfn-train-scaling")


def _records(n: int) -> list[dict[str, object]]:
    from agentfn.router.evalset import build_evalset

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
    train = [e for e in split.train if e.tools]
    sample = train[:mining_sample]
    t = time.perf_counter()
    rows = mine_rows(router, sample, negatives=2)
    mined_s = time.perf_counter() - t
    rows_total = int(len(rows) * len(train) / max(len(sample), 1))
    res.update(train_examples=len(train), rows=rows_total, mining_s=mined_s * len(train) / max(len(sample), 1),
               mining_extrapolated=len(train) > len(sample))
    res["peak_rss_mb_data"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if steps <= 0:  # training cost taken from the measured train_router run (see main)
        res.update(per_step_s=None, steps_per_epoch=(rows_total + 31) // 32, training_extrapolated=True)
        return res
    stamps: list[float] = []
    fit_encoder(str(default_model_dir()), rows[: 32 * (steps + 1)], WORK / f"enc-{n}", epochs=1, batch_size=32,
                on_step=lambda s, tot, loss: stamps.append(time.perf_counter()))
    diffs = sorted(b - a for a, b in itertools.pairwise(stamps))
    per_step = diffs[len(diffs) // 2] if diffs else float("nan")
    steps_epoch = (rows_total + 31) // 32
    res.update(per_step_s=per_step, steps_per_epoch=steps_epoch, epoch_s=per_step * steps_epoch,
               training_extrapolated=True, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return res


def _measured_training() -> dict[str, object]:
    """Per-step cost and training peak RSS from the real run in benchmarks/train_router.py."""
    data = json.loads((RESULTS / "train_router.json").read_text())
    steps, seconds = data["training"]["steps"], data["training"]["seconds"]
    return {"per_step_s": seconds / max(steps, 1), "peak_rss_mb": data["peak_rss_mb"], "per_step_source": "train_router.json"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--one", type=int)
    ap.add_argument("--mining-sample", type=int, default=2000)
    args = ap.parse_args()
    WORK.mkdir(exist_ok=True)
    if args.one:
        print(json.dumps(one(args.one, args.steps, args.mining_sample)))
        return
    trained = Path("/tmp/agentfn-train-router-bench/routers/versions/v0001")
    if not (WORK / "base-router" / "router.json").exists() and not (trained / "router.json").exists():
        from agentfn.router.evalset import build_evalset
        from agentfn.router.router import Router

        Router.build(build_evalset(0).tools).save(WORK / "base-router")
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--steps", str(args.steps),
                              "--mining-sample", str(args.mining_sample)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if rows[-1]["per_step_s"] is None:
            rows[-1].update(_measured_training())
        rows[-1]["epoch_s"] = rows[-1]["per_step_s"] * rows[-1]["steps_per_epoch"]
        print(rows[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_scaling.json").write_text(json.dumps(rows, indent=1))
    lines = [
        "# Router training cost vs trace count (2 CPU cores)", "",
        "Per size, one process: load JSONL runs, examples + split, mining (base router, 2,046 tools), encoder "
        "training (all-MiniLM-L6-v2, batch 32, 2 hard negatives). `*` = extrapolated from measured per-item cost.", "",
        "| traces | train examples | rows | load s | split s | mining s | s/step | steps/epoch | epoch s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        star = "*" if r["mining_extrapolated"] else ""
        lines.append(
            f"| {r['traces']} | {r['train_examples']} | {r['rows']} | {r['load_s']:.1f} | {r['examples_split_s']:.2f} | "
            f"{r['mining_s']:.0f}{star} | {r['per_step_s']:.2f} | {r['steps_per_epoch']} | {r['epoch_s']:.0f}* | "
            f"{max(r['peak_rss_mb'], r['peak_rss_mb_data']):.0f} |")
    lines += ["", "s/step: median of measured steps, or (with `--steps 0`) the mean step cost of the real "
              "1-epoch run in train_router.md (including model load and checkpointing, so an upper bound). "
              "Peak RSS: the larger of this process's (data + mining) and the measured training run's.", "",
              "Measured on the shared 2-core machine while other jobs ran (load average far above 2): "
              "absolute times are upper bounds; per-step cost is what scales (linearly in rows)."]
    (RESULTS / "train_scaling.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
