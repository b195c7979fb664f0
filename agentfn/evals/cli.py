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
    from agentfn.evals.probe import probe_cached
    from agentfn.exceptions import ModelUnavailableError

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
    tools: Annotated[str, typer.Option("--tools", "-t", help="tools: module, .py file, folder, JSONL of specs, or 'builtin'")] = "builtin",
    model: Annotated[str | None, typer.Option("--model", help="model spec (see agentfn.backends.load_model)")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible server URL")] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="runs per case; pass^k needs all k to pass")] = 1,
    threshold: Annotated[float | None, typer.Option("--threshold", help="exit 1 when pass@1 is below this")] = None,
    router: Annotated[str | None, typer.Option("--router", help="route each step: 'auto' (build one from --tools) or a saved router directory")] = None,
    route_k: Annotated[int, typer.Option("--route-k", min=1, help="tools the router offers per step")] = 8,
    tool_choice: Annotated[str | None, typer.Option("--tool-choice", help="'auto' (default) or 'required' (first step)")] = None,
    follow_route: Annotated[bool, typer.Option("--follow-route", help="force one named call per step along the router's chain (the small-model path; implies --tool-choice required)")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="runs in flight at once")] = 1,
    include_drafts: Annotated[bool, typer.Option("--include-drafts", help="also score cases marked \"draft\": true")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="also write the full JSON report here")] = None,
) -> None:
    """Score a model + this runtime on cases of expected tool calls (single- or multi-turn)."""
    from agentfn.backends import load_model
    from agentfn.evals.calls import load_cases
    from agentfn.evals.calls_run import evaluate_calls
    from agentfn.exceptions import AgentFnError
    from agentfn.toolset import Toolset

    if tool_choice not in (None, "auto", "required"):
        raise typer.BadParameter("--tool-choice is 'auto' or 'required'")
    if follow_route and router is None:
        raise typer.BadParameter("--follow-route needs --router")
    if follow_route and tool_choice == "auto":
        raise typer.BadParameter("--follow-route forces calls: it needs --tool-choice required")
    choice = tool_choice or ("required" if follow_route else "auto")
    loaded, errors = load_cases(cases)
    for err in errors:
        typer.echo(f"skipped {err}", err=True)
    drafts = sum(c.draft for c in loaded)
    if drafts and not include_drafts:
        typer.echo(f"skipped {drafts} draft case(s): review them and remove \"draft\", or pass --include-drafts", err=True)
    if not any(include_drafts or not c.draft for c in loaded):
        typer.echo("error: no usable cases", err=True)
        raise typer.Exit(2)
    try:
        toolset = Toolset.load(tools)
        routed = _load_router(router, toolset) if router is not None else None
        llm = load_model(model, base_url=base_url)
    except (AgentFnError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = asyncio.run(evaluate_calls(
        llm, toolset, loaded, k=k, router=routed, route_k=route_k, tool_choice=choice, follow_route=follow_route,
        concurrency=concurrency, include_drafts=include_drafts,
    ))
    if out is not None:
        out.write_text(report.model_dump_json(indent=2))
    if as_json:
        typer.echo(json.dumps({
            "model": report.model, "k": k, "settings": report.settings, "metrics": report.metrics,
            "cases": [{"id": c.id, "pass_rate": c.pass_rate, "latency_s": c.latency_s,
                       "input_tokens": c.input_tokens, "output_tokens": c.output_tokens} for c in report.cases],
            "failures": [{"id": c.id, "problems": r.problems} for c in report.cases for r in c.runs if not r.passed],
        }, indent=2))
    else:
        from rich.table import Table

        table = Table(title=f"tool-call evaluation: {report.model}, k={k}, tool_choice={choice}"
                      + (", router" if routed is not None else "") + (", follow_route" if follow_route else ""))
        for column in ("case", "pass rate", "latency s", "tokens in/out", "problems"):
            table.add_column(column, justify="left" if column in ("case", "problems") else "right")
        for c in report.cases:
            problems = "; ".join(p for r in c.runs for p in r.problems)[:120]
            table.add_row(c.id, f"{c.pass_rate:.2f}", f"{c.latency_s:.2f}",
                          f"{c.input_tokens:.0f}/{c.output_tokens:.0f}", problems)
        console = _console()
        console.print(table)
        console.print("  ".join(f"{name}={value:.3f}" for name, value in report.metrics.items()))
    if threshold is not None and report.metrics["pass@1"] < threshold:
        typer.echo(f"pass@1 {report.metrics['pass@1']:.3f} is below the threshold {threshold}", err=True)
        raise typer.Exit(1)


def _load_router(spec: str, toolset: Any) -> Any:
    """``auto``: a router built over the toolset; else a saved router directory."""
    from agentfn.router import Router

    if spec == "auto":
        return Router.build(list(toolset))
    path = Path(spec)
    if not (path / "router.json").is_file():
        raise typer.BadParameter(f"--router is 'auto' or a saved router directory; {spec!r} has no router.json")
    return Router.load(path)


def generate_command(
    tools: Annotated[str, typer.Option("--tools", "-t", help="tools to draft cases for")] = "builtin",
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
