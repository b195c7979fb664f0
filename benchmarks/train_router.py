"""Router training on foreign traces: before/after per source and per held-out group, in one run.

Data: the foreign routing benchmark (``agentfn.evals.router_data``: third-party
tool sets and their authors' requests, the generated set as one source, one
shared registry). Its ``train`` and ``dev`` requests are exported as
chat-format traces (JSONL, what ``agentfn traces import`` reads) and fed to
``agentfn train router`` (:func:`agentfn.train.router.train_router`), which
splits them again (its own train/dev/test by run), chooses its settings on its
dev split, refits on its train + dev, and writes a model card with per-source
before/after on its test split and on the held-out requests below (given to it
as ``holdout`` traces, never fitted).

Systems, each scored on the benchmark's groups no trace came from (``test``:
new requests for seen tools; ``unseen-tool``: requests needing a tool no trace
used; ``unseen-source``: sources never traced; the generated set's held-out
requests):

* ``cold start``: the router a user has before any trace;
* ``re-ranker only``: trained without the encoder fine-tune (statistics,
  fusion weight and the re-ranker with its trace memory; seconds to fit);
* ``trained, re-ranker off``: the full training with the re-ranker switched off;
* ``trained``: the full training (encoder fine-tune with mined hard negatives,
  then everything above).

The page states, from the figures, whether each trained system lifts the
unseen-source group and whether the aims hold.

With ``--half`` the protocol is the one issue #13's held-out aim uses instead:
the foreign requests (every source, the generated set left out) are dealt by
a seeded hash of their id into two halves; the first half becomes the traces,
the second is scored (``test half``: its requests of the sources the default
protocol traces, and of the sources it keeps unseen, as two groups). No held-out
traces are given to training (promotion is not what is scored: ``trained`` is
the router training returns). Writes ``train_router_half.{json,md}``.

    .venv/bin/python benchmarks/train_router.py [--half] [--epochs 1] [--seed 0] [--threads 1] [--max-seq-length 64] [--out DIR]

Progress goes to stderr as timed lines. Writes benchmarks/results/train_router.{json,md}
(``--half``: train_router_half.{json,md}).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's agentfn, not an installed one

from agentfn.train.card import gate_lines

RESULTS = Path(__file__).parent / "results"
KEYS = ("recall@1", "recall@5", "hit@5", "multi_hit@5", "chain_exact", "false_abstain")
SYSTEMS = ("cold start", "re-ranker only", "trained, re-ranker off", "trained")
HELD_OUT = ("test", "unseen-tool", "unseen-source")
"""Splits scored: the traces are the train and dev requests."""
AIMS = {"recall@5": 0.96, "hit@5": 0.94}
"""Issue #13's aims for a trained router on foreign requests."""
UNSEEN = "foreign: unseen-source"
ALL_HELD = "foreign: all held-out"
SAME = 0.005
"""Changes smaller than this are reported as no change."""

_T0 = time.perf_counter()


def log(message: str) -> None:
    sys.stderr.write(f"[{time.perf_counter() - _T0:7.1f}s] {message}\n")
    sys.stderr.flush()


HALF_GROUPS = {"seen-source test": "foreign: test half, sources traced by source",
               "unseen-source": "foreign: test half, sources held out by source"}
"""``--half``: the default protocol's group names and what they hold in the halved data."""


def _groups(scores: dict[str, Any]) -> dict[str, Any]:
    if scores.get("half"):
        out = {HALF_GROUPS[g]: v for g, v in scores["per_group_foreign"].items() if g in HALF_GROUPS}
        out[ALL_HELD] = scores["all_foreign"]
        return out
    out = {f"foreign: {g}": v for g, v in scores["per_group_foreign"].items() if g != "dev"}
    out[ALL_HELD] = scores["all_foreign"]
    out["generated: held-out"] = scores["generated_test"]
    return out


