"""Dump foreign-benchmark misses of the hybrid router: gold ranks, what outranks them, request text.

Development aid (not a benchmark): ``python benchmarks/router_misses.py --sources agentdojo-workspace,tau2-telecom``
prints, per request whose gold set is not in the top 5, the gold tools' ranks and the top 5 with scores,
and writes a JSON summary (per-source recall@5) to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", default="")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--out", default="")
    ap.add_argument("--lexical", action="store_true")
    ap.add_argument("--set", action="append", default=[], help="RouterConfig override key=value (float)")
    args = ap.parse_args()
    from router_bench import cached_foreign_router  # type: ignore[import-not-found]

    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router

    data = load_router_data(seed=0, distractors=1500)
    recs = data.records()
    router = Router.build(recs, encoder=None) if args.lexical else cached_foreign_router(recs)
    if args.set:
        upd = {k: type(getattr(router.config, k))(float(v)) for k, v in (kv.split("=") for kv in args.set)}
        router.config = router.config.model_copy(update=upd)
    wanted = [s for s in args.sources.split(",") if s]
    per: dict[str, list[float]] = {}
    for e in data.examples():
        if e.source == "generated" or (wanted and e.source not in wanted):
            continue
        plan = router.route(e.text, k=50)
        names = [n for n, _ in plan.ranked]
        gold = set(e.gold)
        r5 = len(gold & set(names[:5])) / len(gold)
        per.setdefault(e.source, []).append(r5)
        if r5 < 1 and not args.quiet:
            ranks = {g: (names.index(g) + 1 if g in names else None) for g in e.gold}
            print(f"=== {e.source} {e.id} r5={r5:.2f} abstain={plan.abstained if hasattr(plan, 'abstained') else '?'}")
            print("  TEXT:", e.text[:600].replace("\n", " "))
            print("  GOLD:", ranks)
            print("  TOP5:", [(n, round(s, 3)) for n, s in plan.ranked[:5]])
    summary = {s: round(sum(v) / len(v), 3) for s, v in per.items()}
    allv = [x for v in per.values() for x in v]
    summary["all"] = round(sum(allv) / max(len(allv), 1), 3)
    print(json.dumps(summary))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
