"""``agentfn runs list|resume`` and the durable half of ``agentfn run --durable``.

The root CLI builds agents (``agentfn.cli.build_agent``) and hands its builder
to this area through :func:`use_agent_builder`, so ``runs resume`` builds the
very agent ``run`` built from the same ``--tools/--model/--base-url`` (and so
matches the run's recorded version) without this module importing the root CLI.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from agentfn.agent import Agent, AgentRun
    from agentfn.durable.agent import DurableAgent

__all__ = ["durable_agent", "register", "runs_app", "start_run", "use_agent_builder"]

CLI_AGENT = "cli"
_builders: dict[str, Callable[..., Any]] = {}

runs_app = typer.Typer(
    name="runs", no_args_is_help=True,
    help="Durable runs (agentfn run --durable): list them, resume those a crash or a deploy interrupted.")

StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Trace store URL or SQLite path the runs were started with (durable state lives beside it; "
    "default: $AGENTFN_TRACE_STORE or ~/.agentfn/traces.db).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def use_agent_builder(build: Callable[..., Any], close: Callable[[Any], None]) -> None:
    """Called by the root CLI with its ``build_agent`` and ``close_agent``."""
    _builders["build"], _builders["close"] = build, close


def register(app: typer.Typer) -> None:
    """Add the ``runs`` command group to the root CLI."""
    app.add_typer(runs_app, name="runs")


def durable_agent(agent: Agent[Any, str], store: str | None, *, listen: bool = False) -> DurableAgent[Any, str]:
    """The CLI agent as a durable one on ``store`` (``listen``: adopt recovered runs, for resuming)."""
    from agentfn.durable.agent import DurableAgent
    from agentfn.durable.runtime import DurableRuntime

    return DurableAgent(agent, runtime=DurableRuntime(store, listen=listen, executor_prefix="cli"), name=CLI_AGENT)


def start_run(durable: DurableAgent[Any, str], prompt: str, *, stream: bool) -> AgentRun[str]:
    """Start ``prompt`` as a durable run, saying on stderr how to resume it."""
    run_id = f"{random.getrandbits(128):032x}"
    typer.secho(f"durable run {run_id} (if interrupted: agentfn runs resume {run_id}, with the same "
                "--tools/--model/--store)", err=True, fg=typer.colors.CYAN)
    return durable.iter(prompt, stream=stream, run_id=run_id)


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


@runs_app.command("list")
def list_command(
    store: StoreOpt = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only runs that have not finished.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N runs.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List durable runs, newest first: status, whether their process is alive, the prompt."""
    from agentfn.durable.runtime import list_runs

    runs = list_runs(store, pending=pending, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in runs], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(runs)} durable run(s)")
    for column in ("run", "status", "agent", "started", "updated", "process", "prompt"):
        table.add_column(column, overflow="fold")
    for r in runs:
        process = "-" if r.executor_alive is None else ("alive" if r.executor_alive else "dead: resume it")
        status = r.status if r.outcome is None else f"{r.status} ({r.outcome})"
        table.add_row(r.run_id, status, r.agent or "-", _when(r.created_at), _when(r.updated_at), process, r.preview)
    Console().print(table)


@runs_app.command("resume")
def resume_command(
    run_id: Annotated[str | None, typer.Argument(help="The run; omit to resume every pending run of this agent "
                                                   "whose process is dead.")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", envvar="AGENTFN_MODEL",
                                              help="The model spec the run was started with.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", envvar="AGENTFN_BASE_URL",
                                                 help="OpenAI-compatible server.")] = None,
    tools: Annotated[list[str] | None, typer.Option("--tools", "-t", help="The toolsets the run was started "
                                                    "with (repeat to combine; default: builtin).")] = None,
    store: StoreOpt = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Model calls per run.")] = 10,
    tool_choice: Annotated[str | None, typer.Option("--tool-choice", help="As for agentfn run.")] = None,
    system: Annotated[str | None, typer.Option("--system", help="System prompt (as for agentfn run).")] = None,
    router: Annotated[str, typer.Option("--router", help="As for agentfn run.")] = "auto",
    rerun: Annotated[bool, typer.Option("--rerun-interrupted", help="Call again a non-idempotent tool call "
                                        "the crash cut off (it may already have taken effect).")] = False,
    skip: Annotated[bool, typer.Option("--skip-interrupted", help="Tell the model such a call was cut off "
                                       "instead of calling it again.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve every tool call without asking (as for "
                                      "agentfn run).")] = False,
    approve: Annotated[list[str] | None, typer.Option("--approve", help="Approve this tool's calls without "
                                                      "asking (repeatable; as for agentfn run).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Resume durable runs where they stopped: recorded model and tool steps are reused, never redone."""
    from agentfn.exceptions import InterruptedToolCallError, UserError

    if rerun and skip:
        raise UserError("--rerun-interrupted and --skip-interrupted exclude each other")
    if "build" not in _builders:
        raise UserError("agentfn runs resume needs the agentfn command line's agent builder")
    agent = _builders["build"](model=model, base_url=base_url, tools=tools, store=store, max_steps=max_steps,
                               tool_choice=tool_choice, system=system, router=router, yes=yes,
                               approve=approve)
    durable = durable_agent(agent, store, listen=True)
    policy = "rerun" if rerun else ("skip" if skip else None)
    try:
        results = asyncio.run(_resume(durable, run_id, policy, as_json))
    except InterruptedToolCallError as exc:
        typer.secho(f"not resumed: {exc}", err=True, fg=typer.colors.YELLOW)
        raise typer.Exit(1) from None
    finally:
        _builders["close"](agent)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if any(r["outcome"] != "answered" for r in results):
        raise typer.Exit(1)


async def _resume(durable: DurableAgent[Any, str], run_id: str | None, policy: Any,
                  as_json: bool) -> list[dict[str, Any]]:
    from agentfn.chat import EventPrinter
    from agentfn.exceptions import DurableRunError

    runtime = durable.runtime
    try:
        if run_id is not None:
            ids = [run_id]
        else:
            ids = [w.workflow_id for w in await runtime.pending()]  # ENQUEUED ones too: this process may run them
            if not ids and not as_json:
                typer.echo("no pending durable runs for this agent")
        results: list[dict[str, Any]] = []
        for rid in ids:
            run: AgentRun[str] = durable.resume(rid, stream=not as_json, interrupted=policy)
            printer = None if as_json else EventPrinter()
            if printer is not None:
                typer.secho(f"resuming durable run {rid}", err=True, fg=typer.colors.CYAN)
            seen = 0
            try:
                async for event in run:
                    seen += 1
                    if printer is not None:
                        printer.handle(event)
            except DurableRunError as exc:
                if run_id is not None:
                    raise  # the one run asked for: its error is the command's
                typer.secho(f"skipped {rid}: {exc}", err=True, fg=typer.colors.YELLOW)
                results.append({"run_id": rid, "output": None, "outcome": "not resumed", "reason": str(exc),
                                "steps": 0})
                continue
            r = run.result
            if printer is not None and not seen and r.output is not None:  # it had finished already
                typer.echo(str(r.output))
            results.append({"run_id": r.run_id, "output": r.output, "outcome": r.outcome, "reason": r.reason,
                            "steps": r.steps})
        return results
    finally:
        await durable.agent.model.aclose()
        runtime.close()