def halved(data: Any, seed: int) -> Any:
    """A copy of the benchmark whose foreign requests are dealt 50/50 by a seeded hash of their id: ``train``
    (the traces) or held out (``test``; ``unseen-source`` for the families the default protocol never traces,
    so both stay separate groups). The generated set's requests go to ``dev``, which nothing reads."""
    import hashlib

    from agentfn.evals.router_data import UNSEEN_FAMILIES

    out = data.model_copy(deep=True)
    for src in out.sources:
        for e in src.examples:
            if src.family == "generated":
                e.split = "dev"
                continue
            r = int(hashlib.sha1(f"{seed}\x1fhalf\x1f{e.id}".encode()).hexdigest()[:12], 16) / float(1 << 48)
            e.split = "train" if r < 0.5 else "unseen-source" if src.family in UNSEEN_FAMILIES else "test"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-seq-length", type=int, default=64,
                    help="token cap while the encoder trains (requests and tool texts; cost per step grows with it)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (1 on a shared 2-core machine: spinning threads oversubscribe it)")
    ap.add_argument("--hard-negatives", type=int, default=2, help="mined negatives per encoder training row")
    ap.add_argument("--skip-rerank-only", action="store_true", help="do not train and score the re-ranker-only system")
    ap.add_argument("--no-encoder", action="store_true",
                    help="no encoder fine-tune in `trained` either (fast; `re-ranker only` is then skipped as identical)")
    ap.add_argument("--reuse-base", action="store_true",
                    help="load the cold-start router saved in OUT/base by an earlier run instead of building it")
    ap.add_argument("--half", action="store_true",
                    help="issue #13's protocol: train on a seeded half of the foreign requests, score the other half")
    ap.add_argument("--out", type=Path, default=Path("/tmp/agentfn-train-router-bench"))
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite train_router.md from the figures of the last run (train_router.json); runs nothing")
    args = ap.parse_args()
    stem = "train_router_half" if args.half else "train_router"
    if args.render_only:
        (RESULTS / f"{stem}.md").write_text(render_markdown(json.loads((RESULTS / f"{stem}.json").read_text())))
        return

    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:  # pragma: no cover - the train extra is needed for the encoder fine-tune anyway
        pass
    from agentfn.evals.router_data import load_router_data, score_foreign
    from agentfn.router import Router
    from agentfn.train.router import train_router

    times: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        log(f"{name} ...")
        t = time.perf_counter()
        value = fn()
        times[name] = time.perf_counter() - t
        log(f"{name}: {times[name]:.0f} s")
        return value

    args.out.mkdir(parents=True, exist_ok=True)
    data = load_router_data()
    traces = args.out / ("traces-half.jsonl" if args.half else "traces.jsonl")
    held_traces: Path | None = args.out / "held-out.jsonl"
    if args.half:
        data = halved(data, args.seed)
        foreign = [s.name for s in data.sources if s.family != "generated"]
        n_traces = data.write_traces(traces, splits=["train"], sources=foreign)
        held_traces, n_held = None, 0
    else:
        n_traces = data.write_traces(traces, splits=["train", "dev"])
        n_held = data.write_traces(held_traces, splits=list(HELD_OUT))
    records = data.records()
    log(f"{n_traces} traces, {n_held} held-out traces, {len(records)} tools")

    def score(router: Any) -> dict[str, Any]:
        if args.half:
            return {**score_foreign(router, data, splits=("test", "unseen-source"), foreign_only=True, progress=log),
                    "half": True}
        return score_foreign(router, data, splits=HELD_OUT, progress=log)

    saved = args.out / "base"
    if args.reuse_base and (saved / "router.json").exists():
        base = timed("load cold-start router", lambda: Router.load(saved))
        if sorted(base.names()) != sorted(r.name for r in records):
            raise SystemExit(f"{saved} holds another registry: run without --reuse-base")
        base_dir = saved
    else:
        base = timed("build cold-start router", lambda: Router.build(records))
        base_dir = base.save(saved)  # every training starts from a copy; `base` stays untouched
    scores: dict[str, dict[str, Any]] = {"cold start": timed("score cold start", lambda: score(base))}

    if not (args.skip_rerank_only or args.no_encoder or args.half):
        quick = timed("train re-ranker only", lambda: train_router(
            str(traces), None, args.out / "rerank-only", base=Router.load(base_dir), seed=args.seed,
            train_encoder=False, progress=True))
        scores["re-ranker only"] = timed("score re-ranker only", lambda: score(quick.router))

    result = timed("train" if args.no_encoder else "train (encoder fine-tune + re-ranker)", lambda: train_router(
        str(traces), None, args.out / "routers", base=Router.load(base_dir), epochs=args.epochs, seed=args.seed,
        lr=args.lr, batch_size=args.batch_size, max_seq_length=args.max_seq_length, hard_negatives=args.hard_negatives,
        train_encoder=not args.no_encoder, promote=True, progress=True, holdout=held_traces))
    trained = result.router
    scores["trained"] = timed("score trained", lambda: score(trained))
    weights = trained.config.rerank_weights
    trained.config.rerank_weights = None
    scores["trained, re-ranker off"] = timed("score trained, re-ranker off", lambda: score(trained))
    trained.config.rerank_weights = weights

    run = [name for name in SYSTEMS if name in scores]
    per_source = {s: {name: scores[name]["per_source"][s] for name in run} for s in scores["cold start"]["per_source"]}
    groups = {g: {name: _groups(scores[name])[g] for name in run} for g in _groups(scores["cold start"])}
    m = result.metrics
    summary = {
        "command": " ".join(["python benchmarks/train_router.py", *sys.argv[1:]]),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "protocol": "half" if args.half else "by source",
        "settings": {"epochs": args.epochs, "seed": args.seed, "lr": args.lr, "batch_size": args.batch_size,
                     "max_seq_length": args.max_seq_length, "hard_negatives": args.hard_negatives,
                     "encoder_fine_tune": not args.no_encoder,
                     "threads": args.threads},
        "traces": n_traces, "tools": len(records),
        "groups": groups, "per_source": per_source,
        "card": {"split": m["data"]["split"], "before": m["before"], "after": m["after"], "groups": m["groups"],
                 "holdout": m.get("holdout", {}), "promoted": result.promoted, "better": m["better"],
                 "blocked_by": m.get("blocked_by", [])},
        "fitted": m["fitted"], "training": m["training"],
        "time_s": times,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(summary, indent=1, default=str))
    (RESULTS / f"{stem}.md").write_text(render_markdown(summary))
    print(render_markdown(summary))


