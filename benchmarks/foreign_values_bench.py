"""Argument values on foreign function-style tools, the gold tool forced, embedded small model.

Run: ``AGENTFN_HOME=... .venv/bin/python benchmarks/foreign_values_bench.py [--arms plain,extractive]
[--ids a,b] [--out benchmarks/results/foreign_values.json]``; arms run apart are joined with
``--merge a.json b.json`` (running nothing).

Cases: :mod:`agentfn.evals.foreign_values` (``agentfn/evals/data/foreign_values.json``: short requests
over Python function-style tools written for this set, each with the exact call it should produce).
Every case offers only its gold tool with ``tool_choice="required"``, one step, through the real agent
loop (:func:`agentfn.evals.calls_run.evaluate_calls`), so only the argument values are scored: a case is
right when the call has every expected value and nothing else but defaults. Arms, one model, same cases:

* ``plain``: the call constrained by the tool's JSON schema only (what a user of the small model gets
  without extraction);
* ``extractive``: the embedded model's default, argument values narrowed to what the request states
  (:mod:`agentfn.backends._extract`).

A no-model table counts, per case, whether the expected call is admitted by the extractive
constraint at all (``reachable``: a wrong value there is the constraint's fault, not the model's).
Outcomes: right, wrong value, missing argument, extra argument (a value for an optional argument the
request does not state), loop (no call completed), abstain. Writes ``results/foreign_values.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
ARMS = {"plain": "gold tool forced, JSON-schema constraint only", "extractive": "gold tool forced + extractive values"}
OUTCOMES = ("right", "wrong_value", "missing_arg", "extra_arg", "loop", "abstain")


def outcome(passed: bool, made_call: bool, problems: list[str]) -> str:
    """The class of one scored run."""
    if passed:
        return "right"
    if not made_call:
        return "loop" if any(p.startswith("model error") for p in problems) else "abstain"
    if any("missing argument" in p for p in problems):
        return "missing_arg"
    if all("unexpected argument" in p for p in problems):
        return "extra_arg"
    return "wrong_value"


def reachable(case: dict[str, Any], tools: dict[str, dict[str, Any]], today: str) -> bool:
    """Whether the expected call (first acceptable value of each argument) satisfies the extractive constraint."""
    import jsonschema

    from agentfn.backends._extract import ExtractionSources, extractive_spec

    spec = extractive_spec({"type": "function", "function": tools[case["tool"]]}, ExtractionSources(case["request"], today))
    call = {k: (v[0] if isinstance(v, list) else v) for k, v in case["arguments"].items()}
    defaults = {k: s["default"] for k, s in tools[case["tool"]]["parameters"].get("properties", {}).items() if "default" in s}
    params = spec["function"]["parameters"]
    for branch in params.get("anyOf") or [params]:  # a required parameter spelled as its default is no miss
        filled = call | {k: defaults[k] for k in branch.get("required", []) if k not in call and k in defaults}
        try:
            jsonschema.validate(filled, branch)
        except jsonschema.ValidationError:
            continue
        return True
    return False


def run(args: argparse.Namespace, on_arm: Any = None) -> dict[str, Any]:
    from datetime import date

    from agentfn.backends import load_model
    from agentfn.evals.calls_run import evaluate_calls
    from agentfn.evals.foreign_values import foreign_value_cases, load_foreign_values

    data = load_foreign_values()
    toolset, cases = foreign_value_cases(data)
    raw = {c["id"]: c for c in data.cases}
    if args.ids:
        keep = set(args.ids.split(","))
        cases = [c for c in cases if c.id in keep]
    tools = {t["name"]: t for t in data.tools}
    today = date.today().isoformat()
    reach = {c.id: reachable(raw[c.id], tools, today) for c in cases}
    model: Any = load_model("embedded")
    model.max_call_tokens = args.max_call_tokens
    arms: dict[str, Any] = {}
    for arm in args.arms.split(","):
        model.extractive = arm == "extractive"
        print(f"arm {arm}: {ARMS[arm]} ...", flush=True)
        started = time.perf_counter()
        report = asyncio.run(evaluate_calls(model, toolset, cases, max_steps=1, tool_choice="required"))
        rows = []
        for res in report.cases:
            r = res.runs[0]
            rows.append({"id": res.id, "request": raw[res.id]["request"], "tool": raw[res.id]["tool"],
                         "outcome": outcome(r.passed, bool(r.calls), r.problems),
                         "arguments": r.calls[0]["arguments"] if r.calls else None, "problems": r.problems[:4],
                         "latency_s": round(r.latency_s, 2)})
        arms[arm] = {"label": ARMS[arm], "wall_s": round(time.perf_counter() - started, 1), "rows": rows,
                     "counts": {o: sum(row["outcome"] == o for row in rows) for o in OUTCOMES}}
        print(f"  {arms[arm]['counts']['right']}/{len(rows)} right", flush=True)
        if on_arm is not None:
            on_arm(_result(model, cases, toolset, args, today, reach, arms))  # the arms so far: a cut run keeps them
    return _result(model, cases, toolset, args, today, reach, arms)


def _result(model: Any, cases: list[Any], toolset: Any, args: argparse.Namespace, today: str, reach: dict[str, bool],
            arms: dict[str, Any]) -> dict[str, Any]:
    return {"machine": {"python": platform.python_version(), "platform": platform.platform()},
            "model": getattr(model, "name", "embedded"), "cases": len(cases), "tools": len(toolset),
            "max_call_tokens": args.max_call_tokens, "today": today,
            "reachable": sum(reach.values()), "unreachable": sorted(k for k, v in reach.items() if not v), "arms": arms}


def render_markdown(data: dict[str, Any]) -> str:
    arms = data["arms"]
    base = next(iter(arms.values()), None)
    base_right = base["counts"]["right"] if base else 0
    lines = [
        "# Foreign argument values, gold tool forced (embedded small model)", "",
        f"Model `{data['model']}`; {data['cases']} cases over {data['tools']} function-style tools "
        f"(`agentfn/evals/data/foreign_values.json`); a forced call may run to {data['max_call_tokens']} tokens. "
        "Written by `benchmarks/foreign_values_bench.py`; ratios against the first arm.", "",
        f"Expected call admitted by the extractive constraint (no model): {data['reachable']} of {data['cases']}"
        + (f" (not: {', '.join(data['unreachable'])})" if data["unreachable"] else "") + ".", "",
        "| arm | setting | accuracy | vs first | " + " | ".join(OUTCOMES) + " | wall s |",
        "|---|---|---|---|" + "---|" * len(OUTCOMES) + "---|",
    ]
    for arm, res in arms.items():
        n = len(res["rows"]) or 1
        right = res["counts"]["right"]
        ratio = f"{right / base_right:.2f}x" if base_right else "n/a"
        lines.append(f"| {arm} | {res['label']} | {right / n:.3f} | {ratio} | "
                     + " | ".join(str(res["counts"][o]) for o in OUTCOMES) + f" | {res['wall_s']} |")
    for arm, res in arms.items():
        lines += ["", f"## Misses of `{arm}`", "", "| id | request | outcome | arguments | problems |", "|---|---|---|---|---|"]
        for row in res["rows"]:
            if row["outcome"] != "right":
                problems = "; ".join(row["problems"]).replace("|", "/")
                lines.append(f"| {row['id']} | {row['request']} | {row['outcome']} | "
                             f"`{json.dumps(row['arguments'])}` | {problems} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--arms", default="extractive,plain", help=f"comma-separated, of {', '.join(ARMS)}")
    ap.add_argument("--ids", default="", help="comma-separated case ids (default: all)")
    ap.add_argument("--max-call-tokens", type=int, default=128, help="the embedded model's cap on a forced call")
    ap.add_argument("--out", default=str(RESULTS / "foreign_values.json"))
    ap.add_argument("--merge", nargs="+", default=None, help="join result JSONs of runs of some arms into --out, run nothing")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(data: dict[str, Any]) -> None:
        out.write_text(json.dumps(data, indent=1) + "\n")
        out.with_suffix(".md").write_text(render_markdown(data))

    if args.merge:  # runs of the same cases that each ran some arms, joined in the order given
        parts = [json.loads(Path(p).read_text()) for p in args.merge]
        if any(p["cases"] != parts[0]["cases"] for p in parts):
            raise SystemExit("--merge: the runs scored different cases")
        data = {**parts[0], "arms": {k: v for p in parts for k, v in p["arms"].items()}}
    else:
        data = run(args, save)
    save(data)
    print(render_markdown(data))


if __name__ == "__main__":
    main()
