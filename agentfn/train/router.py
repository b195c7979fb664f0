"""``train_router``: fine-tune a router on call traces, evaluate it, version and promote it.

Output layout (``out``)::

    out/
      versions/v0001/       a saved router (router.json, embeddings.npy, encoder/)
                            plus MODEL_CARD.md and model_card.json
      active -> versions/v0001   the router in use (relative symlink; ``Router.load(out/"active")``)
      ACTIVE                the active version's name, for filesystems without symlinks
      MODEL_CARD.md, model_card.json   the card of the latest training run
      checkpoints/          per-epoch encoder checkpoints of an unfinished run (resume)

``--promote`` moves ``active`` to the new version only when it scores better
than the router it started from on the same held-out split (see
:func:`score_of`); without ``--promote`` the version is written and nothing
else changes. The starting router is ``base``, else ``out/active``, else a
fresh router built from ``tools``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentfn.exceptions import UserError
from agentfn.router.combine import CoUsage
from agentfn.router.encoder import DEFAULT_ENCODER, default_model_dir
from agentfn.router.evalset import EvalQuery
from agentfn.router.evaluate import evaluate
from agentfn.router.router import Router
from agentfn.train.card import write_card
from agentfn.train.data import Example, Split, examples_from_runs, fingerprint, load_runs, split_examples
from agentfn.train.mining import mine_rows

if TYPE_CHECKING:
    from agentfn.traces.records import Run
    from agentfn.traces.store import TraceStore

__all__ = ["MIN_EXAMPLES", "RouterTrainResult", "resolve_active", "score_of", "train_router"]

MIN_EXAMPLES = 20
"""Usable traces (runs that called tools successfully) needed: enough that the
held-out and dev splits both get some, so before/after can be compared."""


@dataclass
class RouterTrainResult:
    """What :func:`train_router` produced. Unpacks as ``router, metrics``."""

    router: Router
    metrics: dict[str, Any]
    """``before`` and ``after`` (same keys as ``agentfn eval router``), ``data``, ``fitted``, ``training``."""
    version_dir: Path
    promoted: bool
    card: dict[str, Any] = field(default_factory=dict[str, Any])

    def __iter__(self) -> Iterator[Any]:
        yield self.router
        yield self.metrics


def score_of(metrics: dict[str, Any], with_abstention: bool) -> float:
    """One number to compare routers: mean of recall@5 and complete-set hit@5
    (and abstention F1 when the held-out split has no-tool requests)."""
    parts = [float(metrics["recall@5"]), float(metrics["complete_hit@5"])]
    if with_abstention:
        parts.append(float(metrics["abstain_f1"]))
    return sum(parts) / len(parts)


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


def _load_tools(spec: Any) -> list[Any]:
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


def _base_router(base: str | Path | Router | None, out: Path, tools: list[Any]) -> tuple[Router, str]:
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


def _runs(traces: str | Path | TraceStore | Iterable[Run]) -> tuple[list[Run], str]:
    from agentfn.traces.store import TraceStore

    if isinstance(traces, (str, Path)):
        return load_runs(traces), str(traces)
    if isinstance(traces, TraceStore):
        return list(traces.iter_runs()), traces.label
    return list(traces), "runs"


def _queries(examples: Sequence[Example]) -> list[EvalQuery]:
    return [
        EvalQuery(
            id=e.run_id, text=e.request, gold=e.tools,
            kind="none" if not e.tools else "single" if len(e.tools) == 1 else "multi", template=e.key,
        )
        for e in examples
    ]


def _check_size(examples: list[Example], split: Split, counts: dict[str, int], source: str, minimum: int) -> None:
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


def _encoder_folder(router: Router) -> str | None:
    enc = router.encoder
    if enc is None:
        return None
    return str(default_model_dir()) if enc.spec == DEFAULT_ENCODER else enc.spec


def _trained_encoder(folder: Path) -> Any:
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


def _next_version(out: Path) -> Path:
    versions = out / "versions"
    taken = [int(p.name[1:]) for p in versions.glob("v[0-9]*") if p.name[1:].isdigit()]
    return versions / f"v{max(taken, default=0) + 1:04d}"


def _promote(out: Path, version: Path) -> None:
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


def train_router(
    traces: str | Path | TraceStore | Iterable[Run],
    tools: Any = None,
    out: str | Path = "router-training",
    *,
    base: str | Path | Router | None = None,
    epochs: int = 1,
    seed: int = 0,
    promote: bool = False,
    batch_size: int = 32,
    lr: float = 3e-5,
    hard_negatives: int = 2,
    dev_fraction: float = 0.15,
    test_fraction: float = 0.2,
    min_examples: int = MIN_EXAMPLES,
    train_encoder: bool = True,
    resume: bool = True,
    progress: bool = False,
) -> RouterTrainResult:
    """Fine-tune a router on traces and compare it with its base on held-out runs.

    Args:
        traces: a trace store URL/path, a chat fine-tuning JSONL file, a store, or runs.
        tools: the registry (module/folder/JSONL of specs, or tools); optional with a base router.
        out: output folder (layout in the module docstring).
        base: router to start from (default: ``out/active``, else built from ``tools``).
        epochs: encoder training epochs.
        seed: makes mining, splitting, batching and training deterministic.
        promote: make the new router active if it beats the base on the held-out split.
        hard_negatives: mined negatives per training row.
        min_examples: fewest usable traces accepted.
        train_encoder: False fits only fusion, combination and threshold (fast).
        resume: continue from the last epoch checkpoint of an interrupted identical run.
        progress: show rich progress bars (with ETA) on stderr.

    Raises:
        UserError: no traces, too few usable traces, or nothing to route.
    """
    started = time.time()
    out = Path(out)
    from agentfn.train.progress import Reporter

    rep = Reporter(enabled=progress)
    runs, source = _runs(traces)
    examples, counts = examples_from_runs(runs)
    router, base_label = _base_router(base, out, _load_tools(tools))
    unknown = sorted({t for e in examples for t in e.tools if t not in router})
    kept: list[Example] = []
    for e in examples:
        known = [t for t in e.tools if t in router]
        if e.tools and not known:
            continue  # its tools all left the registry: it says nothing (and is no "no tool" example)
        e.tools = known
        kept.append(e)
    examples = kept
    bad = [e for e in examples if e.weight == 0.0]
    usable = [e for e in examples if e.weight > 0]
    split = split_examples(usable, seed=seed, dev=dev_fraction, test=test_fraction)
    _check_size(usable, split, counts, source, min_examples)

    test_q = _queries(split.test)
    before = evaluate(router, test_q, progress=rep.task("evaluating base router", len(test_q)))

    extra: dict[str, Sequence[str]] = {}
    for e in bad:
        extra[e.key] = [*extra.get(e.key, ()), *e.negatives]
    train_pos = [e for e in split.train if e.tools]
    settings = {
        "epochs": epochs, "seed": seed, "batch_size": batch_size, "lr": lr, "hard_negatives": hard_negatives,
        "dev_fraction": dev_fraction, "test_fraction": test_fraction, "base": base_label,
    }
    training: dict[str, Any] = {"encoder_trained": False}
    version = _next_version(out)  # named before training, so every accelerate process agrees
    folder = _encoder_folder(router)
    if train_encoder and folder is not None:
        mining = rep.task("mining hard negatives", 1)
        rows = mine_rows(router, train_pos, negatives=hard_negatives, extra_negatives=extra)
        mining(1, 1)
        from agentfn.train.encoder import fit_encoder

        fp = fingerprint(split.train, {**settings, "base_encoder": folder, "rows": len(rows)})
        report = fit_encoder(
            folder, rows, version / "encoder", epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
            fingerprint=fp, checkpoint_dir=(out / "checkpoints") if resume else None,
            on_step=rep.steps("training encoder"),
        )
        if not report.is_main:  # another process of `accelerate launch` writes the results
            return RouterTrainResult(router=router, metrics={}, version_dir=version, promoted=False)
        training = {
            "encoder_trained": True, "rows": len(rows), "steps": report.steps, "epoch_losses": report.losses,
            "resumed_from_epoch": report.resumed_from, "seconds": round(report.seconds, 2),
        }
        reindex = rep.task("re-embedding tools", 1)
        router.set_encoder(_trained_encoder(version / "encoder"))
        from agentfn.router.encoder import NumpyBertEncoder
        from agentfn.router.onnx_encoder import OnnxBertEncoder

        enc = router.encoder
        router.config.encoder_backend = (
            "onnx" if isinstance(enc, OnnxBertEncoder) else "numpy" if isinstance(enc, NumpyBertEncoder) else "auto"
        )
        reindex(1, 1)
    # Combination statistics come from the traces themselves (train + dev), replacing older counts;
    # fusion weight and threshold are fitted on dev, which the encoder never saw.
    router.co_usage = CoUsage()
    router.config.abstain_threshold = None
    router.fit_from_traces([(e.request, e.tools) for e in split.train], fit_fusion=False, fit_threshold=False)
    fitted = router.fit_from_traces([(e.request, e.tools) for e in split.dev])
    after = evaluate(router, test_q, progress=rep.task("evaluating trained router", len(test_q)))
    rep.close()

    with_abst = any(not q.gold for q in test_q)
    better = score_of(after, with_abst) > score_of(before, with_abst)
    router.save(version)
    if resume:
        import shutil

        shutil.rmtree(out / "checkpoints", ignore_errors=True)  # finished: nothing to resume
    promoted = bool(promote and better)
    if promoted:
        _promote(out, version)
    data = {
        "source": source, **counts, "usable": len(usable), "unknown_tools": unknown[:20], "unknown_tool_count": len(unknown),
        "split": split.sizes(), "tools": len(router),
    }
    metrics: dict[str, Any] = {
        "before": before, "after": after, "data": data, "fitted": fitted, "training": training,
        "better": better, "score_before": score_of(before, with_abst), "score_after": score_of(after, with_abst),
    }
    card = write_card(
        version, out, metrics=metrics, settings=settings, promoted=promoted, seconds=time.time() - started
    )
    return RouterTrainResult(router=router, metrics=metrics, version_dir=version, promoted=promoted, card=card)
