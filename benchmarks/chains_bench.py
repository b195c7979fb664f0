"""Chains benchmark: does ``RoutePlan.selected`` equal the needed chain on multi-step requests?

Run: ``.venv/bin/python benchmarks/chains_bench.py [--seed 0] [--distractors N]``
Writes benchmarks/results/chains.json, then chains.md as ``render_markdown(json)``.

Requests come from the foreign benchmark (:mod:`agentfn.evals.router_data`:
tau2-bench airline/retail, AgentDojo, LangChain's multiverse math, and the
generated set as one source). Every request is routed twice in one run by the
cold-start hybrid router: with main's step splitting (``RouterConfig.step_parse
="connectives"``: sentences and connective words, the baseline) and with action
steps (``"actions"``, the default: only asking sentences are steps, nested
operations and written-out expressions give one step each,
:mod:`agentfn.router.steps`). Two registries:

* ``whole``: the whole foreign registry (thousands of tools); multi-step requests.
* ``own``: each foreign source's requests against that source's own tools only (as
  a user who registers one service's tools would route), multi-step requests and,
  as a guard against splitting one action into several, single-step ones. The
  project's own data-flow development set (:mod:`agentfn.evals.flow_chains`:
  MCP tools with output schemas, requests whose tools feed each other) is routed
  the same way against its own tools.

Per registry, source and split group (``tune``: train + dev, where settings were
chosen; ``held``: test, unseen tool, unseen source): ``chain_exact`` (``selected``
equals the gold chain, each tool once in order of first use, as
:attr:`~agentfn.evals.router_data.RouterExample.gold` gives it; a chain that calls
a tool twice counts it once, ``repeats`` says how many gold chains do),
``set_in_top5`` (every gold tool in the top 5 of ``ranked``), and how the misses
went: same tools in another ``order``, ``fewer`` tools, ``more`` tools, or as many
but a ``wrong_tool``.
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
ARMS = ("connectives (main)", "action steps")
OUTCOMES = ("exact", "order", "fewer", "more", "wrong_tool")
TUNE = frozenset(["train", "dev"])
FLOW_CHAINS = "flow-chains (written here)"
"""The data-flow development set (:mod:`agentfn.evals.flow_chains`): developed on, so every request is ``tune``."""


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


Row = tuple[str, bool, bool]
"""(outcome, whole gold set in the top 5, the gold chain calls a tool twice)."""


def _summary(rows: list[Row]) -> dict[str, Any]:
    n = len(rows)
    counts = {k: sum(1 for o, _, _ in rows if o == k) for k in OUTCOMES}
    return {
        "requests": n,
        "chain_exact": round(counts["exact"] / n, 3) if n else None,
        "set_in_top5": round(sum(1 for _, h, _ in rows if h) / n, 3) if n else None,
        "repeats": sum(1 for _, _, r in rows if r),
        **counts,
    }


def _route_all(router: Any, examples: list[Any], registry: str, groups: dict[str, dict[str, list[Row]]]) -> None:
    for arm in ARMS:
        router.config.step_parse = "actions" if arm == ARMS[1] else "connectives"
        for e in examples:
            plan = router.route(e.text, k=10)
            row = (outcome(list(plan.selected), list(e.gold)), set(e.gold) <= {n for n, _ in plan.ranked[:5]},
                   len(e.chain) > len(set(e.chain)))
            split = "tune" if e.split in TUNE else "held"
            kind = "multi" if e.kind == "multi" else "single"
            keys = [f"{registry} | {e.source} | {kind} | {split}", f"{registry} | {e.source} | {kind} | all"]
            if e.source not in ("generated", FLOW_CHAINS):
                keys += [f"{registry} | all foreign | {kind} | all", f"{registry} | all foreign | {kind} | {split}"]
            for key in keys:
                groups[arm][key].append(row)
    router.config.step_parse = "actions"


def run(seed: int, distractors: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from router_bench import cached_foreign_router  # pyright: ignore[reportMissingImports, reportUnknownVariableType]
    from threadpoolctl import threadpool_limits

    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router

    threadpool_limits(2)
    data = load_router_data(seed=seed, distractors=distractors)
    router: Any = cached_foreign_router(data.records())
    groups: dict[str, dict[str, list[Row]]] = {arm: defaultdict(list) for arm in ARMS}
    multi = [e for e in data.examples() if e.kind == "multi" and e.gold]
    print(f"whole registry: routing {len(multi)} multi-step requests per arm ...", flush=True)
    _route_all(router, multi, "whole", groups)
    own_tools: dict[str, int] = {}
    for src in data.sources:
        asked = [e for e in src.examples if e.kind in ("single", "multi") and e.gold]
        if src.name == "generated" or not any(e.kind == "multi" for e in asked):
            continue
        own: Any = Router.build(src.tools, encoder=router.encoder)
        own_tools[src.name] = len(src.tools)
        print(f"own registry {src.name}: {len(src.tools)} tools, {len(asked)} requests per arm ...", flush=True)
        _route_all(own, asked, "own", groups)
    from agentfn.evals.flow_chains import flow_chains_source

    written = flow_chains_source()
    mine: Any = Router.build(written.tools, encoder=router.encoder)
    own_tools[written.name] = len(written.tools)
    print(f"own registry {written.name}: {len(written.tools)} tools, {len(written.examples)} requests per arm ...", flush=True)
    _route_all(mine, written.examples, "own", groups)
    keys = sorted({k for g in groups.values() for k in g})
    return {
        "command": f"benchmarks/chains_bench.py --seed {seed} --distractors {distractors}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "router": "agentfn Router (hybrid, cold start, no traces)",
        "registry_tools": len(data.records()),
        "own_tools": own_tools,
        "groups": [{"group": k, **{arm: _summary(groups[arm].get(k, [])) for arm in ARMS}} for k in keys],
    }


def render_markdown(data: dict[str, Any]) -> str:
    """chains.md from chains.json (pure: the same JSON always gives the same text)."""
    own = ", ".join(f"{k} {v}" for k, v in data["own_tools"].items())
    off, on = ARMS
    lines = ["# Chains benchmark: multi-step requests, selected vs the needed chain", "",
             f"Command: `{data['command']}`  ", f"Machine: {data['machine']}  ",
             f"Router: {data['router']}. Registries: `whole` = the foreign registry, {data['registry_tools']} tools; "
             f"`own` = each source's own tools ({own}).", "",
             f"Each cell: {off} -> {on} (`RouterConfig.step_parse` \"connectives\" -> \"actions\"), same router, same run. "
             "`tune` = train + dev splits (settings chosen there), `held` = test, unseen tool, unseen source. "
             "`single` rows are one-step requests (a guard: they must stay one tool). "
             "`repeats`: gold chains that call a tool more than once (scored on first uses). "
             f"`{FLOW_CHAINS}`: this project's data-flow development set (agentfn/evals/data/flow_chains.json, "
             "MCP tools with outputSchema; chain settings were developed on it, so it is `tune`, never `held`).", "",
             "| registry | source | kind | split | requests | repeats | chain_exact | set_in_top5 | exact | order | fewer | more | wrong_tool |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for g in data["groups"]:
        a, b = g[off], g[on]
        cells = [f"{a[c]} -> {b[c]}" for c in ("chain_exact", "set_in_top5", *OUTCOMES)]
        lines.append(f"| {' | '.join(g['group'].split(' | '))} | {b['requests']} | {b['repeats']} | " + " | ".join(cells) + " |")
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
