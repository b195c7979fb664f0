"""CLI: ``agentfn train router|llm`` and ``agentfn deploy adapter``.

``register(app)`` adds the ``train`` and ``deploy`` groups to the root app.
Heavy imports (torch, sentence-transformers, peft) stay inside the commands.

For several GPUs or nodes, run the same command under accelerate::

    accelerate launch -m agentfn.train.cli router --traces traces.db --tools tools.jsonl --out routers/
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["deploy_app", "register", "train_app"]

train_app = typer.Typer(help="Train the router or the model on call traces.", no_args_is_help=True)
deploy_app = typer.Typer(help="Deploy trained artifacts to running servers.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@train_app.command("router")
def train_router_command(
    traces: Annotated[str, typer.Option("--traces", help="trace store URL/path, or a chat fine-tuning JSONL file")],
    out: Annotated[Path, typer.Option("--out", help="output folder: versions/, active, MODEL_CARD.md")],
    tools: Annotated[
        str | None, typer.Option("--tools", "-t", help="tools: module, .py file, folder, or JSONL of OpenAI tool specs")
    ] = None,
    base: Annotated[Path | None, typer.Option("--base", help="router to start from (default: OUT/active)")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="encoder training epochs")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="seed for splits, mining and training")] = 0,
    promote: Annotated[bool, typer.Option("--promote", help="make the new router active if it beats the base")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=2)] = 32,
    lr: Annotated[float, typer.Option("--lr")] = 3e-5,
    hard_negatives: Annotated[int, typer.Option("--hard-negatives", min=0)] = 2,
    max_seq_length: Annotated[
        int, typer.Option("--max-seq-length", min=8, help="token cap while the encoder trains")
    ] = 128,
    no_encoder: Annotated[bool, typer.Option("--no-encoder", help="fit fusion/combination/threshold only")] = False,
    no_resume: Annotated[bool, typer.Option("--no-resume", help="ignore checkpoints of an interrupted run")] = False,
    no_rerank: Annotated[bool, typer.Option("--no-rerank", help="do not fit the re-ranker")] = False,
    no_final_fit: Annotated[
        bool, typer.Option("--no-final-fit", help="skip the final fit on train + dev after settings are chosen")
    ] = False,
    holdout: Annotated[
        str | None, typer.Option("--holdout", help="more traces never fitted, scored before/after per source in the card")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
) -> None:
    """Fine-tune the router on traces; print held-out metrics before/after; optionally promote."""
    from agentfn.exceptions import AgentFnError
    from agentfn.train.router import train_router

    try:
        result = train_router(
            traces, tools, out, base=base, epochs=epochs, seed=seed, promote=promote, batch_size=batch_size,
            lr=lr, hard_negatives=hard_negatives, max_seq_length=max_seq_length, train_encoder=not no_encoder,
            resume=not no_resume, rerank=not no_rerank, final_fit=not no_final_fit, progress=not as_json,
            holdout=holdout,
        )
    except (AgentFnError, OSError) as exc:
        raise _fail(str(exc)) from None
    if not result.metrics:
        return  # a non-main accelerate process
    m = result.metrics
    if as_json:
        slim = {k: v for k, v in m.items()}
        slim.update(version=str(result.version_dir), promoted=result.promoted)
        typer.echo(json.dumps(slim, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"router training: held-out split ({m['data']['split']['test']} runs)")
    table.add_column("metric")
    for col in ("before", "after", "change"):
        table.add_column(col, justify="right")
    for key in ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact", "abstain_f1"):
        b, a = float(m["before"][key]), float(m["after"][key])
        table.add_row(key, f"{b:.3f}", f"{a:.3f}", f"{a - b:+.3f}")
    console = Console()
    console.print(table)
    state = "promoted to active" if result.promoted else ("better, not promoted (no --promote)" if m["better"] and not promote
                                                          else "not better: active router unchanged" if not m["better"] else "")
    console.print(f"wrote {result.version_dir} ({state}); model card: {result.version_dir / 'MODEL_CARD.md'}")


@train_app.command("llm")
def train_llm_command(
    traces: Annotated[str, typer.Option("--traces", help="trace store URL/path, or a chat fine-tuning JSONL file")],
    base: Annotated[str, typer.Option("--base", help="base model folder (transformers format)")],
    out: Annotated[Path, typer.Option("--out", help="adapter folder (PEFT format, servable by vLLM)")],
    epochs: Annotated[int, typer.Option("--epochs", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    rank: Annotated[int, typer.Option("--rank", min=1, help="LoRA rank")] = 8,
    alpha: Annotated[int, typer.Option("--alpha", min=1, help="LoRA alpha")] = 16,
    lr: Annotated[float, typer.Option("--lr")] = 2e-4,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 4,
    max_length: Annotated[int, typer.Option("--max-length", min=32)] = 1024,
    target_modules: Annotated[
        str, typer.Option("--target-modules", help="comma-separated module names")
    ] = "q_proj,k_proj,v_proj,o_proj",
    template: Annotated[str, typer.Option("--template", help="chat template (shipped name or jinja file)")] = "hermes",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Supervised LoRA fine-tuning on successful traces (loss on assistant tokens only)."""
    from agentfn.exceptions import AgentFnError
    from agentfn.train.llm import train_llm

    try:
        report = train_llm(
            traces, base, out, epochs=epochs, seed=seed, rank=rank, alpha=alpha, lr=lr, batch_size=batch_size,
            max_length=max_length, target_modules=[t.strip() for t in target_modules.split(",") if t.strip()],
            template=template, progress=not as_json,
        )
    except (AgentFnError, OSError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        typer.echo(
            f"wrote adapter {out}: {report['examples']} examples, {report['steps']} steps, "
            f"loss {report['first_loss']:.4f} -> {report['last_loss']:.4f}"
        )


@deploy_app.command("adapter")
def deploy_adapter_command(
    adapter_dir: Annotated[Path, typer.Argument(help="PEFT adapter folder")],
    base_url: Annotated[str, typer.Option("--base-url", help="vLLM server, e.g. http://127.0.0.1:8000")],
    name: Annotated[str, typer.Option("--name", help="name the adapter is served under (the model name)")],
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="AGENTFN_API_KEY")] = None,
    path_on_server: Annotated[
        str | None, typer.Option("--path-on-server", help="adapter path as the server sees it (default: ADAPTER_DIR)")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="unload an adapter of the same name first")] = False,
) -> None:
    """Hot-load a LoRA adapter into a running vLLM server (/v1/load_lora_adapter)."""
    from agentfn.exceptions import AgentFnError
    from agentfn.train.deploy import deploy_adapter

    try:
        info: dict[str, Any] = deploy_adapter(
            adapter_dir, base_url=base_url, name=name, api_key=api_key, path_on_server=path_on_server, replace=replace
        )
    except (AgentFnError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"loaded adapter {name!r} into {base_url} ({info.get('message', 'ok')})")


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``deploy`` to the root CLI."""
    app.add_typer(train_app, name="train")
    app.add_typer(deploy_app, name="deploy")


if __name__ == "__main__":  # `accelerate launch -m agentfn.train.cli router ...`
    train_app()
