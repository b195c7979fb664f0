"""The steps of ``agentfn train router`` (:func:`agentfn.train.router.train_router`): reading traces and tools,
the starting router, splits, the encoder fine-tune, evaluation per source, versions and promotion.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentfn.evals.evalset import EvalQuery
from agentfn.evals.evaluate import evaluate
from agentfn.exceptions import UserError
from agentfn.router.encoder import DEFAULT_ENCODER, default_model_dir
from agentfn.router.flowstats import FlowLink
from agentfn.router.rerank import request_key
from agentfn.router.router import Router
from agentfn.train.data import Example, Split, load_runs

if TYPE_CHECKING:
    from agentfn.traces.records import Run
    from agentfn.traces.store import TraceStore

__all__ = [
    "SOURCE_MIN_REQUESTS",
    "SOURCE_SLACK",
    "base_router",
    "check_size",
    "encoder_folder",
    "eval_queries",
    "evaluate_groups",
    "flow_of_runs",
    "holdout_examples",
    "load_tools",
    "next_version",
    "promote_version",
    "read_runs",
    "resolve_active",
    "run_group",
    "trace_sources",
    "trained_encoder",
]

SOURCE_SLACK = 0.02
"""How far one source's score (mean of recall@5 and complete-set hit@5) may fall before it blocks promotion."""
SOURCE_MIN_REQUESTS = 10
"""Fewest scored requests a source needs for its fall to block promotion (fewer: one request is noise)."""


def resolve_active(out: str | Path) -> Path | None:
    """The active router folder under ``out`` (symlink, else the ``ACTIVE`` pointer file)."""
    root = Path(out)
    link = root / "active"
    if (link / "router.json").exists():
        return link.resolve()
    pointer = root / "ACTIVE"
    if pointer.exists():
        target = root / "versions" / pointer.read_text().strip()
        if (target / "router.json").exists():
            return target
    return None


def load_tools(spec: Any) -> list[Any]:
    if spec is None:
        return []
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        if path.suffix == ".jsonl" and path.is_file():
            import json

            from agentfn.router.text import ToolRecord

            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
            return [ToolRecord.of(json.loads(ln)) for ln in lines]
        from agentfn.toolset import Toolset

        return list(Toolset.load(str(spec)))
    return list(spec)


def base_router(base: str | Path | Router | None, out: Path, tools: list[Any]) -> tuple[Router, str]:
    if isinstance(base, Router):
        router, label = base, "given router"
    elif base is not None:
        router, label = Router.load(base), str(base)
    elif (active := resolve_active(out)) is not None:
        router, label = Router.load(active), f"{out}/active ({active.name})"
    elif tools:
        router, label = Router.build(tools), "fresh router"
    else:
        raise UserError("no tools to route: give --tools, or --base with a saved router")
    for t in tools:  # tools added since the base was saved
        from agentfn.router.text import ToolRecord

        if ToolRecord.of(t).name not in router:
            router.add(t)
    return router, label


def read_runs(traces: str | Path | TraceStore | Iterable[Run]) -> tuple[list[Run], str]:
    from agentfn.traces.store import TraceStore

    if isinstance(traces, (str, Path)):
        return load_runs(traces), str(traces)
    if isinstance(traces, TraceStore):
        return list(traces.iter_runs()), traces.label
    return list(traces), "runs"


def eval_queries(examples: Sequence[Example]) -> list[EvalQuery]:
    return [
        EvalQuery(
            id=e.run_id, text=e.request, gold=e.tools,
            kind="none" if not e.tools else "single" if len(e.tools) == 1 else "multi", template=e.key,
        )
        for e in examples
    ]


def check_size(examples: list[Example], split: Split, counts: dict[str, int], source: str, minimum: int) -> None:
    positives = sum(1 for e in examples if e.tools)
    if counts["runs"] == 0:
        raise UserError(f"no traces in {source}: run agents with a TraceRecorder (or import JSONL) first")
    if positives < minimum:
        raise UserError(
            f"too few usable traces in {source}: {positives} runs called tools successfully "
            f"(of {counts['runs']} runs; {counts['excluded']} excluded as failed/unfinished, "
            f"{counts['negative_feedback']} rated bad, {counts['no_tool']} without tools); "
            f"router training needs at least {minimum}"
        )
    for part in ("train", "dev", "test"):
        if not any(e.tools for e in getattr(split, part)):
            raise UserError(
                f"too few distinct requests in {source}: the {part} split got no usable trace "
                f"({positives} usable, many duplicates?); add more traces (at least {minimum} distinct requests)"
            )


