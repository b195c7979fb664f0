"""``agentfn eval router --data foreign``: score a router on tools and requests written by others.

Builds (and caches) the cold-start router over the whole foreign registry
unless ``--router DIR`` names a saved one, routes the chosen requests, and
prints per-source and per-split-group scores plus the abstention set's
precision/recall/F1. ``--export-traces PATH`` writes the chosen splits
(default: train) as chat fine-tuning JSONL and exits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

import typer

__all__ = ["eval_foreign"]


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agentfn"


def eval_foreign(
    *,
    router_dir: Path | None,
    lexical: bool,
    limit: int | None,
    seed: int,
    sources: list[str] | None,
    splits: list[str] | None,
    export_traces: Path | None,
    as_json: bool,
) -> None:
    from agentfn.evals.router_data.dataset import load_router_data
    from agentfn.evals.router_data.records import Split
    from agentfn.evals.router_data.scoring import GROUPS, abstain_scores, router_abstentions, score_foreign
    from agentfn.exceptions import AgentFnError
    from agentfn.router.router import Router

    valid = ("train", "dev", "test", "unseen-tool", "unseen-source")
    bad = [s for s in splits or [] if s not in valid]
    if bad:
        raise typer.BadParameter(f"unknown split(s) {bad}; choose from {list(valid)}")
    try:
        data = load_router_data(seed=seed)
    except (AgentFnError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    known = [s.name for s in data.sources]
    unknown = [s for s in sources or [] if s not in known]
    if unknown:
        raise typer.BadParameter(f"unknown source(s) {unknown}; choose from {known}")
    chosen = cast(list[Split], splits) if splits else None
    if export_traces is not None:
        n = data.write_traces(export_traces, splits=chosen or ["train"], sources=sources)
        typer.echo(f"wrote {n} traces to {export_traces}")
        return
    keep = {e.id for e in data.examples(chosen, sources)}
    if limit is not None:
        keep = set(sorted(keep)[:limit])
    for src in data.sources:
        src.examples = [e for e in src.examples if e.id in keep]
    data.abstain = [a for a in data.abstain if a.id.split("#")[0] in keep]
    recs = data.records()
    if router_dir is not None and (router_dir / "router.json").exists():
        router = Router.load(router_dir)
        for rec in recs:
            if rec.name not in router:
                router.add(rec)
    else:
        folder = None if lexical else _cache_root() / f"router-eval-foreign-seed{seed}"
        if folder is not None and (folder / "router.json").exists() and sorted(Router.load(folder).names()) == sorted(
            r.name for r in recs
        ):
            router = Router.load(folder)
        else:
            if not as_json:
                typer.echo(f"indexing {len(recs)} tools ...", err=True)
            router = Router.build(recs, encoder=None if lexical else "minilm")
            if folder is not None:
                router.save(folder)
    result: dict[str, Any] = score_foreign(router, data)
    decisions = router_abstentions(router, data, data.abstain)
    result["abstain"] = {
        g: abstain_scores([a for a in data.abstain if sp is None or a.split in sp],
                          [d for a, d in zip(data.abstain, decisions, strict=True) if sp is None or a.split in sp])
        for g, sp in {"all": None, **{k: set(v) for k, v in GROUPS.items()}}.items()
    }
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    _print(result, router.mode)


def _print(result: dict[str, Any], mode: str) -> None:
    from rich.console import Console
    from rich.table import Table

    keys = ("requests", "recall@5", "hit@5", "multi_hit@5", "chain_exact", "false_abstain", "p50_ms", "p95_ms")
    table = Table(title=f"router on foreign tools and requests ({mode})")
    table.add_column("requests of")
    for k in keys:
        table.add_column(k, justify="right")
    rows = {**{f"source {k}": v for k, v in result["per_source"].items()},
            **{f"group {k}": v for k, v in result["per_group_foreign"].items()}, "all foreign": result["all_foreign"]}
    for label, m in rows.items():
        if m.get("requests"):
            table.add_row(label, *("–" if m.get(k) is None else f"{m[k]:.3f}" if isinstance(m[k], float) else str(m[k])
                                   for k in keys))
    console = Console()
    console.print(table)
    ab = Table(title="abstention (requests offered a few tools)")
    for col in ("group", "items", "must abstain", "precision", "recall", "F1"):
        ab.add_column(col, justify="right")
    for group, m in result["abstain"].items():
        if m["items"]:
            ab.add_row(group, str(m["items"]), str(m["should_abstain"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                       f"{m['f1']:.3f}")
    console.print(ab)
