"""CLI: ``agentfn probe``, ``agentfn eval calls`` and ``agentfn eval generate``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["planner_eval", "register", "register_eval"]


def _console() -> Any:
    from rich.console import Console

    return Console()


def probe_command(
    base_url: Annotated[str, typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")],
    model: Annotated[str | None, typer.Option("--model", help="served model name (default: the first one listed)")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="OPENAI_API_KEY")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="ignore the cached report")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="seconds per request")] = 120.0,
) -> None:
    """Check what a serving stack gets right about tool calling, and how to handle the rest."""
    from agentfn.exceptions import ModelUnavailableError
    from agentfn.probe import probe_cached

    try:
        report = probe_cached(base_url, model, refresh=refresh, api_key=api_key, timeout=timeout)
    except ModelUnavailableError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from None
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    from rich.table import Table

    table = Table(title=f"tool-calling probe: {report.model} at {report.base_url}")
    for column in ("check", "result", "calls", "detail"):
        table.add_column(column)
    colours = {"native": "green", "recovered": "yellow", "failed": "red", "error": "red"}
    for c in report.checks:
        table.add_row(c.name, f"[{colours[c.status]}]{c.status}[/]", str(c.calls), c.detail)
    console = _console()
    console.print(table)
    rec = report.recommendation
    console.print(f"recommended OpenAIModel options: {rec.model_options()}  Agent options: {rec.agent_options()}")


def calls_command(
    cases: Annotated[Path, typer.Option("--cases", help="JSONL of cases (see agentfn.evals.calls)", exists=True, dir_okay=False)],
    tools: Annotated[str, typer.Option("--tools", help="tools: module, .py file, folder, JSONL of specs, or 'builtin'")] = "builtin",
    model: Annotated[str | None, typer.Option("--model", help="model spec (see agentfn.backends.load_model)")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible server URL")] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="runs per case; pass^k needs all k to pass")] = 1,
    threshold: Annotated[float | None, typer.Option("--threshold", help="exit 1 when pass@1 is below this")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="also write the full JSON report here")] = None,
) -> None:
    """Score a model + this runtime on cases of expected tool calls."""
    from agentfn.backends import load_model
    from agentfn.evals.calls import evaluate_calls, load_cases
    from agentfn.toolset import Toolset

    loaded, errors = load_cases(cases)
    for err in errors:
        typer.echo(f"skipped {err}", err=True)
    if not loaded:
        typer.echo("error: no usable cases", err=True)
        raise typer.Exit(2)
    toolset = Toolset.load(tools)
    llm = load_model(model, base_url=base_url)
    report = asyncio.run(evaluate_calls(llm, toolset, loaded, k=k))
    if out is not None:
        out.write_text(report.model_dump_json(indent=2))
    if as_json:
        typer.echo(json.dumps({"model": report.model, "k": k, "metrics": report.metrics,
                               "failures": [{"id": c.id, "problems": r.problems} for c in report.cases
                                            for r in c.runs if not r.passed]}, indent=2))
    else:
        from rich.table import Table

        table = Table(title=f"tool-call evaluation: {report.model}, k={k}")
        table.add_column("case")
        table.add_column("pass rate", justify="right")
        table.add_column("problems")
        for c in report.cases:
            problems = "; ".join(p for r in c.runs for p in r.problems)[:120]
            table.add_row(c.id, f"{c.pass_rate:.2f}", problems)
        console = _console()
        console.print(table)
        console.print("  ".join(f"{name}={value:.3f}" for name, value in report.metrics.items()))
    if threshold is not None and report.metrics["pass@1"] < threshold:
        typer.echo(f"pass@1 {report.metrics['pass@1']:.3f} is below the threshold {threshold}", err=True)
        raise typer.Exit(1)


def generate_command(
    tools: Annotated[str, typer.Option("--tools", help="tools to draft cases for")] = "builtin",
    store: Annotated[str | None, typer.Option("--store", help="also draft from successful runs in this trace store")] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many cases from traces")] = 200,
    out: Annotated[Path | None, typer.Option("--out", help="write JSONL here (default: stdout)")] = None,
) -> None:
    """Draft cases from tool schemas (and traces) for a person to review."""
    from agentfn.evals.generate import cases_from_schemas, cases_from_traces
    from agentfn.toolset import Toolset

    drafted = cases_from_schemas(Toolset.load(tools))
    if store is not None:
        from agentfn.traces import TraceStore

        with TraceStore.open(store) as ts:
            drafted += cases_from_traces(ts.iter_runs(outcome="answered"), limit=limit)
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in drafted)
    if out is None:
        sys.stdout.write(lines)
    else:
        out.write_text(lines, encoding="utf-8")
        typer.echo(f"wrote {len(drafted)} draft cases to {out}; review them and remove 'draft'", err=True)


def planner_eval(
    router: Any, evalset: Any, *, model: str | None, base_url: str | None, k: int, limit: int | None, as_json: bool,
) -> None:
    """``agentfn eval router --planner model``: the router alone and with a model planner, side by side."""
    from agentfn.backends import load_model
    from agentfn.evals.planner import COMPARED, evaluate_planner
    from agentfn.exceptions import AgentFnError
    from agentfn.router.planner import ModelPlanner

    if model is None and base_url is None:
        typer.echo("error: --planner model needs --model and/or --base-url (the embedded model: --model embedded)", err=True)
        raise typer.Exit(2)
    try:
        planner = ModelPlanner(load_model(model, base_url=base_url), k=k)
    except AgentFnError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from None
    report = evaluate_planner(router, evalset, planner, limit=limit)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from rich.table import Table

    account = report["planner"]
    table = Table(title=f"router vs router + planner ({account['model']}, k={k}, {report['router']['queries']} requests)")
    for column in ("metric", "router", "+ planner", "delta"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for key in COMPARED:
        table.add_row(key, f"{report['router'][key]:.3f}", f"{report['planned'][key]:.3f}", f"{report['delta'][key]:+.3f}")
    for key in ("p50_ms", "p95_ms"):
        table.add_row(f"latency {key}", f"{report['router']['latency'][key]:.1f}", f"{report['planned']['latency'][key]:.1f}", "")
    console = _console()
    console.print(table)
    reasons = f" {account['fallback_reasons']}" if account["fallback_reasons"] else ""
    console.print(
        f"planner calls {account['calls']}: used {account['planned']}, fell back {account['fallback']}{reasons}; "
        f"tokens per call {account['input_tokens_mean']:.0f} in / {account['output_tokens_mean']:.1f} out; "
        f"p50 latency x{report['latency_ratio_p50']:.1f}"
    )


def register(app: typer.Typer) -> None:
    """Add ``agentfn probe``."""
    app.command("probe")(probe_command)


def register_eval(eval_app: typer.Typer) -> None:
    """Add ``agentfn eval calls`` and ``agentfn eval generate``."""
    eval_app.command("calls")(calls_command)
    eval_app.command("generate")(generate_command)
