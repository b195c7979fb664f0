"""The ``agentfn`` command line.

This module owns the root typer ``app`` and the everyday commands (``run``,
``chat``, ``tools``, ``serve``). Other areas (``mcp``, ``route``...) add theirs through a
``register(app)`` function in their own module (and ``register_eval(eval_app)``
for ``agentfn eval ...``, ``use_agent_builder(build_agent, close_agent)`` for areas
that build the agent ``run`` builds), imported here defensively so a missing
optional area never breaks the rest.

Exit codes: 0 success; 1 a run that did not answer, a model that misbehaved, or
an unexpected error (one line; ``--debug`` or ``AGENTFN_DEBUG=1`` shows the traceback);
2 a usage or configuration error (no traceback); 3 the model server is unavailable;
130 interrupted. Output into a pipe whose reader closed (``agentfn tools | head``) stops quietly (click's
own handling: exit 1, no message).

``run`` and ``chat`` ask before a tool with side effects runs (see
:mod:`agentfn.approval`): at the terminal, or ``--yes``/``--approve NAME``;
without a terminal such calls are refused and the model is told.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from agentfn._small_path import agent_setup, is_small_local_model
from agentfn.exceptions import ConfigError

if TYPE_CHECKING:
    from agentfn.agent import Agent
    from agentfn.backends.base import Model
    from agentfn.toolset import Toolset

__all__ = ["AREAS", "app", "eval_app", "main", "register_areas"]

EXIT_NOT_ANSWERED = 1
EXIT_USAGE = 2
EXIT_MODEL_UNAVAILABLE = 3


_debug = {"on": False}


def debugging() -> bool:
    """Whether ``--debug`` (or ``AGENTFN_DEBUG=1``) asked for tracebacks."""
    return _debug["on"] or os.environ.get("AGENTFN_DEBUG", "") not in ("", "0")


class FriendlyGroup(TyperGroup):
    """Turns every error into one line and an exit code instead of a traceback (``--debug`` adds it)."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors its own click Context type
        from typer.exceptions import Abort, Exit, TyperException

        from agentfn.exceptions import ModelError, ModelUnavailableError, UserError

        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):  # typer's own control flow and usage errors
            raise
        except BrokenPipeError:  # the reader went away (``agentfn tools | head``): click's main exits quietly
            raise
        except ModelUnavailableError as exc:
            _fail(f"model unavailable: {exc}", EXIT_MODEL_UNAVAILABLE, exc)
        except ModelError as exc:
            _fail(f"model error: {exc}", EXIT_NOT_ANSWERED, exc)
        except UserError as exc:
            _fail(str(exc), EXIT_USAGE, exc)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [""])[0]
            hint = "" if debugging() else " (run with --debug for the traceback)"
            _fail(f"unexpected {type(exc).__name__}{': ' + first if first else ''}{hint}", EXIT_NOT_ANSWERED, exc)


def _fail(message: str, code: int, exc: BaseException | None = None) -> typer.Exit:
    if exc is not None and debugging():
        typer.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


app = typer.Typer(
    name="agentfn",
    cls=FriendlyGroup,
    help="Typed Python functions as tools an LLM can pick and call.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
eval_app = typer.Typer(cls=FriendlyGroup, help="Evaluate routers and tool calling.", no_args_is_help=True)
tools_app = typer.Typer(cls=FriendlyGroup, help="Inspect toolsets and print their schemas.", no_args_is_help=True)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.", envvar="AGENTFN_DEBUG")] = False,
) -> None:
    """Typed Python functions as tools an LLM can pick and call."""
    _debug["on"] = debug  # per invocation; `run --debug` and `chat --debug` turn it on too


app.add_typer(tools_app, name="tools")
app.add_typer(eval_app, name="eval")

# -- shared options -------------------------------------------------------------------

ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", envvar="AGENTFN_MODEL",
    help="Model spec: embedded (default), test, openai:NAME, vllm:PATH, transformers:PATH, function:mod:fn.")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", envvar="AGENTFN_BASE_URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1.")]
