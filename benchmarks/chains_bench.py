"""Chains benchmark: does ``RoutePlan.selected`` equal the needed chain on multi-step requests?

Run: ``.venv/bin/python benchmarks/chains_bench.py [--seed 0] [--distractors N] [--written-only] [--first-try b|c|d|e|f|g] [--sets abcdefg] [--show]``
Writes benchmarks/results/chains.json, then chains.md as ``render_markdown(json)``
(``--written-only``: only the sets written here, to chains_written.{json,md};
``--first-try b``/``c``/``d``/``e``/``f``/``g``: also record that untuned set's rows as
chains_<set>_first.json, the figure of the router before any fix for that set; chains.md shows each beside the current run; ``--show``: print each missed written request).

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
  the same way against its own tools, and so are its second and third sets, each
  written before any fix was made for it (``flow-chains-b``, ``flow-chains-c``: the
  untuned figures), and so are its fourth to seventh (``flow-chains-d`` to ``flow-chains-g``).

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
FLOW_CHAINS_B = "flow-chains-b (written here, untuned)"
"""The second written set: its first try (before fixes) is recorded in chains_b_first.json."""
FLOW_CHAINS_C = "flow-chains-c (written here, untuned)"
"""The third written set (other tool kinds: numeric helpers, nested calls, conversions): first try in chains_c_first.json."""
FLOW_CHAINS_D = "flow-chains-d (written here, untuned)"
"""The fourth written set (statistics, finance, geometry, units; outer operations, hyphenated compounds): first try in chains_d_first.json."""
FLOW_CHAINS_E = "flow-chains-e (written here, untuned)"
"""The fifth written set (lookups feeding actions, implicit inputs, renamed inputs): first try in chains_e_first.json."""
FLOW_CHAINS_F = "flow-chains-f (written here, untuned)"
"""The sixth written set (longer chains, fan-out, fan-in, arithmetic between API calls, goal-only requests, mixed
naming conventions): first try in chains_f_first.json."""
FLOW_CHAINS_G = "flow-chains-g (written here, untuned)"
"""The seventh written set (domains a-f never used, nested output fields, ids named unlike the inputs they feed,
implied lookups, chains of up to 7 calls): first try in chains_g_first.json."""
WRITTEN = (FLOW_CHAINS, FLOW_CHAINS_B, FLOW_CHAINS_C, FLOW_CHAINS_D, FLOW_CHAINS_E, FLOW_CHAINS_F, FLOW_CHAINS_G)
UNTUNED = {"b": FLOW_CHAINS_B, "c": FLOW_CHAINS_C, "d": FLOW_CHAINS_D, "e": FLOW_CHAINS_E, "f": FLOW_CHAINS_F,
           "g": FLOW_CHAINS_G}
"""Untuned set letter -> source name; its first try lives in :func:`first_try_path`."""


def first_try_path(which: str) -> Path:
    """Where the first try of untuned set ``which`` ("b" or "c") is recorded."""
    return RESULTS / f"chains_{which}_first.json"


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


Misses = dict[str, list[tuple[str, list[str]]]]
"""``registry | source`` -> (source, miss classes) per multi-step request (action steps arm, :mod:`agentfn.evals.chain_misses`)."""


def _route_all(router: Any, examples: list[Any], registry: str, groups: dict[str, dict[str, list[Row]]],
               show: bool = False, misses: Misses | None = None) -> None:
    from agentfn.evals.chain_misses import classify

    for arm in ARMS:
        router.config.step_parse = "actions" if arm == ARMS[1] else "connectives"
        for e in examples:
            plan = router.route(e.text, k=10)
            row = (outcome(list(plan.selected), list(e.gold)), set(e.gold) <= {n for n, _ in plan.ranked[:5]},
                   len(e.chain) > len(set(e.chain)))
            if misses is not None and arm == ARMS[1] and e.kind == "multi":
                misses[f"{registry} | {e.source}"].append(
                    (e.source, classify(list(plan.selected), [n for n, _ in plan.ranked], list(e.gold), plan.abstain)))
            if show and arm == ARMS[1] and row[0] != "exact":
                print(f"  MISS {row[0]:<10} top5={row[1]!s:<5} {e.text!r}\n    gold {list(e.gold)}\n    got  {list(plan.selected)}"
                      f"\n    top5 {[n for n, _ in plan.ranked[:5]]}", flush=True)
            split = "tune" if e.split in TUNE else "held"
            kind = "multi" if e.kind == "multi" else "single"
            keys = [f"{registry} | {e.source} | {kind} | {split}", f"{registry} | {e.source} | {kind} | all"]
            if e.source != "generated" and e.source not in WRITTEN:
                keys += [f"{registry} | all foreign | {kind} | all", f"{registry} | all foreign | {kind} | {split}"]
            for key in keys:
                groups[arm][key].append(row)
    router.config.step_parse = "actions"


def _route_written(encoder: Any, groups: dict[str, dict[str, list[Row]]], own_tools: dict[str, int], show: bool,
                   misses: Misses | None = None, sets: str = "abcdefg") -> None:
    from agentfn.evals.flow_chains import flow_chains_source
    from agentfn.router import Router

    for which in sets:
        written = flow_chains_source(which)  # pyright: ignore[reportArgumentType]
        mine: Any = Router.build(written.tools, encoder=encoder)
        own_tools[written.name] = len(written.tools)
        print(f"own registry {written.name}: {len(written.tools)} tools, {len(written.examples)} requests per arm ...", flush=True)
        _route_all(mine, written.examples, "own", groups, show, misses)


def _commit() -> str:
    import subprocess

    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def _result(command: str, groups: dict[str, dict[str, list[Row]]], registry_tools: int, own_tools: dict[str, int],
            misses: Misses | None = None) -> dict[str, Any]:
    from agentfn.evals.chain_misses import tally

    keys = sorted({k for g in groups.values() for k in g})
    return {
        "command": command,
        "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "router": "agentfn Router (hybrid, cold start, no traces)",
        "registry_tools": registry_tools,
        "own_tools": own_tools,
        "groups": [{"group": k, **{arm: _summary(groups[arm].get(k, [])) for arm in ARMS}} for k in keys],
        "misses": {k: tally(v)[v[0][0]] for k, v in sorted((misses or {}).items()) if v},
    }


def run_written(show: bool = False, sets: str = "abcdefg") -> dict[str, Any]:
    """Only the sets written here (``sets``: their letters), each against its own tools (minutes, not the whole registry)."""
    from threadpoolctl import threadpool_limits

    from agentfn.router import Router

    threadpool_limits(2)
    encoder = Router.build([]).encoder
    groups: dict[str, dict[str, list[Row]]] = {arm: defaultdict(list) for arm in ARMS}
    own_tools: dict[str, int] = {}
    misses: Misses = defaultdict(list)
    _route_written(encoder, groups, own_tools, show, misses, sets)
    return _result("benchmarks/chains_bench.py --written-only" + (f" --sets {sets}" if sets != "abcdefg" else ""), groups, 0, own_tools, misses)


def run(seed: int, distractors: int, show: bool = False) -> dict[str, Any]:
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
    misses: Misses = defaultdict(list)
    _route_all(router, multi, "whole", groups, misses=misses)
    own_tools: dict[str, int] = {}
    for src in data.sources:
        asked = [e for e in src.examples if e.kind in ("single", "multi") and e.gold]
        if src.name == "generated" or not any(e.kind == "multi" for e in asked):
            continue
        own: Any = Router.build(src.tools, encoder=router.encoder)
        own_tools[src.name] = len(src.tools)
        print(f"own registry {src.name}: {len(src.tools)} tools, {len(asked)} requests per arm ...", flush=True)
        _route_all(own, asked, "own", groups, misses=misses)
    _route_written(router.encoder, groups, own_tools, show, misses)
    return _result(f"benchmarks/chains_bench.py --seed {seed} --distractors {distractors}", groups,
                   len(data.records()), own_tools, misses)


def first_try(data: dict[str, Any], which: str = "b") -> dict[str, Any]:
    """Untuned set ``which``'s rows of ``data``, kept as the figure before any fix for that set."""
    rows = [g for g in data["groups"] if g["group"].split(" | ")[1] == UNTUNED[which]]
    return {"command": data["command"], "commit": data["commit"], "machine": data["machine"], "set": which,
            "groups": rows}


