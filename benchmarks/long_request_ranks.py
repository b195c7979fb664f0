"""Where the gold tools of long foreign requests rank, and which sentence of the request carries them.

Run: ``.venv/bin/python benchmarks/long_request_ranks.py [--min-words 30] [--sources tau2-airline,...]``
Writes benchmarks/results/long_request_ranks.{json,md}.

Every foreign request of at least ``--min-words`` words (persona-style tau2 and AgentDojo requests)
is routed against the whole foreign registry (the same router as ``router_bench.py --parts foreign``),
then each of its sentences alone. Per source it reports: the gold tools' median rank in the whole
request's ranking and the share inside the top 5 / 10 / 50; the same for the best rank any single
sentence gives a gold tool (the ceiling a per-sentence fusion could reach); and how often that best
sentence is a "told" sentence (persona, identity, back-story: no action asked,
:func:`agentfn.router.steps.asks_for_action` false) rather than an asking one.

It then routes the same requests with and without server agreement (``RouterConfig.server_agreement``,
:mod:`agentfn.router.multiquery`), interleaved on one router, and reports recall@5 / hit@5 per source and
the ``score`` stage's p50 / p95 ms for both (the agreement runs inside that stage; it adds no encoder
pass). Analysis only: nothing here is runtime code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from router_bench import cached_foreign_router  # noqa: E402

from agentfn.evals.router_data import load_router_data  # noqa: E402
from agentfn.router.combine import sentences  # noqa: E402
from agentfn.router.steps import asks_for_action  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DEPTH = 200


def ranks(router: Any, text: str) -> dict[str, int]:
    """1-based rank of every tool in the router's top ``DEPTH`` for ``text``."""
    return {n: i + 1 for i, (n, _) in enumerate(router.route(text, k=DEPTH).ranked)}


def analyse(router: Any, examples: list[Any]) -> dict[str, Any]:
    whole: list[int] = []
    best: list[int] = []
    told_best = 0
    rows: list[dict[str, Any]] = []
    for e in examples:
        r_whole = ranks(router, e.text)
        sents = [s.strip() for s in sentences(e.text) if s.strip()]
        per = [(s, asks_for_action(s), ranks(router, s)) for s in sents]
        for g in e.gold:
            w = r_whole.get(g, DEPTH + 1)
            options = [(r.get(g, DEPTH + 1), s, asks) for s, asks, r in per]
            b, s_best, asks_best = min(options, key=lambda o: o[0])
            whole.append(w)
            best.append(min(b, w))
            told_best += int(b < w and not asks_best)
            rows.append({"id": e.id, "gold": g, "whole_rank": w, "best_sentence_rank": b,
                         "best_sentence": s_best[:160], "asks": asks_best})
    n = max(len(whole), 1)

    def share(xs: list[int], k: int) -> float:
        return round(sum(x <= k for x in xs) / n, 3)

    return {
        "requests": len(examples),
        "gold_tools": len(whole),
        "whole": {"median_rank": median(whole) if whole else None, "top5": share(whole, 5), "top10": share(whole, 10),
                  "top50": share(whole, 50)},
        "best_sentence": {"median_rank": median(best) if best else None, "top5": share(best, 5),
                          "top10": share(best, 10), "top50": share(best, 50)},
        "told_sentence_wins": round(told_best / n, 3),
        "rows": rows,
    }


