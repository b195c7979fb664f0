"""Long pastes through ``agentfn run --json``: wall seconds per case, this checkout beside a baseline ref.

Run: ``.venv/bin/python benchmarks/pasted_passages.py [--baseline-ref REF] [--ids a,b]``. Each request of
``agentfn/evals/data/pasted_passages.jsonl`` (written for this benchmark: English and German pastes of
600 to 3,000 characters for summarize, sentiment and translate) runs as a user runs it, once per arm, in a
fresh process with the arm's code first on ``PYTHONPATH`` (the baseline extracted with ``git archive``).
Writes ``benchmarks/results/pasted_passages.{json,md}``: per case the wall seconds, whether the run answered,
whether the called tool got the passage byte-exact, and the baseline/current time ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "agentfn" / "evals" / "data" / "pasted_passages.jsonl"
RESULTS = ROOT / "benchmarks" / "results"


def _checkout(ref: str, work: Path) -> Path:
    target = work / f"code-{ref}"
    if not target.exists():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
        target.mkdir(parents=True)
        with tempfile.TemporaryFile() as fh:
            fh.write(archive)
            fh.seek(0)
            with tarfile.open(fileobj=fh) as tar:
                tar.extractall(target, filter="data")
    return target


def _run(code: Path, prompt: str, timeout: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", "from agentfn.cli import main; main()", "run", "--json", prompt], env=env, cwd=code,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall_s": round(time.perf_counter() - started, 1), "answered": False, "error": "timeout"}
    wall = round(time.perf_counter() - started, 1)
    try:
        out: Any = json.loads(done.stdout)
    except ValueError:
        return {"wall_s": wall, "answered": False, "error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return {"wall_s": wall, "answered": bool(out.get("output")), "calls": out.get("tool_calls") or out.get("calls") or [],
            "output": str(out.get("output"))[:200]}


def _exact(result: dict[str, Any], passage: str) -> bool:
    return any(passage in json.dumps(c, ensure_ascii=False) or passage in str(c) for c in result.get("calls", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", default="99f5445")
    parser.add_argument("--ids", default="")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "agentfn-pasted-bench"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from agentfn.backends._pasted import pasted_passage

    cases = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.ids:
        cases = [c for c in cases if c["id"] in args.ids.split(",")]
    arms = {"baseline": _checkout(args.baseline_ref, Path(args.work_dir)), "current": ROOT}
    rows: list[dict[str, Any]] = []
    for case in cases:
        passage = pasted_passage(case["prompt"]) or ""
        row: dict[str, Any] = {"id": case["id"], "tool": case["tool"], "chars": len(passage)}
        for arm, code in arms.items():
            result = _run(code, case["prompt"], args.timeout)
            result["passage_exact"] = _exact(result, passage)
            result.pop("calls", None)
            row[arm] = result
            print(case["id"], arm, result, flush=True)
        row["time_ratio"] = round(row["baseline"]["wall_s"] / max(row["current"]["wall_s"], 0.1), 2)
        rows.append(row)
    data = {"benchmark": "pasted_passages", "baseline_ref": args.baseline_ref,
            "command": " ".join(["python benchmarks/pasted_passages.py", *sys.argv[1:]]),
            "machine": {"cpus": os.cpu_count(), "load_avg_end": list(os.getloadavg())}, "cases": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pasted_passages.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "pasted_passages.md").write_text(render_markdown(data), encoding="utf-8")


def render_markdown(data: dict[str, Any]) -> str:
    """The results page of ``data`` (what :func:`main` wrote to ``pasted_passages.json``)."""
    machine = data.get("machine", {})
    loads = ", ".join(f"{x:.1f}" for x in machine.get("load_avg_end", []))
    lines = ["# Long pastes: `agentfn run --json` wall seconds", "",
             f"Command: `{data.get('command', 'python benchmarks/pasted_passages.py')}`. Baseline "
             f"`{data['baseline_ref']}` beside this checkout, same machine, one run each "
             f"({machine.get('cpus', '?')} CPUs, load average at the end: {loads or '?'}).", "",
             "| case | tool | chars | baseline s | current s | ratio | answered (b/c) | passage exact (b/c) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in data["cases"]:
        b, c = r["baseline"], r["current"]
        lines.append(f"| {r['id']} | {r['tool']} | {r['chars']} | {b['wall_s']} | {c['wall_s']} | {r['time_ratio']} | "
                     f"{b['answered']}/{c['answered']} | {b['passage_exact']}/{c['passage_exact']} |")
    return "\n".join(lines) + "\n"

if __name__ == "__main__":
    main()