def _first_try_lines(data: dict[str, Any], first: dict[str, Any]) -> list[str]:
    now = {g["group"]: g[ARMS[1]] for g in data["groups"]}
    which = str(first.get("set", "b"))
    lines = ["", f"## {UNTUNED[which]}: first try -> this run", "",
             f"First try: `{first['command']}` at commit {first['commit']} (main's router, the set written and "
             f"scored before any fix for it; {first_try_path(which).name}). This run: commit {data.get('commit', '?')}. "
             f"Arm: {ARMS[1]} (the default).", "",
             "| group | requests | chain_exact | set_in_top5 | exact | order | fewer | more | wrong_tool |",
             "|---|---|---|---|---|---|---|---|---|"]
    for g in first["groups"]:
        a, b = g[ARMS[1]], now.get(g["group"])
        if b is None:
            continue
        cells = [f"{a[c]} -> {b[c]}" for c in ("chain_exact", "set_in_top5", *OUTCOMES)]
        lines.append(f"| {g['group']} | {b['requests']} | " + " | ".join(cells) + " |")
    return lines


def render_markdown(data: dict[str, Any], firsts: list[dict[str, Any]] | None = None) -> str:
    """chains.md from chains.json, which carries the untuned sets' first tries under ``first_tries`` (pure: the
    same JSON always gives the same text); ``firsts`` overrides them."""
    if firsts is None:  # older pages carry one first try, under ``first_try``
        firsts = data.get("first_tries", [data["first_try"]] if "first_try" in data else [])
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
             "MCP tools with outputSchema; chain settings were developed on it, so it is `tune`, never `held`). "
             f"`{FLOW_CHAINS_B}`: a second set (flow_chains_b.json, other domains), written and first scored before "
             "any fix for it; its first try is set beside this run below. "
             f"`{FLOW_CHAINS_C}`: a third set (flow_chains_c.json: numeric helpers, nested calls, conversions, id "
             "lookups then actions), written and first scored the same way. "
             f"`{FLOW_CHAINS_D}`: a fourth set (flow_chains_d.json: statistics, finance, geometry, units; outer "
             "operations around two results, hyphenated compounds, 'the first one'), written and first scored the same way. "
             f"`{FLOW_CHAINS_E}`: a fifth set (flow_chains_e.json: lookups of ids, codes and coordinates before actions, "
             "implicit inputs, one tool on two values, inputs named unlike the fields feeding them), written and first "
             "scored the same way. "
             f"`{FLOW_CHAINS_F}`: a sixth set (flow_chains_f.json: chains of 4-7 calls, one result feeding two calls, two "
             "results feeding one, arithmetic between API calls, goal-only requests, dotted and camelCase tool names), "
             "written and first scored the same way. "
             f"`{FLOW_CHAINS_G}`: a seventh set (flow_chains_g.json: freight, payroll, health records, CI, IoT, podcasts, "
             "a learning platform, a food database; nested output fields, ids named unlike the inputs they feed, implied "
             "lookups, chains of up to 7 calls), written and first scored the same way.", "",
             "| registry | source | kind | split | requests | repeats | chain_exact | set_in_top5 | exact | order | fewer | more | wrong_tool |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for g in data["groups"]:
        a, b = g[off], g[on]
        cells = [f"{a[c]} -> {b[c]}" for c in ("chain_exact", "set_in_top5", *OUTCOMES)]
        lines.append(f"| {' | '.join(g['group'].split(' | '))} | {b['requests']} | {b['repeats']} | " + " | ".join(cells) + " |")
    lines += _miss_lines(data.get("misses", {}))
    for first in firsts:
        lines += _first_try_lines(data, first)
    return "\n".join(lines) + "\n"