ToolsOpt = Annotated[list[str] | None, typer.Option(
    "--tools", "-t", help="Toolset: builtin, a .py file, a folder, a module, a .jsonl of specs, entry-points, "
    "or mcp:COMMAND / mcp:URL. Repeat to combine. Default: builtin.")]
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Record runs in this trace store (URL or SQLite path).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of rich output.")]
MaxStepsOpt = Annotated[int, typer.Option("--max-steps", min=1, help="Model calls per run.")]
ToolChoiceOpt = Annotated[str | None, typer.Option(
    "--tool-choice", help="auto, required, none or a tool name (default: required for the embedded model, else auto).")]
SystemOpt = Annotated[str | None, typer.Option("--system", help="System prompt.")]
OtelOpt = Annotated[bool, typer.Option(
    "--otel", help="Export OpenTelemetry GenAI spans over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME); "
    "the same as AGENTFN_OTEL=1.")]
YesOpt = Annotated[bool, typer.Option(
    "--yes", "-y", help="Approve every tool call without asking (tools with side effects included).")]
ApproveOpt = Annotated[list[str] | None, typer.Option(
    "--approve", help="Approve this tool's calls without asking. Repeatable. Other tools with side effects are "
    "asked about at the terminal, or refused when standard input is not one.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected error.")]
RouterOpt = Annotated[str, typer.Option(
    "--router", help="auto (on for the embedded model), on, off, or a saved router directory: offer only the "
    "routed tools each step.")]


def load_tools(specs: list[str] | None) -> Toolset:
    """Combine the toolsets named on the command line (default: the built-in library)."""
    from agentfn.serve.agents import load_toolsets

    wanted = specs or ["builtin"]
    if len(wanted) == 1 and not wanted[0].startswith("mcp:"):
        from agentfn.toolset import Toolset

        return Toolset.load(wanted[0])  # keeps the toolset's own name and sources
    return load_toolsets(wanted)


def build_model(model: str | None, base_url: str | None) -> Model:
    from agentfn.backends import load_model

    return load_model(model, base_url=base_url)


def build_agent(
    *,
    model: str | None,
    base_url: str | None,
    tools: list[str] | None,
    store: str | None,
    max_steps: int,
    tool_choice: str | None,
    system: str | None,
    router: str = "auto",
    yes: bool = False,
    approve: list[str] | None = None,
) -> Agent[Any, str]:
    from agentfn.agent import Agent
    from agentfn.approval import TerminalApprover, needs_approval, require_approval
    from agentfn.exceptions import UserError

    # Tools with side effects run only after approval: at the terminal, --yes or --approve NAME.
    toolset = require_approval(load_tools(tools))
    unknown = sorted(set(approve or ()) - set(toolset.names()))
    if unknown:
        gated = ", ".join(t.name for t in toolset if needs_approval(t)) or "none"
        raise UserError(f"--approve {', '.join(unknown)}: no such tool (tools that need approval: {gated})")
    setup = agent_setup(toolset, small=is_small_local_model(model, base_url), router=router, tool_choice=tool_choice)
    toolset = setup.toolset
    if tool_choice not in (None, "auto", "required", "none") and tool_choice not in toolset:
        raise UserError(f"--tool-choice {tool_choice!r} is not auto, required, none or one of the tools "
                        f"({', '.join(toolset.names()) or 'none'})")
    recorder = None
    if store is not None:
        from agentfn.traces import TraceRecorder

        recorder = TraceRecorder(store)
    return Agent(
        build_model(model, base_url), toolset, name="cli", system_prompt=system, max_steps=max_steps,
        tool_choice=setup.tool_choice, recorder=recorder, router=setup.router, route_k=setup.route_k,
        approver=TerminalApprover(allow_all=yes, allow=approve or ()),
        # A small model composes tools by following the router's chain, one forced call per step.
        follow_route=setup.follow_route,
    )