def _cell(v: Any) -> str:
    return "-" if v is None else f"{float(v):.3f}"


def _change(metric: str, before: float, after: float) -> str:
    d = after - before
    if abs(d) < SAME:
        return f"leaves {metric} unchanged ({before:.3f} -> {after:.3f})"
    return f"{'lifts' if d > 0 else 'lowers'} {metric} ({before:.3f} -> {after:.3f}, {d:+.3f})"


def verdicts(data: dict[str, Any]) -> list[str]:
    """Sentences about transfer and the aims, decided from the figures."""
    out: list[str] = []
    unseen = data["groups"].get(UNSEEN)
    if unseen is not None:
        cold = unseen["cold start"]
        for system in [x for x in SYSTEMS[1:] if x in unseen]:
            s = unseen[system]
            out.append(f"- On tools of sources no trace came from (unseen-source, {s['requests']} requests), "
                       f"`{system}` {_change('recall@5', cold['recall@5'], s['recall@5'])} and "
                       f"{_change('hit@5', cold['hit@5'], s['hit@5'])}.")
    if data.get("protocol") == "half":
        for g, by_sys in data["groups"].items():
            cold, t = by_sys["cold start"], by_sys["trained"]
            out.append(f"- {g} ({t['requests']} requests): `trained` {_change('recall@5', cold['recall@5'], t['recall@5'])}"
                       f" and {_change('hit@5', cold['hit@5'], t['hit@5'])}.")
    held = data["groups"].get(ALL_HELD)
    if held is not None:
        t = held["trained"]
        met = [f"{k} {t[k]:.3f} {'meets' if t[k] >= aim else 'misses'} the aim {aim:.2f}" for k, aim in AIMS.items()]
        out.append(f"- All foreign held-out requests ({t['requests']}), `trained`: " + "; ".join(met) + ".")
    return out


