"""The first minute, swept: ``agentfn run --json`` on what a new user types that is not a clean tool request.

Run: ``AGENTFN_HOME=... .venv/bin/python benchmarks/first_minute_bench.py`` (writes
``benchmarks/results/first_minute.json`` and ``first_minute.md``). Each case of
``agentfn/evals/data/first_minute.jsonl`` is one invocation of the CLI a user runs,
``agentfn run --json --yes PROMPT``, in-process through click's test runner (so each case builds its agent
and loads the embedded model as the command does), in a worker process with a fresh files root. The
worker is killed when one case uses more than ``--timeout`` CPU seconds (or ``--wall-timeout`` wall seconds);
that case counts as a loop/timeout and a new worker goes on with the next. Workers only record exit code, stdout, stderr and seconds; this process
judges them with :func:`agentfn.evals.first_minute.judge`.

Arms, side by side on the same cases (:func:`_arms.run_arms`): ``first_try`` (main's code at
``--baseline-ref``, before the sweep's first fixes), ``main`` (main at ``--main-ref``, before the second
round's fixes), both extracted with ``git archive``, and ``current`` (this checkout). ``--reuse-baseline``
keeps the first-try arm of the results file; ``--rerun`` runs the current arm's cases again, ``--only`` runs
just the given ids (the page still scores every selected case an arm has a raw result for). The
page has one table per comparison, each on the cases its arms all finished. ``--classes``/``--per-class``/``--ids`` pick a subset (cases are
taken round-robin over classes, so a run cut short still covers every class). Raw results are appended
under ``--work-dir`` and a rerun resumes from them (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _arms import run_arms
from embedded_bench import read_raw

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
CASES = ROOT / "agentfn" / "evals" / "data" / "first_minute.jsonl"
BASELINE_REF = "9118cdf"  # main when the sweep set was written (before any of its fixes)
MAIN_REF = "99f5445"  # main before the second sweep (--per-class 2 and 3) and its fixes
ARMS = ("first_try", "main", "current")
FLAGS = ("crash", "markup", "loop", "slow", "plain", "good")


def worker(args: argparse.Namespace) -> None:
    """Run the given cases through ``agentfn run --json --yes``; append one JSON line per case."""
    import torch

    torch.set_num_threads(args.threads)
    from typer.testing import CliRunner

    from agentfn.cli import app

    cases = {json.loads(line)["id"]: json.loads(line) for line in Path(args.cases).read_text().splitlines() if line}
    runner = CliRunner()
    for case_id in args.ids.split(","):
        with tempfile.TemporaryDirectory() as root:
            Path(args.out).with_suffix(".started").write_text(
                json.dumps({"id": case_id, "t": time.time(), "cpu": _cpu_seconds(os.getpid())}))
            started = time.perf_counter()
            result = runner.invoke(app, ["run", "--json", "--yes", cases[case_id]["prompt"]],
                                   env={"AGENTFN_FILES_ROOT": root})
            seconds = time.perf_counter() - started
        error = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            error = f"{type(result.exception).__name__}: {result.exception}"  # escaped the CLI: a traceback
        record = {"id": case_id, "at": datetime.now(UTC).isoformat(), "exit_code": result.exit_code,
                  "stdout": result.stdout[-20000:], "stderr": (result.stderr + ("\n" + error if error else ""))[-4000:],
                  "latency_s": round(seconds, 3), "timed_out": False}
        if error:
            record["stderr"] = "Traceback (most recent call last)\n" + record["stderr"]
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used (all its threads), from ``/proc``: a loop burns CPU, a loaded box only waits."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_arm(code: Path, ids: list[str], raw: Path, args: argparse.Namespace) -> None:
    """Run the cases not yet in ``raw``; a case past the time limit kills the worker and is recorded as such."""
    env = dict(os.environ, PYTHONPATH=str(code), TOKENIZERS_PARALLELISM="false")
    while todo := [i for i in ids if i not in {r["id"] for r in read_raw(raw)}]:
        marker = raw.with_suffix(".started")
        marker.unlink(missing_ok=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--ids", ",".join(todo),
               "--cases", str(CASES), "--out", str(raw), "--threads", str(args.threads)]
        proc = subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir())
        while proc.poll() is None:
            time.sleep(2)
            if marker.exists():
                started = json.loads(marker.read_text())
                used = _cpu_seconds(proc.pid) - started["cpu"]
                over = used > args.timeout or time.time() - started["t"] > args.wall_timeout
                if over and started["id"] not in {r["id"] for r in read_raw(raw)}:
                    proc.kill()
                    proc.wait()
                    with open(raw, "a", encoding="utf-8") as f:
                        f.write(json.dumps({"id": started["id"], "at": datetime.now(UTC).isoformat(), "exit_code": -9,
                                            "stdout": "", "stderr": "", "cpu_s": round(used, 1),
                                            "latency_s": round(time.time() - started["t"], 1),
                                            "timed_out": True}) + "\n")
        if proc.returncode not in (0, -9) and todo == [i for i in ids if i not in {r["id"] for r in read_raw(raw)}]:
            raise SystemExit(f"worker failed with {proc.returncode} before finishing a case")


def _forget(raw: Path, ids: set[str]) -> None:
    kept = [r for r in read_raw(raw) if r["id"] not in ids]
    raw.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = sorted(r["latency_s"] for r in rows)
    n = len(rows)
    out: dict[str, Any] = {"n": n, **{flag: sum(bool(r[flag]) for r in rows) for flag in FLAGS}}
    out["p50_s"] = round(statistics.median(latencies), 1) if latencies else 0.0
    out["p95_s"] = round(latencies[min(n - 1, int(0.95 * n))], 1) if latencies else 0.0
    return out


def _select(cases: list[Any], args: argparse.Namespace) -> list[Any]:
    if args.ids:
        wanted = set(args.ids.split(","))
        cases = [c for c in cases if c.id in wanted]
    if args.classes:
        cases = [c for c in cases if c.cls in set(args.classes.split(","))]
    by_class: dict[str, list[Any]] = {}
    for case in cases:
        by_class.setdefault(case.cls, []).append(case)
    if args.per_class:
        by_class = {k: v[: args.per_class] for k, v in by_class.items()}
    ordered: list[Any] = []
    for i in range(max((len(v) for v in by_class.values()), default=0)):  # round-robin over classes
        ordered += [v[i] for v in by_class.values() if i < len(v)]
    return ordered


def _comparisons(arms: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables of the page: every arm on the cases all of them finished, then each later arm with the
    arm before it on the cases both finished (when that is more cases): no figure mixes different cases."""
    names = list(arms)
    groups = [names] + [names[i - 1:i + 1] for i in range(2, len(names))]
    out: list[dict[str, Any]] = []
    for group in groups:
        ids = set.intersection(*({r["id"] for r in arms[a]["cases"]} for a in group))
        if out and len(ids) <= len(out[0]["ids"]):
            continue
        by_class = {cls: {a: _summary([r for r in arms[a]["cases"] if r["id"] in ids and cls in ("all", r["class"])])
                          for a in group}
                    for cls in [*sorted({r["class"] for a in group for r in arms[a]["cases"] if r["id"] in ids}), "all"]}
        out.append({"arms": group, "ids": sorted(ids), "by_class": by_class})
    return out