def _attach_otel(agent: Agent[Any, str], flag: bool) -> None:
    from agentfn.traces.otel import attach_from_env

    attach_from_env(agent.handlers, force=flag)


def close_agent(agent: Agent[Any, str]) -> None:
    for handler in agent.handlers:
        close = getattr(handler, "close", None)
        if close is not None:
            close()


# -- run --------------------------------------------------------------------------------


@app.command("run")
def run_command(
    prompt: Annotated[str, typer.Argument(help="What to ask. Use - to read it from stdin.")],
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    tools: ToolsOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    max_steps: MaxStepsOpt = 10,
    tool_choice: ToolChoiceOpt = None,
    system: SystemOpt = None,
    router: RouterOpt = "auto",
    durable: Annotated[bool, typer.Option(
        "--durable", help="Run as a durable workflow (DBOS) in --store: if this process dies, "
        "`agentfn runs resume RUN_ID` continues at the last completed step.")] = False,
    otel: OtelOpt = False,
    yes: YesOpt = False,
    approve: ApproveOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Run one prompt through an agent, printing tool calls, results and the answer as they happen.

    Tools with side effects ask for approval first (see --yes and --approve)."""
    import asyncio

    from agentfn.chat import EventPrinter

    _debug["on"] = _debug["on"] or debug
    text = sys.stdin.read() if prompt == "-" else prompt
    if not text.strip():
        raise typer.BadParameter("the prompt is empty", param_hint="PROMPT")
    agent = build_agent(model=model, base_url=base_url, tools=tools, store=store, max_steps=max_steps,
                        tool_choice=tool_choice, system=system, router=router, yes=yes, approve=approve)
    _attach_otel(agent, otel)
    printer = None if as_json else EventPrinter()
    durable_run = None
    if durable:
        from agentfn.durable.cli import durable_agent

        durable_run = durable_agent(agent, store)

    async def go() -> Any:
        try:
            if durable_run is None:
                run = agent.iter(text, stream=not as_json)
            else:
                from agentfn.durable.cli import start_run

                run = start_run(durable_run, text, stream=not as_json)
            async for event in run:
                if printer is not None:
                    printer.handle(event)
            return run.result
        finally:
            await agent.model.aclose()
            if durable_run is not None:
                durable_run.runtime.close()

    try:
        result = asyncio.run(go())
    finally:
        close_agent(agent)
    from agentfn.exceptions import ModelError

    if isinstance(result.error, ModelError):  # exit 3 or 1 with one line (see FriendlyGroup)
        raise result.error
    answer = run_answer(result)
    if as_json:
        from agentfn.messages import ToolMessage

        calls = [_call_json(c) for m in result.new_messages if m.role == "assistant" for c in m.tool_calls]
        results = [{"name": m.name, "content": m.content, "is_error": m.is_error}
                   for m in result.new_messages if isinstance(m, ToolMessage)]
        typer.echo(json.dumps({
            "run_id": result.run_id, "output": answer, "outcome": result.outcome, "reason": result.reason,
            "steps": result.steps, "tool_calls": calls, "tool_results": results,
            "usage": result.usage.model_dump(), "latency_s": round(result.latency_s, 4),
        }, ensure_ascii=False, indent=2))
    if not result.ok:
        if not as_json:
            typer.echo(answer)
            typer.secho(f"the run ended without an answer: {result.outcome} ({result.reason})", err=True,
                        fg=typer.colors.YELLOW)
        raise typer.Exit(EXIT_NOT_ANSWERED)


def run_answer(result: Any) -> Any:
    """What ``agentfn run`` answers: the run's output, or, when it ended without one, a plain
    sentence saying what failed (``agentfn._answer.failure_answer``), never nothing."""
    if result.ok:
        return result.output
    from agentfn._answer import failure_answer
    from agentfn.exceptions import ApprovalDeniedError

    if isinstance(result.error, ApprovalDeniedError) and result.error.tool_name:
        name = result.error.tool_name  # addressed to the user, not the model: what would let it run
        return f"I did not run {name}: it needs your approval. Run again with --approve {name} (or --yes) to allow it."
    return failure_answer(result.messages, result.reason)


def _call_json(call: Any) -> dict[str, Any]:
    """A tool call for ``--json``: ``arguments`` as a JSON object; text that is not one stays in
    ``raw_arguments`` (with ``arguments`` null)."""
    parsed = call.arguments_dict()
    if parsed is not None:
        return {"name": call.name, "arguments": parsed}
    return {"name": call.name, "arguments": None, "raw_arguments": call.arguments}


# -- chat -------------------------------------------------------------------------------


@app.command("chat")
def chat_command(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    tools: ToolsOpt = None,
    store: StoreOpt = None,
    max_steps: MaxStepsOpt = 10,
    tool_choice: ToolChoiceOpt = None,
    system: SystemOpt = None,
    history: Annotated[Path | None, typer.Option(
        "--history", help="Readline history file (default ~/.agentfn/chat_history).")] = None,
    otel: OtelOpt = False,
    yes: YesOpt = False,
    approve: ApproveOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Talk to an agent: streaming answers, tool steps as they happen; /help lists the commands.

    Tools with side effects ask for approval first (see --yes and --approve)."""
    from agentfn.chat import ChatSession

    _debug["on"] = _debug["on"] or debug
    agent = build_agent(model=model, base_url=base_url, tools=tools, store=store, max_steps=max_steps,
                        tool_choice=tool_choice, system=system, yes=yes, approve=approve)
    _attach_otel(agent, otel)
    try:
        ChatSession(agent, history_file=history, debug=debugging()).repl()
    finally:
        close_agent(agent)


# -- tools ------------------------------------------------------------------------------

SpecArg = Annotated[list[str] | None, typer.Argument(
    help="Toolsets (path, module, builtin, entry-points, mcp:...). Default: builtin.", show_default=False)]


def _tool_summary(t: Any) -> dict[str, Any]:
    return {
        "name": t.name, "description": t.description, "parameters": t.parameters,
        "requires_approval": t.requires_approval, "side_effects": t.side_effects, "idempotent": t.idempotent,
        "timeout": t.timeout, "schema_hash": t.schema_hash,
    }


@tools_app.command("list")
def tools_list(specs: SpecArg = None, as_json: JsonOpt = False) -> None:
    """List the tools of a toolset."""
    toolset = load_tools(specs)
    if as_json:
        typer.echo(json.dumps([_tool_summary(t) for t in toolset], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(toolset)} tools from {toolset.name}")
    for column in ("name", "parameters", "effects", "approval", "description"):
        table.add_column(column, overflow="fold")
    for t in toolset:
        params = ", ".join(t.parameters.get("properties", {}))
        first_line = (t.description or "").strip().splitlines()[0] if t.description else ""
        table.add_row(t.name, params, t.side_effects, "yes" if t.requires_approval else "", first_line)
    Console().print(table)


@tools_app.command("show")
def tools_show(
    name: Annotated[str, typer.Argument(help="Tool name.")],
    specs: SpecArg = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one tool: description, parameters, policy."""
    toolset = load_tools(specs)
    t = toolset.get(name)
    if t is None:
        from agentfn.exceptions import UserError

        raise UserError(f"no tool named {name!r} in {toolset.name} (has: {', '.join(toolset.names()) or 'none'})")
    summary = _tool_summary(t)
    summary["source"] = toolset.source_of(name)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.syntax import Syntax

    console = Console()
    console.print(f"[bold]{t.name}[/bold]  ({summary['source']})")
    console.print(t.description or "(no description)", markup=False)
    console.print(f"side effects: {t.side_effects}  idempotent: {t.idempotent}  "
                  f"requires approval: {t.requires_approval}  timeout: {t.timeout}  hash: {t.schema_hash}")
    console.print(Syntax(json.dumps(t.parameters, indent=2, ensure_ascii=False), "json"))


@tools_app.command("schema")
def tools_schema(
    specs: SpecArg = None,
    strict: Annotated[bool, typer.Option("--strict", help="Strict schemas (additionalProperties false, all required).")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One spec per line.")] = False,
    as_json: JsonOpt = True,
) -> None:
    """Print the OpenAI-format tool definitions (JSON array, or JSONL with --jsonl)."""
    del as_json  # schemas are JSON either way; accepted for consistency
    specs_out = load_tools(specs).specs(strict=strict)
    if jsonl:
        for spec in specs_out:
            typer.echo(json.dumps(spec, ensure_ascii=False))
    else:
        typer.echo(json.dumps(specs_out, ensure_ascii=False, indent=2))


# -- serve ------------------------------------------------------------------------------

serve_app = typer.Typer(cls=FriendlyGroup, help="Serve agents over an OpenAI-compatible HTTP API.",
                        invoke_without_command=True)
app.add_typer(serve_app, name="serve")


@serve_app.callback()
def serve_command(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="TOML/YAML config file.",
                                                envvar="AGENTFN_CONFIG")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Bind address (overrides the config).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (overrides the config).")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    check: Annotated[bool, typer.Option("--check", help="Validate the config, build the app, and exit.")] = False,
    otel: OtelOpt = False,
) -> None:
    """Serve agents as models on /v1/chat/completions (see `agentfn serve hash-key` for API keys)."""
    if ctx.invoked_subcommand is not None:
        return
    if otel:  # read by create_app, here and in worker processes
        import os

        os.environ["AGENTFN_OTEL"] = "1"
    from agentfn.serve import create_app, load_config, serve

    cfg = load_config(config, overrides={"host": host, "port": port, "model": model, "base_url": base_url,
                                         "trace_store": store})
    if check:
        create_app(cfg)
        typer.echo(f"ok: {len(cfg.agents)} agent(s), auth={cfg.auth}, {cfg.host}:{cfg.port}")
        return
    serve(cfg, workers=workers)


@serve_app.command("hash-key")
def hash_key_command(
    key: Annotated[str | None, typer.Argument(help="The API key; omit to generate a new one.")] = None,
) -> None:
    """Print the sha256 of an API key, for a keys entry of the serve config or AGENTFN_API_KEYS=name:sha256 (and a new random key when none is given)."""
    import secrets

    from agentfn.serve.config import hash_key

    if key is None:
        key = "sk-agentfn-" + secrets.token_urlsafe(32)
        typer.echo(f"key:    {key}")
    typer.echo(f"sha256: {hash_key(key)}")


# -- other areas ------------------------------------------------------------------------

AREAS = ("agentfn.mcp.cli", "agentfn.router.cli", "agentfn.traces.cli", "agentfn.train.cli", "agentfn.evals.cli",
         "agentfn.durable.cli")
"""The modules that add subcommands; each imports its optional dependencies lazily, inside commands."""


def register_areas(areas: Sequence[str] = AREAS) -> None:
    """Import each area and let it add its commands.

    Raises:
        ConfigError: an area failed to import. A broken subcommand is a bug to see at once
            (and fails the tests), not a warning that hides it.
    """
    for module_name in areas:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise ConfigError(f"CLI area {module_name} failed to load: {type(exc).__name__}: {exc}") from exc
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
        register_eval = getattr(module, "register_eval", None)
        if callable(register_eval):
            register_eval(eval_app)
        use_agent_builder = getattr(module, "use_agent_builder", None)
        if callable(use_agent_builder):  # areas that build the agent `run` builds (runs resume)
            use_agent_builder(build_agent, close_agent)


register_areas()


def main() -> None:
    """Entry point for ``python -m agentfn.cli``."""
    app()


if __name__ == "__main__":
    main()