def encoder_folder(router: Router) -> str | None:
    enc = router.encoder
    if enc is None:
        return None
    return str(default_model_dir()) if enc.spec == DEFAULT_ENCODER else enc.spec


def trained_encoder(folder: Path) -> Any:
    """The fine-tuned encoder, on the fast local path (onnxruntime, else numpy) when it is BERT.

    Asked for explicitly (and recorded in the config so ``Router.load`` does the same) rather
    than left to auto-detection, which also checks the pooling files' layout.
    """
    from agentfn.exceptions import ConfigError
    from agentfn.router.encoder import load_encoder
    from agentfn.router.onnx_encoder import onnx_available

    try:
        return load_encoder(str(folder), backend="onnx" if onnx_available() else "numpy")
    except (ConfigError, KeyError, OSError):
        return load_encoder(str(folder))


def next_version(out: Path) -> Path:
    versions = out / "versions"
    taken = [int(p.name[1:]) for p in versions.glob("v[0-9]*") if p.name[1:].isdigit()]
    return versions / f"v{max(taken, default=0) + 1:04d}"


def promote_version(out: Path, version: Path) -> None:
    rel = os.path.relpath(version, out)
    tmp = out / f".active-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    try:
        tmp.symlink_to(rel, target_is_directory=True)
        os.replace(tmp, out / "active")  # atomic swap: readers see the old or the new router
    except OSError:
        pass  # no symlinks here: the ACTIVE pointer file below is authoritative
    (out / "ACTIVE").write_text(version.name + "\n")


def run_group(run: Run) -> str:
    """Where a run came from, for per-source figures: ``metadata["source"]`` (also inside an
    imported record's metadata), else the agent's name."""
    meta: dict[str, Any] = run.metadata
    found = str(meta.get("source") or "")
    openai: Any = meta.get("openai")
    if not found and isinstance(openai, dict):
        record: Any = openai.get("record")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(record, dict):
            found = str(record.get("source") or "")  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    return found or run.agent_name or "traces"


def flow_of_runs(runs: Iterable[Run]) -> tuple[list[FlowLink], list[tuple[str, list[str]]]]:
    """Data flow of traced runs: argument values traced to earlier results, and every successful call."""
    from agentfn.traces.flow import argument_sources

    links: list[FlowLink] = []
    calls: list[tuple[str, list[str]]] = []
    for run in runs:
        for src in argument_sources(run):
            links.append(FlowLink(src.source_tool, src.tool, src.argument, src.field))
        for c in run.tool_calls:
            if c.ok:
                calls.append((c.name, sorted((c.arguments or {}).keys())))
    return links, calls


def evaluate_groups(router: Router, examples: Sequence[Example], group_of: dict[str, str]) -> dict[str, dict[str, Any]]:
    """``evaluate`` per source group of the held-out examples."""
    groups: dict[str, list[Example]] = {}
    for e in examples:
        groups.setdefault(group_of.get(e.run_id, "traces"), []).append(e)
    return {g: evaluate(router, eval_queries(es)) for g, es in sorted(groups.items())}


def holdout_examples(
    holdout: str | Path | TraceStore | Iterable[Run], router: Router, fitted_keys: set[str]
) -> tuple[list[Example], dict[str, str]]:
    """Usable examples of the held-out runs (tools all known to ``router``, request never fitted) and their sources."""
    from agentfn.train.data import examples_from_runs

    runs, _ = read_runs(holdout)
    examples, _ = examples_from_runs(runs)
    kept = [e for e in examples if e.weight > 0 and e.tools and all(t in router for t in e.tools)
            and e.key not in fitted_keys]
    return kept, {run.id: run_group(run) for run in runs}


def trace_sources(router: Router, examples: Sequence[Example], group_of: dict[str, str]) -> dict[str, str]:
    """Where each example's trace came from (:func:`run_group`), keyed as the re-ranker keys requests
    (:func:`agentfn.router.rerank.request_key` of the request text): its leave-one-source-out folds."""
    return {request_key(router.query_parts(e.request)[0]): group_of.get(e.run_id, "traces") for e in examples}
