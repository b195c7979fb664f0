"""Router training on foreign traces: before/after per source and per split group, in one run.

Data: the foreign routing benchmark (``agentfn.evals.router_data``: third-party
tool sets and their authors' requests, the generated set as one source, a
3,659-tool registry). Its ``train`` and ``dev`` requests are exported as
chat-format traces (JSONL, what ``agentfn traces import`` reads) and fed to
``agentfn train router`` (:func:`agentfn.train.router.train_router`), which
splits them again for its own model card. Then the cold-start router (what a
user has without traces) and the trained one are scored on the benchmark's
held-out groups: ``seen-source test`` (new requests, seen tools),
``unseen-tool`` (requests needing a tool no trace used), ``unseen-source``
(sources never traced) and the generated set's held-out requests. The trained
router is also scored with its re-ranker switched off, to show what each part adds.

    .venv/bin/python benchmarks/train_router.py [--epochs 1] [--seed 0] [--out DIR]

Writes benchmarks/results/train_router.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
KEYS = ("recall@1", "recall@5", "hit@5", "multi_hit@5", "chain_exact", "false_abstain")
SYSTEMS = ("cold start", "trained, re-ranker off", "trained")
HELD_OUT = ("test", "unseen-tool", "unseen-source")
"""Splits scored: the traces are the train and dev requests."""


def _groups(scores: dict[str, Any]) -> dict[str, Any]:
    out = {f"foreign: {g}": v for g, v in scores["per_group_foreign"].items() if g != "dev"}
    out["foreign: all held-out"] = scores["all_foreign"]
    out["generated: held-out"] = scores["generated_test"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--out", type=Path, default=Path("/tmp/agentfn-train-router-bench"))
    args = ap.parse_args()

    from agentfn.evals.router_data import load_router_data, score_foreign
    from agentfn.router import Router
    from agentfn.train.router import train_router

    args.out.mkdir(parents=True, exist_ok=True)
    data = load_router_data()
    traces = args.out / "traces.jsonl"
    n_traces = data.write_traces(traces, splits=["train", "dev"])
    records = data.records()
    t0 = time.perf_counter()
    base = Router.build(records)
    build_s = time.perf_counter() - t0
    before = score_foreign(base, data, splits=HELD_OUT)
    t1 = time.perf_counter()
    result = train_router(str(traces), records, args.out / "routers", base=Router.load(_save(base, args.out)),
                          epochs=args.epochs, seed=args.seed, lr=args.lr, promote=True, progress=True)
    train_s = time.perf_counter() - t1
    trained = result.router
    after = score_foreign(trained, data, splits=HELD_OUT)
    weights = trained.config.rerank_weights
    trained.config.rerank_weights = None
    no_rerank = score_foreign(trained, data, splits=HELD_OUT)
    trained.config.rerank_weights = weights
    per_source = {s: {"cold start": before["per_source"][s], "trained, re-ranker off": no_rerank["per_source"][s],
                      "trained": after["per_source"][s]} for s in before["per_source"]}
    groups = {g: {"cold start": b, "trained, re-ranker off": _groups(no_rerank)[g], "trained": _groups(after)[g]}
              for g, b in _groups(before).items()}
    m = result.metrics
    summary = {
        "command": "python benchmarks/train_router.py",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "settings": {"epochs": args.epochs, "seed": args.seed, "lr": args.lr},
        "traces": n_traces, "tools": len(records),
        "groups": groups, "per_source": per_source,
        "card": {"split": m["data"]["split"], "before": m["before"], "after": m["after"], "groups": m["groups"]},
        "fitted": m["fitted"], "training": m["training"],
        "time_s": {"build": build_s, "train_total": train_s},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_router.json").write_text(json.dumps(summary, indent=1, default=str))
    (RESULTS / "train_router.md").write_text(render_markdown(summary))
    print(render_markdown(summary))


def _save(router: Any, out: Path) -> Path:
    """The cold-start router saved once, so training starts from a copy and ``before`` stays untouched."""
    return router.save(out / "base")


def _cell(v: Any) -> str:
    return "-" if v is None else f"{float(v):.3f}"


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        "# Router training on foreign traces: before and after, per held-out group and source",
        "",
        f"Command: `{data['command']}` (epochs {data['settings']['epochs']}, seed {data['settings']['seed']}, "
        f"lr {data['settings']['lr']}). {data['traces']} chat-format traces (the foreign benchmark's train + dev "
        f"requests) train the router over its {data['tools']}-tool registry with `agentfn train router`: encoder "
        "fine-tune, re-ranker and settings chosen on a dev split, then a final fit on train + dev. "
        "`cold start` is the router a user has before any trace.",
        "",
        "## Held-out groups (never traced)",
        "",
        "| group | system | requests | " + " | ".join(KEYS) + " |",
        "|---|---|---:|" + "---:|" * len(KEYS),
    ]
    for g, by_sys in data["groups"].items():
        for system in SYSTEMS:
            s = by_sys[system]
            lines.append(f"| {g} | {system} | {s['requests']} | " + " | ".join(_cell(s.get(k)) for k in KEYS) + " |")
    lines += ["", "## Per source (held-out requests only: test, unseen-tool, unseen-source)" if "foreign: all held-out" in data["groups"]
              else "## Per source (every request of the source with gold tools, traced or not)", "",
              "| source | requests | recall@5 cold -> trained | hit@5 cold -> trained |", "|---|---:|---:|---:|"]
    for src, by_sys in data["per_source"].items():
        b, a = by_sys["cold start"], by_sys["trained"]
        lines.append(f"| {src} | {a['requests']} | {b['recall@5']:.3f} -> {a['recall@5']:.3f} "
                     f"| {b['hit@5']:.3f} -> {a['hit@5']:.3f} |")
    card = data["card"]
    lines += ["", f"Model card (train_router's own split of the traces, {card['split']}): recall@5 "
              f"{card['before']['recall@5']:.3f} -> {card['after']['recall@5']:.3f}, complete_hit@5 "
              f"{card['before']['complete_hit@5']:.3f} -> {card['after']['complete_hit@5']:.3f}.", "",
              f"Fitted: {json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in data['fitted'].items() if not k.startswith('abstain_w_')})}.",
              "",
              f"Time: building the cold-start registry {data['time_s']['build']:.0f} s, training (two encoder fits, "
              f"re-embedding, fitting, evaluations) {data['time_s']['train_total']:.0f} s; peak RSS "
              f"{data['peak_rss_mb']:.0f} MB, on the shared 2-core machine (times are upper bounds).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