def render_markdown(data: dict[str, Any]) -> str:
    s = data["settings"]
    encoder = s.get("encoder_fine_tune", True)
    how = (f"epochs {s['epochs']}, seed {s['seed']}, lr {s['lr']}, batch {s.get('batch_size', '-')}, max_seq_length "
           f"{s.get('max_seq_length', '-')}, hard negatives {s.get('hard_negatives', '-')}, torch threads "
           f"{s.get('threads', '-')}" if encoder else f"`--no-encoder`: no encoder fine-tune, seed {s['seed']}")
    half = data.get("protocol") == "half"
    what = ("one seeded half of the foreign benchmark's requests, every source; the other half is scored" if half
            else "the foreign benchmark's train + dev requests")
    lines = [
        "# Router training on foreign traces: before and after, per held-out group and source"
        + (" (half/half protocol)" if half else ""),
        "",
        f"Command: `{data['command']}` ({how}). {data['traces']} chat-format traces ({what}) train the router over its {data['tools']}-tool registry with "
        "`agentfn train router`, which chooses its settings on its own dev split of the traces and then refits on "
        "its train + dev. `cold start` is the router a user has before any trace; `trained` is the router training "
        "gives (" + ("encoder fine-tune with mined hard negatives, then statistics, fusion weight and re-ranker"
                     if encoder else "statistics, fusion weight and the re-ranker with its trace memory; the encoder "
                     "is the shipped one") + "); `trained, re-ranker off` is the same router with its re-ranker "
        "switched off" + ("; `re-ranker only` skips the encoder fine-tune." if encoder else "."),
        "",
        "## What the figures say",
        "",
        *verdicts(data),
        "",
        "## Held-out groups (never traced)" + (": the scored half, by the default protocol's source groups" if half else ""),
        "",
        "| group | system | requests | " + " | ".join(KEYS) + " |",
        "|---|---|---:|" + "---:|" * len(KEYS),
    ]
    for g, by_sys in data["groups"].items():
        for system in SYSTEMS:
            if system not in by_sys:
                continue
            row = by_sys[system]
            lines.append(f"| {g} | {system} | {row['requests']} | " + " | ".join(_cell(row.get(k)) for k in KEYS) + " |")
    shown = [x for x in SYSTEMS if all(x in v for v in data["per_source"].values())]
    scored = "the scored half" if half else "held-out requests only: test, unseen-tool, unseen-source"
    lines += ["", f"## Per source ({scored})", "",
              "recall@5 / hit@5 per system.", "",
              "| source | requests | " + " | ".join(shown) + " |", "|---|---:|" + "---:|" * len(shown)]
    for src, by_sys in data["per_source"].items():
        cells = [f"{by_sys[x]['recall@5']:.3f} / {by_sys[x]['hit@5']:.3f}" for x in shown]
        lines.append(f"| {src} | {by_sys['cold start']['requests']} | " + " | ".join(cells) + " |")
    card = data["card"]
    lines += ["", "## Model card (train_router's own test split of the traces)", "",
              f"Split {card['split']}; {'promoted' if card.get('promoted', True) else 'not promoted'}. "
              f"recall@5 {card['before']['recall@5']:.3f} -> {card['after']['recall@5']:.3f}, complete_hit@5 "
              f"{card['before']['complete_hit@5']:.3f} -> {card['after']['complete_hit@5']:.3f}.", "",
              "| source | requests | recall@5 | complete_hit@5 |", "|---|---:|---:|---:|"]
    for src, ba in card.get("groups", {}).items():
        b, a = ba["before"], ba["after"]
        lines.append(f"| {src} | {a['queries']} | {b['recall@5']:.3f} -> {a['recall@5']:.3f} "
                     f"| {b['complete_hit@5']:.3f} -> {a['complete_hit@5']:.3f} |")
    lines += ["", *gate_lines(data["fitted"], bool(card.get("better", card.get("promoted"))), card.get("blocked_by", ()))]
    if card.get("holdout"):
        lines += ["", "The card also scores the held-out traces above (never fitted), per source, before -> after "
                  "(measured by training itself, with `agentfn eval router`'s metrics):", "",
                  "| source | requests | recall@5 | complete_hit@5 |", "|---|---:|---:|---:|"]
        for src, ba in card["holdout"].items():
            b, a = ba["before"], ba["after"]
            lines.append(f"| {src} | {a['queries']} | {b['recall@5']:.3f} -> {a['recall@5']:.3f} "
                         f"| {b['complete_hit@5']:.3f} -> {a['complete_hit@5']:.3f} |")
    fitted = {k: round(v, 4) if isinstance(v, float) else v for k, v in data["fitted"].items() if not k.startswith("abstain_w_")}
    tr = data["training"]
    lines += ["", f"Fitted: {json.dumps(fitted)}.", "",
              f"Encoder: {'fine-tuned' if tr.get('encoder_trained') else 'not fine-tuned'}"
              + (f" on {tr['rows']} rows (settings), then {tr['final']['rows']} rows (final fit on train + dev)"
                 if tr.get("encoder_trained") and "final" in tr else "") + ".", "",
              "Time per phase on the shared 2-core machine (upper bounds): "
              + ", ".join(f"{k} {v:.0f} s" for k, v in data["time_s"].items())
              + f"; peak RSS {data['peak_rss_mb']:.0f} MB.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