def _miss_lines(misses: dict[str, dict[str, int]]) -> list[str]:
    """Why multi-step requests miss (:mod:`agentfn.evals.chain_misses`), per registry and source."""
    if not misses:
        return []
    from agentfn.evals.chain_misses import CLASSES

    lines = ["", f"## Why multi-step requests miss ({ARMS[1]})", "",
             "Classes of `agentfn.evals.chain_misses` (a request may count in several): `producer_missing`: a gold "
             "lookup that feeds a later gold tool is not selected (`producer_outside_top5`: nor in the top 5); "
             "`consumer_missing`: another gold tool is not selected, by where it ranks; `extra`: a selected tool "
             "outside the gold chain.", "",
             "| registry | source | requests | " + " | ".join(CLASSES) + " |",
             "|---|---|---|" + "---|" * len(CLASSES)]
    for key, c in misses.items():
        lines.append(f"| {' | '.join(key.split(' | '))} | {c['requests']} | " + " | ".join(str(c[k]) for k in CLASSES) + " |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--distractors", type=int, default=1500, help="OpenAPI distractor tools in the foreign registry")
    ap.add_argument("--written-only", action="store_true", help="only the sets written here, to chains_written.*")
    ap.add_argument("--first-try", choices=sorted(UNTUNED), help="record that untuned set's rows as chains_<set>_first.json")
    ap.add_argument("--show", action="store_true", help="print each missed written request")
    ap.add_argument("--sets", default="abcdefg", help="with --written-only: which written sets (letters), e.g. be")
    args = ap.parse_args()
    result = run_written(args.show, args.sets) if args.written_only else run(args.seed, args.distractors, args.show)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.first_try:
        first_try_path(args.first_try).write_text(json.dumps(first_try(result, args.first_try), indent=1) + "\n")
    firsts = [json.loads(first_try_path(w).read_text()) for w in sorted(UNTUNED) if first_try_path(w).exists()]
    result["first_tries"] = firsts  # the page is rendered from its JSON alone
    stem = "chains_written" if args.written_only else "chains"
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / f"{stem}.md").write_text(render_markdown(result, firsts))
    print(render_markdown(result, firsts))


if __name__ == "__main__":
    main()