def _render_table(comp: dict[str, Any]) -> list[str]:
    group = comp["arms"]
    lines = [f"### {' / '.join(group)} on the {len(comp['ids'])} cases {'all' if len(group) > 2 else 'both'} finished",
             "", "Each cell: " + " / ".join(group) + ".", "",
             "| class | n | " + " | ".join(FLAGS) + " | p50/p95 s |", "|" + "---|" * (3 + len(FLAGS))]
    for cls, sums in comp["by_class"].items():
        n = next(iter(sums.values()))["n"]
        cells = [" / ".join(str(sums[a][f]) for a in group) for f in FLAGS]
        lat = " / ".join(f"{sums[a]['p50_s']}/{sums[a]['p95_s']}" for a in group)
        lines.append(f"| {'**all**' if cls == 'all' else cls} | {n} | " + " | ".join(cells) + f" | {lat} |")
    first, last = (comp["by_class"]["all"][a] for a in (group[0], group[-1]))
    ratio = f"{last['good'] / first['good']:.2f}x" if first["good"] else "n/a"
    return [*lines, "", f"Good replies, {group[0]} -> {group[-1]}: {first['good']}/{first['n']} -> "
            f"{last['good']}/{last['n']} ({ratio}).", ""]


def render_markdown(data: dict[str, Any]) -> str:
    arms = data["arms"]
    lines = [f"# First minute: `agentfn run --json` on {data['n_ran']} first-minute inputs", "",
             f"Set `{data['cases_file']}`; model {data['model']}; machine {data['machine']}. "
             "Arms: " + "; ".join(f"`{a}` = {v['code']}" + (" (kept from an earlier run)" if v.get("reused") else "")
                                  for a, v in arms.items()) + ". "
             "Bad flags (crash, markup, loop = killed at the time limit or a repeating answer, slow = over the "
             "case's max_s) should be 0; plain = a readable reply; good = plain and passes the case's checks. "
             "Each table counts only the cases its arms all finished.", ""]
    for comp in data["comparisons"]:
        lines += _render_table(comp)
    shown = list(arms)[-2:]
    lines += [f"## Every reply of {' and '.join(f'`{a}`' for a in shown)} (a case an arm did not run: -)", "",
              "| id | class | prompt | " + " | ".join(f"{a}: flags | {a}: output / error" for a in shown) + " |",
              "|---|---|---|" + "---|---|" * len(shown)]
    rows = {a: {r["id"]: r for r in arms[a]["cases"]} for a in shown}
    for case_id in sorted({i for by_id in rows.values() for i in by_id}):
        first = next(by_id[case_id] for by_id in rows.values() if case_id in by_id)
        cells = [_cell(rows[a].get(case_id)) for a in shown]
        prompt = first["prompt"].replace("|", "/").replace("\n", " ")[:60]
        lines.append(f"| {case_id} | {first['class']} | {prompt} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(r: dict[str, Any] | None) -> str:
    """Two table cells for one reply: its flags (good, or what is wrong) and its text."""
    if r is None:
        return "- | -"
    flags = "good" if r["good"] else ",".join(f for f in ("crash", "markup", "loop", "slow") if r[f]) or "not good"
    text = " ".join((r["output"] or r["error"] or "").split()).replace("|", "/")[:120]
    return f"{flags} ({r['latency_s']:.0f} s) | {text}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--ids", default="", help="comma-separated case ids")
    parser.add_argument("--classes", default="", help="only these classes (comma-separated)")
    parser.add_argument("--per-class", type=int, default=0, help="at most this many cases per class")
    parser.add_argument("--arms", default=",".join(ARMS), help="which arms, in order: first_try,main,current")
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument("--main-ref", default=MAIN_REF, help="the code of the main arm (main before this sweep's fixes)")
    parser.add_argument("--rerun", action="store_true", help="forget the current arm's raw results of the cases it runs")
    parser.add_argument("--only", default="", help="run only these ids (comma-separated); the page scores every "
                        "selected case an arm has a raw result for")
    parser.add_argument("--reuse-baseline", action="store_true", help="keep the first-try arm of the results file")
    parser.add_argument("--timeout", type=float, default=240.0,
                        help="CPU seconds of the worker before a case counts as a loop (a loaded box does not trip it)")
    parser.add_argument("--wall-timeout", type=float, default=900.0, help="wall seconds before a case counts as a loop")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per worker")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "agentfn-first-minute"))
    parser.add_argument("--fresh", action="store_true", help="forget raw results from earlier runs")
    parser.add_argument("--results", default=str(RESULTS / "first_minute.json"))
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sys.path.insert(0, str(ROOT))
    from agentfn.evals.first_minute import judge, load_first_minute

    cases = _select(load_first_minute(CASES), args)
    results = Path(args.results)
    previous = json.loads(results.read_text()) if results.exists() else {}
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    refs = {"first_try": args.baseline_ref, "main": args.main_ref}

    def run_and_score(arm: str, code: Path) -> dict[str, Any]:
        raw = work / f"raw-{'current' if arm == 'current' else refs[arm]}.jsonl"
        if args.fresh:
            raw.unlink(missing_ok=True)
        ids = [c.id for c in cases if not args.only or c.id in args.only.split(",")]
        if args.rerun and arm == "current":
            _forget(raw, set(ids))
        _run_arm(code, ids, raw, args)
        by_id = {r["id"]: r for r in read_raw(raw)}
        return {"cases": [judge(c, by_id[c.id]) for c in cases if c.id in by_id]}

    arms = run_arms(args.arms.split(","), refs, work, run_and_score, previous=previous.get("arms"),
                    reuse=["first_try"] if args.reuse_baseline else [])
    comparisons = _comparisons(arms)
    data = {"benchmark": "first_minute", "cases_file": "agentfn/evals/data/first_minute.jsonl",
            "model": "embedded (SmolLM2-135M-Instruct, transformers, CPU)",
            "n_ran": len({r["id"] for a in arms.values() for r in a["cases"]}),
            "timeout_cpu_s": args.timeout, "timeout_wall_s": args.wall_timeout, "threads": args.threads,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "load_avg_1m": round(os.getloadavg()[0], 2)},
            "arms": arms, "comparisons": comparisons}
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    results.with_suffix(".md").write_text(render_markdown(data), encoding="utf-8")
    print(render_markdown(data))


if __name__ == "__main__":
    main()
