"""``agentfn traces ...``: import, export, list, show, stats, feedback, upgrade.

``agentfn/cli.py`` calls :func:`register` with the root app. Every command takes
``--store URL_OR_PATH`` (default: ``$AGENTFN_TRACE_STORE`` or
``~/.agentfn/traces.db``); listing commands take ``--json``.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from agentfn.traces.records import Run
    from agentfn.traces.store import TraceStore

__all__ = ["parse_time", "register", "traces_app"]

traces_app = typer.Typer(
    name="traces", help="Recorded runs: import/export chat JSONL, list, show, stats, feedback.", no_args_is_help=True
)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store URL or SQLite path (default: $AGENTFN_TRACE_STORE or ~/.agentfn/traces.db)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Runs started at/after: ISO date/time or an age like 30m, 2h, 7d.")
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Runs started before (same forms as --since).")]
ToolOpt = Annotated[str | None, typer.Option("--tool", help="Runs that called this tool.")]
OutcomeOpt = Annotated[
    str | None, typer.Option("--outcome", help="answered, limit, guard, error, incomplete, or running.")
]
AgentOpt = Annotated[str | None, typer.Option("--agent", help="Runs of this agent name.")]

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str | None, *, now: float | None = None) -> float | None:
    """``30m``/``2h``/``7d`` ago, or an ISO date/time (local time when no zone), as epoch seconds.

    Raises:
        typer.BadParameter: neither form.
    """
    if text is None:
        return None
    m = _AGE.match(text)
    if m:
        return (now if now is not None else time.time()) - float(m.group(1)) * _UNIT[m.group(2)]
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise typer.BadParameter(f"{text!r} is neither an age (30m, 2h, 7d) nor an ISO date/time") from None


def _open(store: str | None) -> TraceStore:
    from agentfn.exceptions import TraceStoreError
    from agentfn.traces.store import TraceStore

    try:
        return TraceStore.open(store)
    except TraceStoreError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and exit ``code`` (1: the operation failed; 2: a usage error)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _filters(since: str | None, until: str | None, tool: str | None, outcome: str | None, agent: str | None) -> dict[str, Any]:
    return {
        "since": parse_time(since),
        "until": parse_time(until),
        "tool": tool,
        "outcome": outcome,
        "agent": agent,
    }


def _clip(text: str | None, n: int = 160) -> str:
    if text is None:
        return ""
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _when(ts: float | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).strftime(fmt)


# -- commands --------------------------------------------------------------------------


@traces_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="Chat fine-tuning JSONL ({messages, tools} per line); - for stdin.")],
    store: StoreOpt = None,
    agent: Annotated[str, typer.Option("--agent", help="Agent name recorded on the imported runs.")] = "import",
    redact: Annotated[bool, typer.Option("--redact/--no-redact", help="Mask secrets while importing.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 when any line was skipped.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", min=0, help="Parser processes (default: one per core, "
                                                "at most 4, for files of 16 MB or more; 0: parse in this process).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import runs from the chat fine-tuning JSONL format; bad lines are reported and skipped."""
    from agentfn.exceptions import TraceStoreError
    from agentfn.traces.jsonl import import_jsonl
    from agentfn.traces.redact import redact_secrets

    if str(file) != "-" and not file.is_file():
        _fail(f"no such file: {file}", 2)
    s = _open(store)
    try:
        report = import_jsonl(s, "-" if str(file) == "-" else file, agent_name=agent,
                              redact=redact_secrets if redact else None, workers=workers)
    except TraceStoreError as exc:
        _fail(str(exc))
    finally:
        s.close()
    if as_json:
        typer.echo(json.dumps({
            "imported": report.imported, "skipped": report.skipped, "seconds": round(report.seconds, 3),
            "errors": [{"line": n, "error": e} for n, e in report.errors],
        }))
    else:
        rate = report.imported / report.seconds if report.seconds > 0 else 0.0
        typer.echo(f"imported {report.imported} run(s) from {report.path} in {report.seconds:.2f}s ({rate:,.0f}/s)")
        if report.errors:
            typer.echo(f"skipped {report.skipped} bad line(s):", err=True)
            for n, err in report.errors[:50]:
                typer.echo(f"  line {n}: {err}", err=True)
            if len(report.errors) > 50:
                typer.echo(f"  ... and {len(report.errors) - 50} more", err=True)
    if strict and report.skipped:
        raise typer.Exit(1)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    parquet = "parquet"


