"""The embedded default in conversations: follow-up turns through the ``agentfn chat`` path.

Run: ``.venv/bin/python benchmarks/embedded_turns_bench.py`` (writes ``benchmarks/results/embedded_turns.json``
and ``embedded_turns.md``; ``--cases`` names another set, e.g. ``everyday_turns_b.jsonl`` with ``--results
benchmarks/results/embedded_turns_b.json``). Each conversation of ``agentfn/evals/data/everyday_turns.jsonl`` (2-3 user
turns: follow-ups that change one value or unit, say "and X?", use "it"/"that", or switch topic) is
typed into one :class:`agentfn.chat.ChatSession` over the agent ``agentfn chat`` builds
(``agentfn.cli.build_agent`` with the defaults: the embedded SmolLM2-135M, the built-in tools, the router,
forced calls along the route; side effects approved as with ``--yes``), turn after turn, so every turn
after the first carries the conversation as history exactly as the chat does. A fresh files root and
session per conversation; a local HTTP server for ``http_get``.

Arms, side by side: ``first_try`` (main's code at ``--baseline-ref``, before any follow-up work, extracted
with ``git archive``) and ``current`` (this checkout). Workers record; this process scores each turn with
:func:`agentfn.evals.everyday.check_answer`. ``--reuse-baseline`` keeps the first-try arm of the results
file. A turn is *right* when its run answered without markup and the answer passes the checker; a
conversation is right when all its turns are. Figures are given for first turns and for follow-ups.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _arms import run_arms
from embedded_bench import read_raw, recorded_calls, serve_fixtures, snapshot_files

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
DATA = ROOT / "agentfn" / "evals" / "data"
CASES = DATA / "everyday_turns.jsonl"
BASELINE_REF = "d97f9e8"  # main before the follow-up work (issue 14, w29)
ARMS = ("first_try", "current")


def _turn_record(session: Any, before: int, prompt: str, started: float) -> dict[str, Any]:
    new = session.messages[before:]
    calls = recorded_calls(new)
    last = new[-1] if new else None
    answered = last is not None and last.role == "assistant" and not getattr(last, "tool_calls", None)
    output = str(last.content) if answered and last is not None and last.content else None
    return {"prompt": prompt, "at": datetime.now(UTC).isoformat(), "output": output, "answered": answered,
            "calls": calls, "latency_s": round(time.perf_counter() - started, 3)}


def worker(args: argparse.Namespace) -> None:
    """Run the given conversations with whatever ``agentfn`` is first on the path; append JSON lines."""
    import torch

    torch.set_num_threads(args.threads)
    from rich.console import Console

    from agentfn.chat import ChatSession
    from agentfn.cli import build_agent
    from agentfn.library.config import configure

    by_id = {c["id"]: c for c in map(json.loads, Path(args.cases).read_text(encoding="utf-8").splitlines()) if c}
    fixtures = json.loads((DATA / "everyday_fixtures.json").read_text(encoding="utf-8"))
    server, base_url = serve_fixtures(fixtures["http"])
    agent = build_agent(model=None, base_url=None, tools=None, store=None, max_steps=10, tool_choice=None,
                        system=None, yes=True)
    with Path(args.out).open("a", encoding="utf-8") as out:
        for cid in args.ids.split(","):
            conv = by_id[cid]
            with tempfile.TemporaryDirectory(prefix="turns-") as tmp:
                root = Path(tmp)
                for rel, text in fixtures["files"].items():
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    (root / rel).write_text(text, encoding="utf-8")
                configure(files_root=root, http_allow=[base_url + "/"])
                session = ChatSession(agent, console=Console(file=io.StringIO(), highlight=False),
                                      history_file=root / ".history")
                turns: list[dict[str, Any]] = []
                for turn in conv["turns"]:
                    prompt = turn["prompt"].replace("{http}", base_url)
                    before, started = len(session.messages), time.perf_counter()
                    session.handle(prompt)  # what `agentfn chat` does with a typed line
                    turns.append(_turn_record(session, before, prompt, started))
                    turns[-1]["errors"] = [line for line in session.console.file.getvalue().splitlines()
                                           if line.startswith("error:")]
                    print(f"[{args.arm}] {cid}: {turns[-1]['latency_s']:.1f}s {turns[-1]['output']!r:.100}",
                          file=sys.stderr, flush=True)
                record = {"id": cid, "turns": turns, "files": snapshot_files(root)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
    server.shutdown()


def _score(cases: list[dict[str, Any]], raw: list[dict[str, Any]]) -> dict[str, Any]:
    from agentfn.evals.everyday import check_answer, has_markup

    by_id = {r["id"]: r for r in raw if "id" in r}
    rows: list[dict[str, Any]] = []
    for case in cases:
        r = by_id.get(case["id"])
        if r is None:
            continue
        scored: list[dict[str, Any]] = []
        for i, (turn, got) in enumerate(zip(case["turns"], r["turns"], strict=True)):
            markup = has_markup(got["output"])
            right = got["answered"] and not markup and not got["errors"] and check_answer(
                turn["expect"], got["output"], now=datetime.fromisoformat(got["at"]))
            called = [c["name"] for c in got["calls"]]
            scored.append({"turn": i + 1, "prompt": got["prompt"], "right": bool(right), "markup": markup,
                           "crash": bool(got["errors"]), "right_tools": all(t in called for t in turn["tools"]),
                           "calls": got["calls"], "output": (got["output"] or "")[:300], "latency_s": got["latency_s"]})
        rows.append({"id": case["id"], "family": case["family"], "right": all(t["right"] for t in scored),
                     "turns": scored})
    return {"summary": _summarise(rows), "conversations": rows}


def _summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = [t for r in rows for t in r["turns"] if t["turn"] == 1]
    later = [t for r in rows for t in r["turns"] if t["turn"] > 1]
    every = first + later
    return {"conversations": len(rows), "conversations_right": sum(r["right"] for r in rows),
            "turns": len(every), "first_turns": len(first), "first_right": sum(t["right"] for t in first),
            "followups": len(later), "followups_right": sum(t["right"] for t in later),
            "followup_right_tools": sum(t["right_tools"] for t in later),
            "crashes": sum(t["crash"] for t in every), "markup": sum(t["markup"] for t in every),
            "latency_median_s": round(sorted(t["latency_s"] for t in every)[len(every) // 2], 2) if every else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--arm", default="current", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--cases", default=str(CASES), help="conversations file (JSON lines; default everyday_turns.jsonl)")
    parser.add_argument("--ids", default="", help="comma-separated conversation ids (default: all)")
    parser.add_argument("--arms", default=",".join(ARMS), help="which arms to run: first_try,current")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the first-try code")
    parser.add_argument("--reuse-baseline", action="store_true", help="keep the first_try arm of the results file")
    parser.add_argument("--rerun", action="store_true", help="forget the raw results of the selected conversations")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "agentfn-turns-bench"))
    parser.add_argument("--threads", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="torch threads")
    parser.add_argument("--results", default=str(RESULTS / "embedded_turns.json"), help="results JSON path")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    import subprocess

    cases_path = Path(args.cases).resolve()
    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.ids:
        cases = [c for c in cases if c["id"] in set(args.ids.split(","))]
    results_path = Path(args.results)
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    refs = {"first_try": args.baseline_ref}

    def run_and_score(arm: str, code: Path) -> dict[str, Any]:
        raw_path = work / f"raw-{arm}-{'current' if arm == 'current' else args.baseline_ref}.jsonl"
        if args.rerun and raw_path.exists():
            wanted = {c["id"] for c in cases}
            kept = [r for r in read_raw(raw_path) if r.get("id") not in wanted]
            raw_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
        done = {r["id"] for r in read_raw(raw_path)}
        todo = [c["id"] for c in cases if c["id"] not in done]
        if todo:
            env = dict(os.environ, PYTHONPATH=str(code), TOKENIZERS_PARALLELISM="false")
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--arm", arm, "--ids",
                            ",".join(todo), "--out", str(raw_path), "--threads", str(args.threads),
                            "--cases", str(cases_path)],
                           env=env, check=True, cwd=tempfile.gettempdir())
        return _score(cases, list(read_raw(raw_path)))

    arms = run_arms(args.arms.split(","), refs, work, run_and_score, previous=previous.get("arms"),
                    reuse=["first_try"] if args.reuse_baseline else [])
    if "first_try" in arms and "current" in arms:  # both arms on the conversations both ran, for the ratio
        shared = {r["id"] for r in arms["first_try"]["conversations"]} & {r["id"] for r in arms["current"]["conversations"]}
        for a in ARMS:
            arms[a]["on_shared"] = _summarise([r for r in arms[a]["conversations"] if r["id"] in shared])
    cases_file = cases_path.relative_to(ROOT).as_posix() if cases_path.is_relative_to(ROOT) else str(cases_path)
    data = {"benchmark": "embedded_turns", "cases_file": cases_file,
            "model": "embedded (SmolLM2-135M-Instruct, transformers, CPU)", "threads": args.threads,
            "load_avg_1m": round(os.getloadavg()[0], 2), "arms": arms}
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    results_path.with_suffix(".md").write_text(render_markdown(data), encoding="utf-8")
    print(render_markdown(data))


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def render_markdown(data: dict[str, Any]) -> str:
    """The Markdown report: a pure function of the results JSON."""
    arms: dict[str, Any] = data["arms"]
    lines = ["# The embedded default in conversations (follow-up turns)", "",
             f"Conversations from `{data['cases_file']}` typed turn by turn into `agentfn chat`'s session "
             f"({data['model']}, {data['threads']} torch threads, load {data['load_avg_1m']} at the end). "
             "Arms: " + "; ".join(f"`{a}` = {s['code']}" + (" (kept from an earlier run)" if s.get("reused") else "")
                                  for a, s in arms.items()) + ".", "",
             "| arm | conversations right | first turns right | follow-ups right | follow-ups right tools | "
             "crashes | markup | median s |", "|---|---|---|---|---|---|---|---|"]
    for a, s in arms.items():
        m = s["summary"]
        lines.append(f"| {a} | {_pct(m['conversations_right'], m['conversations'])} | "
                     f"{_pct(m['first_right'], m['first_turns'])} | {_pct(m['followups_right'], m['followups'])} | "
                     f"{_pct(m['followup_right_tools'], m['followups'])} | {m['crashes']} | {m['markup']} | "
                     f"{m['latency_median_s']} |")
    if "first_try" in arms and "current" in arms:
        old, new = arms["first_try"]["on_shared"], arms["current"]["on_shared"]
        ratio = f"{new['followups_right'] / old['followups_right']:.2f}x" if old["followups_right"] else "n/a"
        lines += ["", f"On the {new['conversations']} conversations both arms ran: follow-ups right "
                  f"{_pct(new['followups_right'], new['followups'])} (current) vs "
                  f"{_pct(old['followups_right'], old['followups'])} (first_try), ratio {ratio}; first turns right "
                  f"{_pct(new['first_right'], new['first_turns'])} vs {_pct(old['first_right'], old['first_turns'])}; "
                  f"conversations right {new['conversations_right']} vs {old['conversations_right']}."]
    for a, s in arms.items():
        wrong = [(r["id"], t) for r in s["conversations"] for t in r["turns"] if not t["right"]]
        lines += ["", f"Turns `{a}` got wrong ({len(wrong)}):", "", "| id | turn | prompt | calls | answer |",
                  "|---|---|---|---|---|"]
        for cid, t in wrong:
            calls = ", ".join(f"{c['name']}({json.dumps(c['arguments'], ensure_ascii=False)[:60]})" for c in t["calls"]) or "-"
            answer = " ".join(t["output"].split())[:100].replace("|", "\\|")
            lines.append(f"| {cid} | {t['turn']} | {t['prompt'][:60].replace('|', '/')} | {calls.replace('|', '/')} | {answer} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