def compare(router: Any, examples: list[Any]) -> dict[str, Any]:
    """recall@5, hit@5 and score-stage ms with server agreement off and on (same router, interleaved)."""
    on_cfg = router.config
    off_cfg = on_cfg.model_copy(update={"server_agreement": 0.0})
    out: dict[str, Any] = {}
    runs: dict[str, list[tuple[float, float, float]]] = {"off": [], "on": []}
    for i, e in enumerate(examples):
        arms = [("off", off_cfg), ("on", on_cfg)]
        for arm, cfg in arms if i % 2 else arms[::-1]:  # alternate which arm goes first
            router.config = cfg
            stages: dict[str, float] = {}
            top = {n for n, _ in router.route(e.text, k=10, stages=stages).ranked[:5]}
            gold = set(e.gold)
            runs[arm].append((len(gold & top) / len(gold), float(gold <= top), stages.get("score", 0.0)))
    router.config = on_cfg
    for arm, rows in runs.items():
        ms = sorted(r[2] for r in rows)
        out[arm] = {"recall@5": round(sum(r[0] for r in rows) / len(rows), 3),
                    "hit@5": round(sum(r[1] for r in rows) / len(rows), 3),
                    "score_p50_ms": round(ms[len(ms) // 2], 2), "score_p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}
    return out


def votes_cost_ms(router: Any, voters: int = 6, calls: int = 200) -> float:
    """Wall ms of one :func:`server_votes` call over the whole registry with ``voters`` rankings (best of 5
    rounds): the agreement's own cost, apart from the load-sensitive stage timings."""
    import time

    import numpy as np

    from agentfn.router.multiquery import server_votes

    ids = router.scorer.servers.ids()
    rng = np.random.default_rng(0)
    arrays = [rng.random(ids.shape[0]).astype(np.float32) for _ in range(voters)]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            server_votes(arrays[0], arrays, ids, router.scorer.servers.count, 0.6)
        best = min(best, (time.perf_counter() - start) * 1e3 / calls)
    return round(best, 4)


def render_markdown(data: dict[str, Any]) -> str:
    """The results page for the figures :func:`main` writes to ``long_request_ranks.json``."""
    lines = [
        "# Gold-tool ranks on long foreign requests",
        "",
        f"Command: `python benchmarks/long_request_ranks.py --min-words {data['min_words']}"
        f"{' --compare-only' if data.get('compare_only') else ''}`",
        "",
        "| source | requests | gold tools | whole: median rank | top5 | top10 | top50 | best sentence: median rank "
        "| top5 | top10 | top50 | told sentence wins |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in data["sources"].items():
        if "whole" not in s:
            continue
        w, b = s["whole"], s["best_sentence"]
        lines.append(f"| {name} | {s['requests']} | {s['gold_tools']} | {w['median_rank']} | {w['top5']} | {w['top10']} "
                     f"| {w['top50']} | {b['median_rank']} | {b['top5']} | {b['top10']} | {b['top50']} "
                     f"| {s['told_sentence_wins']} |")
    lines += ["", "Ranks past the top 200 count as 201. 'best sentence' = the better of the whole request's rank and "
              "the best rank any one sentence alone gives the tool (ranks with server agreement off); 'told sentence wins' = share of gold tools whose "
              "best sentence asks for nothing (persona, identity, back-story) and beats the whole request."]
    lines += ["", "## Server agreement off / on (same requests, same router, interleaved)", "",
              f"One `server_votes` call over the {data['registry']}-tool registry with 6 voters: {data['votes_ms']} ms "
              "(best of 5 rounds of 200 calls); stage timings below are wall-clock on a shared, loaded machine.", "",
              "| source | requests | recall@5 off | recall@5 on | hit@5 off | hit@5 on | score p50 ms off / on "
              "| score p95 ms off / on |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for name, s in data["sources"].items():
        a, b = s["agreement"]["off"], s["agreement"]["on"]
        lines.append(f"| {name} | {s['requests']} | {a['recall@5']} | {b['recall@5']} | {a['hit@5']} | {b['hit@5']} "
                     f"| {a['score_p50_ms']} / {b['score_p50_ms']} | {a['score_p95_ms']} / {b['score_p95_ms']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-words", type=int, default=30)
    ap.add_argument("--sources", default="", help="comma-separated source names (default: every foreign source)")
    ap.add_argument("--compare-only", action="store_true", help="skip the per-sentence ranks, run only the comparison")
    args = ap.parse_args()
    data = load_router_data(seed=0, distractors=1500)
    router = cached_foreign_router(data.records())
    want = set(filter(None, args.sources.split(",")))
    out: dict[str, Any] = {"min_words": args.min_words, "compare_only": args.compare_only, "registry": len(router),
                           "sources": {}, "votes_ms": votes_cost_ms(router)}
    for src in data.sources:
        if src.name == "generated" or (want and src.name not in want):
            continue
        ex = [e for e in src.examples if e.gold and len(e.text.split()) >= args.min_words]
        if not ex:
            continue
        on_cfg = router.config
        router.config = on_cfg.model_copy(update={"server_agreement": 0.0})  # the diagnosis: ranks before the fix
        s = analyse(router, ex) if not args.compare_only else {"requests": len(ex)}
        router.config = on_cfg
        s["agreement"] = compare(router, ex)
        out["sources"][src.name] = s
        print(f"{src.name}: {s['requests']} requests, agreement off/on {s['agreement']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "long_request_ranks.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "long_request_ranks.md").write_text(render_markdown(out))


if __name__ == "__main__":
    main()