@traces_app.command("export")
def export_cmd(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="jsonl (chat fine-tuning format) or parquet.")] = ExportFormat.jsonl,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (JSONL goes to stdout without it).")] = None,
    store: StoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    tool: ToolOpt = None,
    outcome: OutcomeOpt = None,
    agent: AgentOpt = None,
) -> None:
    """Export runs as chat fine-tuning JSONL (or Parquet), oldest first."""
    from agentfn.traces.jsonl import export_jsonl, export_parquet

    filters = _filters(since, until, tool, outcome, agent)
    s = _open(store)
    try:
        if fmt is ExportFormat.parquet:
            if out is None:
                _fail("--format parquet needs --out FILE", 2)
            n = export_parquet(s, out, **filters)
        else:
            n = export_jsonl(s, out if out is not None else sys.stdout, **filters)
    finally:
        s.close()
    if out is not None:
        typer.echo(f"exported {n} run(s) to {out}")


@traces_app.command("list")
def list_cmd(
    store: StoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    tool: ToolOpt = None,
    outcome: OutcomeOpt = None,
    agent: AgentOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Most runs to show (newest first).")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List runs, newest first."""
    s = _open(store)
    try:
        runs = s.list_runs(limit=limit, with_steps=True, **_filters(since, until, tool, outcome, agent))
    finally:
        s.close()
    if as_json:
        typer.echo(json.dumps([_summary(r) for r in runs], ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    widths = _list_columns(console.width, runs)
    table = Table(title=f"{len(runs)} run(s)")
    for col, width in widths.items():
        table.add_column(col, width=width, no_wrap=True, overflow="ellipsis")
    when_format = _COMPACT_TIME if widths.get("started") == len("MM-DD HH:MM") else _FULL_TIME
    for r in runs:
        calls = [("" if c.ok else "✗") + c.name for c in r.tool_calls]
        cells = {
            "id": r.id, "started": _when(r.started_at, when_format), "agent": r.agent_name,
            "outcome": r.outcome or "running", "steps": str(r.step_count or len(r.steps)),
            "tools called": _clip(", ".join(calls), 60), "request": _clip(r.request, 200),
            "feedback": "" if r.feedback_score is None else f"{r.feedback_score:g}",
        }
        table.add_row(*(cells[col] for col in widths))
    console.print(table)


_FULL_TIME = "%Y-%m-%d %H:%M:%S"
_COMPACT_TIME = "%m-%d %H:%M"
_LIST_ORDER = ("id", "started", "agent", "outcome", "steps", "tools called", "request", "feedback")
# Most useful first: on a narrow terminal the later ones are left out, never squeezed to nothing.
_LIST_PRIORITY = ("id", "outcome", "request", "started", "steps", "tools called", "agent", "feedback")


def _list_columns(width: int, runs: list[Run]) -> dict[str, int]:
    """The columns ``traces list`` shows in ``width`` terminal columns, and each one's width.

    Every shown column gets the room its content needs (ids are never cut: ``show`` and
    ``feedback`` take them); ``request`` and ``tools called`` share what is left. A rich table
    adds 3 columns per column (padding and rule) plus 1.
    """

    def longest(values: list[str], header: str, cap: int) -> int:
        return min(cap, max([len(v) for v in values] + [len(header)]))

    need = {
        "id": longest([r.id for r in runs], "id", 10_000),
        "started": len("2000-01-01 00:00:00"),
        "agent": longest([r.agent_name for r in runs], "agent", 16),
        "outcome": longest([r.outcome or "running" for r in runs], "outcome", 10),
        "steps": len("steps"),
        "tools called": len("tools called"),
        "request": len("request") + 9,
        "feedback": len("feedback"),
    }
    chosen: dict[str, int] = {}
    used = 1
    for col in _LIST_PRIORITY:
        w = need[col]
        if used + w + 3 > width and col == "started":
            w = len("MM-DD HH:MM")
        if used + w + 3 <= width or not chosen:
            chosen[col] = w
            used += w + 3
    spare = max(0, width - used)
    wants = {
        "request": longest([_clip(r.request, 200) for r in runs], "request", 200),
        "tools called": longest([_clip(", ".join(c.name for c in r.tool_calls), 60) for r in runs], "tools called", 60),
    }
    for col, share in (("request", 2 / 3), ("tools called", 1.0)):
        if col in chosen:
            extra = min(max(0, wants[col] - chosen[col]), int(spare * share))
            chosen[col] += extra
            spare -= extra
    return {col: chosen[col] for col in _LIST_ORDER if col in chosen}


def _summary(r: Run) -> dict[str, Any]:
    return {
        "id": r.id, "started_at": r.started_at, "agent": r.agent_name, "model": r.model_name, "source": r.source,
        "outcome": r.outcome, "steps": r.step_count or len(r.steps), "request": r.request,
        "tool_calls": [{"name": c.name, "status": c.status} for c in r.tool_calls],
        "feedback_score": r.feedback_score,
    }


@traces_app.command("show")
def show_cmd(
    run_id: Annotated[str, typer.Argument(help="A run id (or a unique prefix of one).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one run as a tree: conversation, steps, tool calls with arguments and results."""
    from agentfn.exceptions import TraceStoreError

    s = _open(store)
    try:
        try:
            run = s.get_run(s.resolve_run_id(run_id))
        except TraceStoreError as exc:
            _fail(str(exc))
    finally:
        s.close()
    assert run is not None
    if as_json:
        typer.echo(run.model_dump_json())
        return
    from rich.console import Console

    Console().print(render_run(run))


def render_run(run: Run) -> Any:
    """A rich Tree of a run."""
    from rich.text import Text
    from rich.tree import Tree

    head = Text.assemble(
        ("run ", "bold"), (run.id, "bold cyan"), f"  {_when(run.started_at)}  agent {run.agent_name}",
        f"  model {run.model_name or '?'} ({run.backend or run.source})  ",
        (run.outcome or "running", "green" if run.outcome == "answered" else "yellow"),
    )
    extra = [f"{run.step_count or len(run.steps)} step(s)", f"tokens {run.usage.input_tokens}/{run.usage.output_tokens}"]
    if run.latency_s is not None:
        extra.append(f"{run.latency_s:.3f}s")
    if run.reason:
        extra.append(f"reason: {run.reason}")
    if run.feedback_score is not None:
        extra.append(f"feedback {run.feedback_score:g}")
    head.append("\n" + " · ".join(extra), style="dim")
    tree = Tree(head)
    if run.tools:
        tree.add(Text("tools offered: " + ", ".join(t.name for t in run.tools), style="dim"))
    for m in run.input_messages:
        tree.add(Text.assemble((f"{m.role}: ", "bold"), _clip(getattr(m, "content", "") or "", 300)))
    for step in run.steps:
        label = Text.assemble((f"step {step.step}", "bold magenta"))
        if step.model_latency_s is not None:
            label.append(f"  model {step.model_latency_s:.3f}s", style="dim")
        if not step.complete:
            label.append("  (unfinished)", style="yellow")
        node = tree.add(label)
        if step.route is not None:
            top = ", ".join(f"{n} {s:.2f}" for n, s in step.route.ranked[:5])
            node.add(Text(f"route: {'abstain' if step.route.abstain else top}", style="dim"))
        out = step.model_output
        if out is not None and (out.content or out.reasoning):
            if out.reasoning:
                node.add(Text("thinking: " + _clip(out.reasoning, 200), style="dim italic"))
            if out.content:
                node.add(Text.assemble(("assistant: ", "bold"), _clip(out.content, 300)))
        for c in step.tool_calls:
            mark, style = ("✓", "green") if c.ok else (("✗", "red") if c.status else ("?", "yellow"))
            line = Text.assemble((f"{mark} {c.name}", f"bold {style}"), " ", _clip(c.raw_arguments, 200))
            if c.status and not c.ok:
                line.append(f"  [{c.status}]", style=style)
            if c.latency_s:
                line.append(f"  {c.latency_s * 1000:.1f}ms", style="dim")
            call_node = node.add(line)
            if c.content is not None:
                call_node.add(Text("→ " + _clip(c.content, 300), style="dim" if c.ok else "red"))
        for m in step.new_messages:
            if m.role == "user":
                node.add(Text.assemble(("user: ", "bold"), _clip(m.content, 300)))
    for fb in run.feedback:
        tree.add(Text(f"feedback {fb.score:g} {fb.note or ''} ({_when(fb.time)})", style="cyan"))
    return tree


@traces_app.command("stats")
def stats_cmd(
    store: StoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    agent: AgentOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Counts per outcome, agent and tool, token totals and feedback."""
    s = _open(store)
    try:
        st = s.stats(since=parse_time(since), until=parse_time(until), agent=agent)
    finally:
        s.close()
    if as_json:
        typer.echo(st.model_dump_json())
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{st.runs}[/] run(s), {st.steps} step(s), {st.tool_calls} tool call(s); "
        f"tokens in/out {st.input_tokens}/{st.output_tokens}; "
        f"from {_when(st.first_run) or '-'} to {_when(st.last_run) or '-'}"
    )
    if st.feedback_runs:
        console.print(f"feedback on {st.feedback_runs} run(s), mean {st.mean_feedback:.2f}")
    outcomes = Table(title="outcomes")
    outcomes.add_column("outcome")
    outcomes.add_column("runs", justify="right")
    for k, v in sorted(st.outcomes.items(), key=lambda kv: -kv[1]):
        outcomes.add_row(k, str(v))
    console.print(outcomes)
    tools = Table(title="tools")
    for col in ("tool", "calls", "ok", "failed", "mean latency"):
        tools.add_column(col, justify="left" if col == "tool" else "right")
    for t in st.tools:
        lat = "" if t.mean_latency_s is None else f"{t.mean_latency_s * 1000:.1f}ms"
        tools.add_row(t.name, str(t.calls), str(t.ok), str(t.failed), lat)
    console.print(tools)


@traces_app.command("feedback")
def feedback_cmd(
    run_id: Annotated[str, typer.Argument(help="A run id (or a unique prefix of one).")],
    score: Annotated[float, typer.Option("--score", help="e.g. 1 good, 0 neutral, -1 bad; the trainer weights by it.")],
    note: Annotated[str | None, typer.Option("--note", help="Free text kept with the score.")] = None,
    store: StoreOpt = None,
) -> None:
    """Attach a feedback score (and note) to a run."""
    from agentfn.exceptions import TraceStoreError

    s = _open(store)
    try:
        rid = s.resolve_run_id(run_id)
        s.add_feedback(rid, score, note)
    except TraceStoreError as exc:
        _fail(str(exc))
    finally:
        s.close()
    typer.echo(f"feedback {score:g} recorded for run {rid}")


@traces_app.command("upgrade")
def upgrade_cmd(store: StoreOpt = None) -> None:
    """Upgrade the store's schema to this agentfn's version (opening does it too unless disabled)."""
    from agentfn.exceptions import TraceStoreError
    from agentfn.traces.store import upgrade_store

    try:
        before, after, label = upgrade_store(store)
    except TraceStoreError as exc:
        _fail(str(exc))
    if before == after:
        typer.echo(f"trace store {label} is up to date (schema {after})")
    elif before is None:
        typer.echo(f"created trace store {label} (schema {after})")
    else:
        typer.echo(f"upgraded trace store {label} from schema {before} to {after}")


def register(app: typer.Typer) -> None:
    """Add the ``traces`` command group to the root CLI."""
    app.add_typer(traces_app, name="traces")
