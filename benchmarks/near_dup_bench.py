"""Near-duplicate heads: which of a few close Python-function tools the router's forced-call head picks.

Run: ``.venv/bin/python benchmarks/near_dup_bench.py [--label NAME] [--set first|fresh]``
Writes benchmarks/results/near_duplicates.json, then near_duplicates.md as ``render_markdown(json)``.

The set (:mod:`agentfn.evals.near_dups`, ``agentfn/evals/data/near_duplicates.json``: 76 tools in groups of two
or three named in different styles, 48 one-call requests) was written before any tie-break was tuned on it.
Each request is routed twice: over the set's tools alone, and over the set added to the foreign routing
benchmark's whole registry (:mod:`agentfn.evals.router_data`, 3,701 tools with the OpenAPI distractors;
its vectors cached in ``benchmarks/data`` as ``foreign_calls_bench.py`` caches them), where tools of other
vendors compete too. Arms side by side in one run: ``Router`` (the default, near-duplicate head on), the
same with the near-duplicate head off (what a user gets from plain retrieval), ``FillRouter`` and
``SlotRouter``; ratios against ``Router``. Each arm also routes every request with ``k=5`` for recall@1 and
recall@5 (gold first / among the five ranked), the retrieval the head chooses from. ``--label`` names the run in the results (kept per label, so a
first-try run and a later run stay side by side in one file). ``--set fresh`` routes the second set
(``near_duplicates_fresh.json``: 49 tools of other topics, 49 requests, written before tuning on it) and writes
results/near_duplicates_fresh.{json,md}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
RESULT_NAME = "near_duplicates"
CACHE = ROOT / "benchmarks" / "data"


def _foreign_router() -> tuple[Any, list[dict[str, Any]]]:
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router

    data = load_router_data(seed=0, distractors=1500)
    recs = data.records()
    key = hashlib.sha1("".join(r.fingerprint() for r in recs).encode()).hexdigest()[:12]
    folder = CACHE / f"router_foreign_{key}"  # the cache foreign_calls_bench.py and router_bench.py share
    if (folder / "router.json").exists():
        router = Router.load(folder)
        router.config = Router.build([], encoder=router.encoder).config  # current defaults, cached vectors
    else:
        router = Router.build(recs)
        router.save(folder)
    return router, data.tools()


def _arms(router: Any, specs: list[dict[str, Any]]) -> dict[str, Any]:
    from agentfn.fill import FillRouter
    from agentfn.slots import SlotRouter

    class _HeadOff:  # the same router with the near-duplicate head off, per call
        def route(self, text: str, k: int = 4) -> Any:
            saved = router.config
            router.config = saved.model_copy(update={"head_margin": 0.0})
            try:
                return router.route(text, k=k)
            finally:
                router.config = saved

    return {"Router": router, "Router, near-duplicate head off": _HeadOff(),
            "FillRouter": FillRouter(router, specs, never_abstain=True), "SlotRouter": SlotRouter(router, specs)}


def _recall(route: Any, cases: list[Any]) -> dict[str, float]:
    """Share of ``cases`` whose gold tool ranks first, and among the first five, with ``k=5``."""
    at1 = at5 = 0
    for case in cases:
        names = [n for n, _ in route(case.text, k=5).ranked[:5]]
        at1 += names[:1] == [case.gold]
        at5 += case.gold in names
    n = max(len(cases), 1)
    return {"recall@1": round(at1 / n, 4), "recall@5": round(at5 / n, 4)}


def run(label: str, name: str = "first") -> dict[str, Any]:
    from agentfn.evals.head_check import head_rates
    from agentfn.evals.near_dups import load_near_duplicates, near_duplicate_cases
    from agentfn.router import Router

    nd = load_near_duplicates(name)
    cases = near_duplicate_cases(nd)
    alone = Router.build(nd.tools)
    big, specs = _foreign_router()
    for spec in nd.tools:
        big.add(spec)
    out: dict[str, Any] = {"set": name, "tools": len(nd.tools), "requests": len(cases), "registry": len(big), "arms": {}}
    for registry, router, tools in (("alone", alone, nd.tools), ("in foreign registry", big, [*specs, *nd.tools])):
        for arm, r in _arms(router, tools).items():
            res = head_rates(lambda text, r=r: r.route(text, k=4), cases)
            rec = _recall(r.route, cases)
            out["arms"].setdefault(registry, {})[arm] = {"head_is_gold": res["head_is_gold"], "gold_offered": res["gold_offered"],
                                                         **rec}
            print(registry, arm, res["head_is_gold"], res["gold_offered"], rec, flush=True)
    return {label: out}


def _cell(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:.3f}" if key in row else "–"  # runs before recall was recorded have none


def render_markdown(data: dict[str, Any], name: str | None = None) -> str:
    """The page for ``data`` (label -> run); the set is ``name``, else the one its runs record, else the first."""
    from agentfn.evals.near_dups import SETS

    name = name or next((str(r["set"]) for r in data.values() if "set" in r), "first")
    lines = ["# Near-duplicate heads (`benchmarks/near_dup_bench.py`)", "",
             "Which of a few close Python-function tools the router's head (the forced call's tool) picks, on the set "
             f"`agentfn/evals/{SETS[name]}` (written before tuning). Ratios against `Router` of the same run."]
    for label, run_data in data.items():
        lines += ["", f"## Run `{label}`: {run_data['tools']} tools, {run_data['requests']} requests "
                      f"(foreign registry with the set: {run_data['registry']} tools)", "",
                  "| registry | arm | head is gold | vs Router | gold among 4 offered | recall@1 | recall@5 |",
                  "|---|---|---|---|---|---|---|"]
        for registry, arms in run_data["arms"].items():
            base = arms["Router"]["head_is_gold"] or 1.0
            for arm, row in arms.items():
                lines.append(f"| {registry} | {arm} | {row['head_is_gold']:.3f} | {row['head_is_gold'] / base:.2f}x "
                             f"| {row['gold_offered']:.3f} | {_cell(row, 'recall@1')} | {_cell(row, 'recall@5')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--label", default="latest", help="the run's name in the results (earlier labels are kept)")
    ap.add_argument("--set", default="first", choices=("first", "fresh"), help="which packaged set to route")
    args = ap.parse_args(argv)
    out = RESULTS / (RESULT_NAME + ("" if args.set == "first" else f"_{args.set}") + ".json")
    data: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    data.update(run(args.label, args.set))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    out.with_suffix(".md").write_text(render_markdown(data, args.set))
    print(render_markdown(data, args.set))


if __name__ == "__main__":
    main()
