"""The embedded default on everyday requests: right answers, crashes, markup and latency per tool family.

Run: ``.venv/bin/python benchmarks/embedded_bench.py`` (writes ``benchmarks/results/embedded.json``
and ``embedded.md``). Each request of ``agentfn/evals/data/everyday.jsonl`` goes through the same
path as ``agentfn run "..."``: ``agentfn.cli.build_agent`` with the defaults (the embedded
SmolLM2-135M, the built-in tools, the router, forced calls along the route), one agent for all
requests, a fresh files root per request and a local HTTP server for ``http_get``; side effects are
approved as a user at the terminal would (``--yes`` where the code has it).

Two arms, side by side: ``current`` (this checkout) and ``baseline`` (the code at ``--baseline-ref``,
extracted with ``git archive``; what a user had before). Each arm runs in its own worker process
with its code first on ``PYTHONPATH``; workers only record what happened and this process scores
it, so the baseline needs nothing new. Raw results are appended to ``--work-dir`` as they come,
and a rerun resumes from them (``--fresh`` starts over). ``--reuse-baseline`` copies the baseline
arm from the existing results file instead of running it again. ``--ids``/``--family``/``--limit``
run a subset while iterating; ``--first`` runs the given cases before the others. ``--set`` picks the request set: ``everyday`` (``everyday.jsonl``,
the set the embedded path was tuned on), ``holdout`` (``everyday_holdout.jsonl``, 40 requests
phrased differently, written before any failure was looked at and never tuned on) ``b3`` (``everyday_b3.jsonl``, 40 requests with typos, lowercase, padding and numbers in words,
whose first run on unfixed code is its generalisation figure), ``b4`` (``everyday_b4.jsonl``, 30 requests
written after the b3 fixes, never tuned on), ``b5`` (``everyday_b5.jsonl``, 40 requests written after b4:
every tool, live facts no tool serves that must get an honest no-tool reply, chit-chat), ``b6`` (``everyday_b6.jsonl``,
40 requests written after b5 and first run on main's code before any fix: word problems, numbers in words, loose
units, named and relative dates), ``b7`` (``everyday_b7.jsonl``, 40 requests written after b6 and first run
on main's code before any fix: greetings, values wrapped in a sentence, currency symbols, dates in several formats), ``b8`` (``everyday_b8.jsonl``, 40 requests written after b7 and first run on
main's code before any fix: short and indirect requests, relative dates, letter counts, abbreviated units), ``b9`` (``everyday_b9.jsonl``, 40 requests written after b8 and
first run on main's code before any fix: typos, all-caps, money, implied units, comparisons, time zones), ``b10``
(``everyday_b10.jsonl``, 40 requests written after b9 and first run before any fix: questions inside longer messages,
two questions in one, numbers in words, fractions, relative dates, unit symbols), ``both`` (everyday and holdout) or
``all`` (the default; each reported separately). ``--baseline-limit`` runs the (slow) baseline on a fixed
subset spread over the selection; ``--score-only`` scores what the raw files hold without running
anything; ``--score-all`` runs the selection but scores every case of the set the raw files hold
(the page names the requests that ran in that run) (the page then says how many of the selected requests each arm finished).

A run is *right* when it answered, without markup, and the answer passes the case's checker;
a *crash* is an exception out of the run (what the CLI printed as a traceback); *markup* is an
answer showing ``<tool_response>``-style tags or special tokens; *no answer* is a run that ended
without one (a tool that kept failing, a step limit), whose answer is then what ``agentfn run``
prints for it (``agentfn.cli.run_answer``: what failed, in plain words); *empty answer* counts
runs that left the user with nothing to read.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
DATA = ROOT / "agentfn" / "evals" / "data"
BASELINE_REF = "4b8179e"  # main before the embedded-default work (issue 14)
ARMS = ("baseline", "current")
SETS = {"everyday": "everyday.jsonl", "holdout": "everyday_holdout.jsonl", "b3": "everyday_b3.jsonl",
        "b4": "everyday_b4.jsonl", "b5": "everyday_b5.jsonl",
        "b6": "everyday_b6.jsonl", "b7": "everyday_b7.jsonl", "b8": "everyday_b8.jsonl",
        "b9": "everyday_b9.jsonl", "b10": "everyday_b10.jsonl"}
"""The tuning set, the held-out set (written before any failure was looked at; never tuned on), ``b3``
(40 requests in users' wording, run once on the code before any fix for its first-try figure) and ``b4``
(30 more, written after the b3 fixes and not tuned on) and ``b5`` (40 more, written after b4, with requests
for live facts no tool serves, whose right answer is an honest no-tool reply, and chit-chat; run once on
the code before its fixes for its first-try figure); ``b6`` (40 more, written after b5: word problems,
numbers in words, loose units, named and relative dates, a text transform; its baseline arm is main's code
before the fixes it prompted); ``b7`` (40 more, written after b6 and first run on main's code before any fix:
greetings and padding, values wrapped in a sentence, currency symbols, dates as 12/25 or "the 3rd of May",
mixed reviews; its baseline arm is that first run); ``b8`` (40 more, written after b7 and first run on main's
code before any fix: very short requests, values inside a story, two values of one unit, relative dates, inline
lists, letter and character counts, numbers in words, abbreviated units, indirect requests, composed requests;
its baseline arm is that first run); ``b9`` (40 more, written after b8 and first run on main's code before any
fix: typos, all-caps, money with symbols and commas, implied units, comparisons, per-rates, context first and the
question last, weekdays, time zones, emoji; its baseline arm is that first run); ``b10`` (40 more, written after b9 and
first run on main's code before any fix: questions inside longer messages, two questions in one message, British
spelling, numbers in words and fractions, relative dates, currency and unit symbols, polite forms; its baseline
arm is that first run)."""
GROUPS = {"both": ("everyday", "holdout"), "all": tuple(SETS)}
"""``--set`` values that name several sets."""

# ----------------------------------------------------------------------------------------- worker


def serve_fixtures(pages: dict[str, Any]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.split("?")[0])
            status = int(page["status"]) if page else 404
            body = (page["body"] if page else "not found").encode()
            self.send_response(status)
            self.send_header("Content-Type", page["content_type"] if page else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def snapshot_files(root: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.stat().st_size < 100_000:
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8", errors="replace")
    return files


def recorded_calls(messages: Any) -> list[dict[str, Any]]:
    """The tool calls of ``messages``, each ``{"name", "arguments"}`` with its arguments decoded."""
    calls: list[dict[str, Any]] = []
    for message in messages:
        for c in getattr(message, "tool_calls", None) or []:
            try:
                args = json.loads(c.arguments) if isinstance(c.arguments, str) else c.arguments
            except ValueError:
                args = c.arguments
            calls.append({"name": c.name, "arguments": args})
    return calls


def _run_case(agent: Any, case: dict[str, Any], base_url: str, files: dict[str, str]) -> dict[str, Any]:
    try:
        from agentfn.library.config import configure
    except ImportError:  # the baseline ref keeps the built-in tools in the top-level ``tools`` package
        from tools.config import configure  # pyright: ignore[reportMissingImports]

    with tempfile.TemporaryDirectory(prefix="everyday-") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        configure(files_root=root, http_allow=[base_url + "/"])
        prompt = case["prompt"].replace("{http}", base_url)
        record: dict[str, Any] = {"id": case["id"], "at": datetime.now(UTC).isoformat()}
        started = time.perf_counter()
        try:
            result = asyncio.run(agent.run(prompt))
        except Exception as exc:  # what `agentfn run` printed as a traceback
            record.update(crash=True, error=f"{type(exc).__name__}: {str(exc)[:300]}", output=None,
                          outcome="crash", calls=[], results=[])
        else:
            calls = recorded_calls(result.new_messages)
            results: list[dict[str, Any]] = []
            for message in result.new_messages:
                if message.role == "tool":
                    results.append({"name": message.name, "is_error": bool(message.is_error),
                                    "content": str(message.content)[:300]})
            try:  # what `agentfn run` answers (a run that ended without an answer says what failed)
                from agentfn.cli import run_answer
            except ImportError:  # older code printed nothing for such a run
                answer: Any = result.output
            else:
                answer = run_answer(result)
            output = answer if isinstance(answer, str) or answer is None else str(answer)
            error = None if result.error is None else f"{type(result.error).__name__}: {str(result.error)[:300]}"
            record.update(crash=False, error=error, output=output, outcome=result.outcome, reason=result.reason,
                          calls=calls, results=results, steps=result.steps,
                          output_tokens=result.usage.output_tokens, input_tokens=result.usage.input_tokens)
        record["latency_s"] = round(time.perf_counter() - started, 3)
        record["files"] = {k: v for k, v in snapshot_files(root).items() if files.get(k) != v}
    return record


def worker(args: argparse.Namespace) -> None:
    """Run the given cases with whatever ``agentfn`` is first on the path; append JSON lines."""
    import torch

    torch.set_num_threads(args.threads)
    from agentfn.cli import build_agent

    cases = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {c["id"]: c for c in cases}
    cases = [by_id[i] for i in args.ids.split(",") if i in by_id]  # in the order given (--first leads)
    fixtures = json.loads(Path(args.fixtures).read_text(encoding="utf-8"))
    server, base_url = serve_fixtures(fixtures["http"])
    started = time.perf_counter()
    options: dict[str, Any] = {}
    if "yes" in inspect.signature(build_agent).parameters:  # a user at the terminal approves the side effects
        options["yes"] = True
    agent = build_agent(model=None, base_url=None, tools=None, store=None, max_steps=10, tool_choice=None,
                        system=None, **options)
    load = getattr(agent.model, "load", None)
    if load is not None:
        load()
    setup_s = time.perf_counter() - started
    with Path(args.out).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"setup_s": round(setup_s, 3)}) + "\n")
        for case in cases:
            record = _run_case(agent, case, base_url, fixtures["files"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            print(f"[{args.arm}] {case['id']}: {record['latency_s']:.1f}s {record.get('output')!r:.120}",
                  file=sys.stderr, flush=True)
    server.shutdown()


# ----------------------------------------------------------------------------------------- parent


def _spread(cases: list[Any], limit: int) -> list[Any]:
    """At most ``limit`` cases spread evenly over ``cases`` (all when ``limit`` is 0)."""
    if not limit or len(cases) <= limit:
        return cases
    step = len(cases) / limit
    return [cases[int(i * step)] for i in range(limit)]


def _forget(raw: Path, ids: set[str]) -> None:
    kept = [r for r in read_raw(raw) if r.get("id") not in ids]
    raw.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")


def read_raw(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def baseline_code(ref: str, work: Path) -> Path:
    target = work / f"code-{ref}"
    if not (target / "agentfn").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "agentfn", "tools", "prompts"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _run_arm(arm: str, code: Path, ids: list[str], raw: Path, threads: int, cases_file: Path) -> None:
    done = {r["id"] for r in read_raw(raw) if "id" in r}
    todo = [i for i in ids if i not in done]
    if not todo:
        return
    env = dict(os.environ, PYTHONPATH=str(code), TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--arm", arm, "--ids", ",".join(todo),
           "--cases", str(cases_file), "--fixtures", str(DATA / "everyday_fixtures.json"),
           "--out", str(raw), "--threads", str(threads)]
    subprocess.run(cmd, env=env, check=True, cwd=tempfile.gettempdir())


def _score(cases: list[Any], raw: list[dict[str, Any]]) -> dict[str, Any]:
    from agentfn.evals.everyday import check_answer, has_markup

    by_id = {r["id"]: r for r in raw if "id" in r}
    rows: list[dict[str, Any]] = []
    for case in cases:
        r = by_id.get(case.id)
        if r is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for rel, text in (r.get("files") or {}).items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text, encoding="utf-8")
            answered = r.get("outcome") == "answered" and not r["crash"]
            markup = has_markup(r.get("output"))
            passes = answered and check_answer(case.expect, r.get("output"), now=datetime.fromisoformat(r["at"]),
                                               files_root=root)
        called = [c["name"] for c in r.get("calls", [])]
        rows.append({
            "id": case.id, "family": case.family, "prompt": case.prompt, "expected_tools": case.tools,
            "right": bool(passes and not markup), "crash": bool(r["crash"]), "markup": markup,
            "answered": answered, "right_tools": all(t in called for t in case.tools),
            "latency_s": r["latency_s"], "output": (r.get("output") or "")[:400], "error": r.get("error"),
            "calls": r.get("calls", []),
        })
    return {"summary": _summarise(rows), "families": _by_family(rows), "cases": rows}


def _summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    latencies = sorted(r["latency_s"] for r in rows)
    return {
        "n": n,
        "right": sum(r["right"] for r in rows),
        "right_rate": round(sum(r["right"] for r in rows) / n, 4) if n else 0.0,
        "crashes": sum(r["crash"] for r in rows),
        "markup": sum(r["markup"] for r in rows),
        "not_answered": sum(not r["answered"] and not r["crash"] for r in rows),
        "empty": sum(not r["crash"] and not (r["output"] or "").strip() for r in rows),
        "right_tools": sum(r["right_tools"] for r in rows),
        "latency_median_s": round(statistics.median(latencies), 2) if latencies else 0.0,
        "latency_p90_s": round(latencies[min(n - 1, int(0.9 * n))], 2) if latencies else 0.0,
        "latency_max_s": round(latencies[-1], 2) if latencies else 0.0,
    }


def _by_family(rows: list[dict[str, Any]]) -> dict[str, Any]:
    families = sorted({r["family"] for r in rows})
    return {f: _summarise([r for r in rows if r["family"] == f]) for f in families}


def _machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--arm", default="current", help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--set", choices=[*SETS, *GROUPS], default="all", help="which request set(s) to run")
    parser.add_argument("--ids", default="", help="comma-separated case ids (default: all)")
    parser.add_argument("--family", default="", help="only these families (comma-separated)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many cases (spread over the set)")
    parser.add_argument("--first", default="", help="comma-separated case ids to run before the others "
                        "(a run cut short by time then holds them; the page says so)")
    parser.add_argument("--arms", default=",".join(ARMS), help="which arms to run: baseline,current")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline code")
    parser.add_argument("--reuse-baseline", action="store_true", help="keep the baseline arm of the results file")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "agentfn-embedded-bench"))
    parser.add_argument("--fresh", action="store_true", help="forget raw results from earlier runs")
    parser.add_argument("--rerun", action="store_true", help="forget the raw results of the selected cases")
    parser.add_argument("--baseline-limit", type=int, default=0,
                        help="run the baseline on this many cases spread over the selection (it is slow)")
    parser.add_argument("--score-all", action="store_true",
                        help="run the selection (--ids/--limit) but score every case of the set whose raw result the "
                             "work dir holds (the page lists which ran in this run)")
    parser.add_argument("--score-only", action="store_true",
                        help="score the raw results already recorded, run nothing (a run cut short by time)")
    parser.add_argument("--threads", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                        help="torch threads per worker")
    parser.add_argument("--results", default=str(RESULTS / "embedded.json"), help="results JSON path")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sys.path.insert(0, str(ROOT))
    previous: dict[str, Any] = {}
    results_path = Path(args.results)
    if results_path.exists():
        previous = json.loads(results_path.read_text())
    sets: dict[str, Any] = {}
    for name, kept in previous.get("sets", {}).items():  # a set not run now keeps its earlier figures, marked
        if name in SETS and name not in GROUPS.get(args.set, (args.set,)):
            sets[name] = {**kept, "kept": True}
    for name in GROUPS.get(args.set, (args.set,)):
        sets[name] = _run_set(name, args, previous.get("sets", {}).get(name, {}))
    data = {
        "benchmark": "embedded",
        "model": "embedded (SmolLM2-135M-Instruct, transformers, CPU)",
        "threads": args.threads,
        "machine": _machine(),
        "sets": sets,
    }
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    results_path.with_suffix(".md").write_text(render_markdown(data), encoding="utf-8")
    print(render_markdown(data))


def _run_set(name: str, args: argparse.Namespace, previous: dict[str, Any]) -> dict[str, Any]:
    from agentfn.evals.everyday import load_everyday_cases

    cases_file = DATA / SETS[name]
    cases = load_everyday_cases(cases_file)
    everything = list(cases)
    if args.ids:
        wanted = set(args.ids.split(","))
        cases = [c for c in cases if c.id in wanted]
    if args.family:
        families = set(args.family.split(","))
        cases = [c for c in cases if c.family in families]
    cases = _spread(cases, args.limit)
    first = [i for i in args.first.split(",") if i]
    cases = sorted(cases, key=lambda c: first.index(c.id) if c.id in first else len(first))  # stable: file order after
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    arms: dict[str, Any] = {}
    for arm in args.arms.split(","):
        if arm == "baseline" and args.reuse_baseline and "baseline" in previous.get("arms", {}):
            arms["baseline"] = {**previous["arms"]["baseline"], "reused": True}
            continue
        code = ROOT if arm == "current" else baseline_code(args.baseline_ref, work)
        label = "current" if arm == "current" else f"baseline-{args.baseline_ref}"
        raw_path = work / (f"raw-{label}.jsonl" if name == "everyday" else f"raw-{name}-{label}.jsonl")
        if args.fresh and raw_path.exists():
            raw_path.unlink()
        arm_cases = _spread(cases, args.baseline_limit) if arm == "baseline" else cases
        if args.rerun:
            _forget(raw_path, {c.id for c in arm_cases})
        if not args.score_only:
            _run_arm(arm, code, [c.id for c in arm_cases], raw_path, args.threads, cases_file)
        raw = list(read_raw(raw_path))
        setups = [r["setup_s"] for r in raw if "setup_s" in r]
        whole = args.score_all and arm == "current"  # the selection ran; the page scores the whole set
        scored = _score(everything if whole else arm_cases, raw)
        scored["setup_s"] = setups[-1] if setups else None
        scored["code"] = "this checkout" if arm == "current" else f"git {args.baseline_ref}"
        scored["subset"] = len(arm_cases) < len(cases)
        scored["selected"] = len(everything) if whole else len(arm_cases)
        if whole:
            scored["ran_now"] = [] if args.score_only else [c.id for c in arm_cases]
        arms[arm] = scored
    if "baseline" in arms and "current" in arms:  # both arms on the requests both finished, for ratios
        same = {r["id"] for r in arms["baseline"]["cases"]} & {r["id"] for r in arms["current"]["cases"]}
        arms["current"]["on_baseline_cases"] = _summarise([r for r in arms["current"]["cases"] if r["id"] in same])
        arms["baseline"]["on_shared_cases"] = _summarise([r for r in arms["baseline"]["cases"] if r["id"] in same])
    led = [c.id for c in cases if c.id in first]
    n_cases = len(everything) if args.score_all else len(cases)
    return {"cases_file": f"agentfn/evals/data/{SETS[name]}", "n_cases": n_cases, "arms": arms, "first": led}


# ----------------------------------------------------------------------------------------- report


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def _ratio(new: float, old: float) -> str:
    return f"{new / old:.2f}x" if old else "n/a"


def render_markdown(data: dict[str, Any]) -> str:
    """The Markdown report: a pure function of the results JSON."""
    sets: dict[str, Any] = data["sets"]
    lines = [
        "# The embedded default on everyday requests",
        "",
        f"Requests through the `agentfn run` path ({data['model']}, {data['threads']} torch threads; "
        f"{data['machine']['cpus']} CPUs, load {data['machine']['load_avg_1m']} at the end; latencies are "
        "wall-clock on a shared machine). Sets: "
        + "; ".join(f"`{name}` = {s['n_cases']} requests from `{s['cases_file']}`" for name, s in sets.items())
        + ". The `holdout` set was written before any failure of the tuning set was looked at, and never tuned on; "
        "`b3` was written in users' wording (typos, lowercase, padding, numbers in words) and first run before any "
        "fix it prompted; `b4` was written after the `b3` fixes and never tuned on; `b5` was written after `b4` "
        "(live facts no tool serves, which must get an honest no-tool reply, and chit-chat) and first run before the "
        "fixes it prompted; `b6` was written after `b5` (word problems, numbers in words, loose units, named and "
        "relative dates) and its baseline arm is its first run, on the code before the fixes it prompted; `b7` was "
        "written after `b6` (greetings and padding, values wrapped in a sentence, currency symbols, dates in several "
        "formats, mixed reviews) and its baseline arm is its first run, on the code before the fixes it prompted.",
    ]
    for name in [n for n in SETS if n in sets]:
        s = sets[name]
        kept = ["Not rerun in the run that wrote this page (`--set`): these figures are an earlier run's, on the code "
                "of that run.", ""] if s.get("kept") else []
        lines += ["", f"## Set `{name}`", "", *kept, *_render_set(s)]
    return "\n".join(lines) + "\n"


def _render_set(data: dict[str, Any]) -> list[str]:
    arms: dict[str, Any] = data["arms"]
    names = [a for a in ARMS if a in arms]
    lines = [
        "Arms: " + "; ".join(f"`{a}` = {arms[a]['code']}" for a in names) + ".",
        *([f"These {len(data['first'])} requests ran first (`--first`), so the figures of a run cut short lean to "
           f"them: {', '.join(data['first'])}."] if data.get("first") else []),
        "",
        "| arm | requests | right | crashes | markup | no answer | empty answer | right tools | median s | p90 s | max s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a in names:
        s = arms[a]["summary"]
        if arms[a].get("reused"):
            lines.insert(1, f"`{a}` was not rerun: its rows are an earlier run of this script on the same fixed code, "
                         "kept with `--reuse-baseline` (its latencies are that run's, under that run's load).")
        if arms[a].get("ran_now") is not None:
            ran_now = arms[a]["ran_now"]
            lines.insert(1, f"`{a}` ran {len(ran_now)} of these {s['n']} requests in the run that scored this set "
                         f"(`--score-all`){': ' + ', '.join(ran_now) if ran_now else ''}; the others are raw results of "
                         "earlier runs of this script on earlier code, kept in its work dir.")
        if s["n"] < arms[a].get("selected", s["n"]):
            lines.insert(1, f"`{a}` finished {s['n']} of its {arms[a]['selected']} selected requests in the time the "
                         "run had; its figures are over those.")
        lines.append(
            f"| {a} | {s['n']} | {_pct(s['right'], s['n'])} | {s['crashes']} | {s['markup']} | "
            f"{s['not_answered']} | {s.get('empty', '')} | {_pct(s['right_tools'], s['n'])} | {s['latency_median_s']} | "
            f"{s['latency_p90_s']} | {s['latency_max_s']} |"
        )
    if len(names) == 2:
        old = arms["baseline"].get("on_shared_cases", arms["baseline"]["summary"])
        new = arms["current"].get("on_baseline_cases", arms["current"]["summary"])
        ran = arms["baseline"]["summary"]["n"]
        selected = arms["baseline"].get("selected", ran)
        subset = (f"a fixed subset of {selected} of the {data['n_cases']} requests, spread evenly over the set "
                  "(every k-th case, the same each run)") if arms["baseline"].get("subset") else f"all {selected} requests"
        if ran < selected:
            subset += f", of which it finished {ran} in the time the run had"
        lines += ["", f"The baseline ran on {subset}. On the {new['n']} requests both arms finished: right answers {_pct(new['right'], new['n'])} "
                  f"(current) vs {_pct(old['right'], old['n'])} (baseline), ratio "
                  f"{_ratio(new['right'], old['right'])}; crashes {new['crashes']} vs {old['crashes']}; markup "
                  f"{new['markup']} vs {old['markup']}; median latency current/baseline "
                  f"{_ratio(new['latency_median_s'], old['latency_median_s'])}."]
    lines += ["", "Per tool family:", "",
              "| family | n | " + " | ".join(f"{a} right | {a} crash | {a} markup | {a} median s" for a in names) + " |",
              "|---|---|" + "---|---|---|---|" * len(names)]
    families = sorted({f for a in names for f in arms[a]["families"]})
    for f in families:
        cells: list[str] = []
        n = 0
        for a in names:
            s = arms[a]["families"].get(f)
            if s is None:
                cells.append(" | | | ")
                continue
            n = max(n, s["n"])
            cells.append(f"{_pct(s['right'], s['n'])} | {s['crashes']} | {s['markup']} | {s['latency_median_s']}")
        lines.append(f"| {f} | {n} | " + " | ".join(cells) + " |")
    if "current" in arms:
        wrong = [r for r in arms["current"]["cases"] if not r["right"]]
        lines += ["", f"Requests the current arm got wrong ({len(wrong)}):", "",
                  "| id | prompt | calls | answer |", "|---|---|---|---|"]
        for r in wrong:
            calls = ", ".join(c["name"] for c in r["calls"]) or "-"
            answer = (r["error"] if r["crash"] else r["output"]) or ""
            clean = " ".join(answer.split())[:120].replace("|", "\\|")
            prompt = " ".join(r["prompt"].split())[:80].replace("|", "\\|")
            lines.append(f"| {r['id']} | {prompt} | {calls} | {clean} |")
    return lines


if __name__ == "__main__":
    main()
