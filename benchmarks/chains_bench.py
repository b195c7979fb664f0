"""Chains benchmark: does ``RoutePlan.selected`` equal the needed chain on multi-step requests?

Run: ``.venv/bin/python benchmarks/chains_bench.py [--seed 0] [--distractors N]``
Writes benchmarks/results/chains.json, then chains.md as ``render_markdown(json)``.

Every multi-step request of the foreign benchmark (:mod:`agentfn.evals.router_data`:
tau2-bench airline/retail, AgentDojo, multiverse math, and the generated set as one
source) is routed against the whole registry by the cold-start hybrid router,
twice in one run: with data flow switched off (``RouterConfig.flow_pull=False``:
steps and co-usage only, the baseline) and with it on (the default: producers
pulled in for inputs the request does not give, :mod:`agentfn.router.chain`).
Per source and split group (``tune``: train + dev, where settings were chosen;
``held``: test, unseen tool, unseen source): ``chain_exact`` (``selected`` equals
the gold chain, same order), ``set_in_top5`` (every gold tool in the top 5 of
``ranked``), and how the misses went: same tools in another ``order``, ``fewer``
tools, ``more`` tools, or as many but a ``wrong_tool``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ARMS = ("data flow off", "data flow on")
OUTCOMES = ("exact", "order", "fewer", "more", "wrong_tool")
TUNE = frozenset(["train", "dev"])


def outcome(selected: list[str], gold: list[str]) -> str:
    """How a selection compares with the gold chain (one of :data:`OUTCOMES`)."""
    if selected == gold:
        return "exact"
    if set(selected) == set(gold):
        return "order"
    if len(selected) < len(gold):
        return "fewer"
    if len(selected) > len(gold):
        return "more"
    return "wrong_tool"


def _summary(rows: list[tuple[str, bool]]) -> dict[str, Any]:
    n = len(rows)
    counts = {k: sum(1 for o, _ in rows if o == k) for k in OUTCOMES}
    return {
        "requests": n,
        "chain_exact": round(counts["exact"] / n, 3) if n else None,
        "set_in_top5": round(sum(1 for _, h in rows if h) / n, 3) if n else None,
        **counts,
    }


def run(seed: int, distractors: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from router_bench import cached_foreign_router  # pyright: ignore[reportMissingImports, reportUnknownVariableType]
    from threadpoolctl import threadpool_limits

    from agentfn.evals.router_data import load_router_data

    threadpool_limits(2)
    data = load_router_data(seed=seed, distractors=distractors)
    router: Any = cached_foreign_router(data.records())
    examples = [e for e in data.examples() if e.kind == "multi" and e.gold]
    groups: dict[str, dict[str, list[tuple[str, bool]]]] = {arm: defaultdict(list) for arm in ARMS}
    for arm in ARMS:
        router.config.flow_pull = arm == "data flow on"
        print(f"{arm}: routing {len(examples)} multi-step requests ...", flush=True)
        for e in examples:
            plan = router.route(e.text, k=10)
            row = (outcome(list(plan.selected), list(e.gold)), set(e.gold) <= {n for n, _ in plan.ranked[:5]})
            split = "tune" if e.split in TUNE else "held"
            keys = [f"{e.source} / {split}", f"{e.source} / all"]
            if e.source != "generated":
                keys += ["all foreign / all", f"all foreign / {split}"]
            for key in keys:
                groups[arm][key].append(row)
    router.config.flow_pull = True
    keys = sorted({k for g in groups.values() for k in g})
    return {
        "command": f"benchmarks/chains_bench.py --seed {seed} --distractors {distractors}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "router": "agentfn Router (hybrid, cold start, no traces) over the whole foreign registry",
        "registry_tools": len(data.records()),
        "groups": [{"group": k, **{arm: _summary(groups[arm].get(k, [])) for arm in ARMS}} for k in keys],
    }


def render_markdown(data: dict[str, Any]) -> str:
    """chains.md from chains.json (pure: the same JSON always gives the same text)."""
    lines = ["# Chains benchmark: multi-step requests, selected vs the needed chain", "",
             f"Command: `{data['command']}`  ", f"Machine: {data['machine']}  ",
             f"Router: {data['router']}, {data['registry_tools']} tools", "",
             "Each cell: data flow off -> on (`RouterConfig.flow_pull`), same router, same run. "
             "`tune` = train + dev splits (settings chosen there), `held` = test, unseen tool, unseen source.", "",
             "| group | requests | chain_exact | set_in_top5 | exact | order | fewer | more | wrong_tool |",
             "|---|---|---|---|---|---|---|---|---|"]
    off, on = ARMS
    for g in data["groups"]:
        a, b = g[off], g[on]
        cells = [f"{a[c]} -> {b[c]}" for c in ("chain_exact", "set_in_top5", *OUTCOMES)]
        lines.append(f"| {g['group']} | {b['requests']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--distractors", type=int, default=1500, help="OpenAPI distractor tools in the foreign registry")
    args = ap.parse_args()
    result = run(args.seed, args.distractors)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chains.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "chains.md").write_text(render_markdown(result))
    print(render_markdown(result))


if __name__ == "__main__":
    main()
