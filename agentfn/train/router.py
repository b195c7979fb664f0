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
:func:`score_of`) *and* it is not lower where it was not fitted
(:func:`transfers`): each trace source's test requests, ranked by a
re-ranker fitted without that source, rank no lower than without the
re-ranker (a re-ranker that fails this is switched off before the
comparison), the ``holdout`` traces, when given, score no lower on
average over their sources, and no source (of the test split or the ``holdout`` traces) with at least
:data:`SOURCE_MIN_REQUESTS` requests falls by more than :data:`SOURCE_SLACK` (:func:`falling_sources`;
the card names the sources that blocked it); without ``--promote`` the version is written and nothing
else changes. Once a re-ranker has passed, its trace memory also takes the
test split's traces (``memory_test_rows``; weights and settings unchanged), so
the saved router remembers every usable trace it was given; the card's
figures are those measured before. The starting router is ``base``, else ``out/active``, else a
fresh router built from ``tools``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentfn.evals.evaluate import evaluate
from agentfn.router.rerank_rows import remember
from agentfn.router.router import Router
from agentfn.train.card import write_card
from agentfn.train.data import Example, examples_from_runs, fingerprint, split_examples
from agentfn.train.mining import mine_rows
from agentfn.train.router_steps import (
    SOURCE_MIN_REQUESTS,
    SOURCE_SLACK,
    base_router,
    check_size,
    encoder_folder,
    eval_queries,
    evaluate_groups,
    flow_of_runs,
    holdout_examples,
    load_tools,
    next_version,
    promote_version,
    read_runs,
    resolve_active,
    run_group,
    trace_sources,
    trained_encoder,
)

if TYPE_CHECKING:
    from agentfn.traces.records import Run
    from agentfn.traces.store import TraceStore
    from agentfn.train.encoder import EncoderRow

__all__ = ["MIN_EXAMPLES", "SOURCE_MIN_REQUESTS", "SOURCE_SLACK", "TRANSFER_SLACK", "RouterTrainResult", "falling_sources",
           "resolve_active", "score_of", "train_router", "transfers"]

TRANSFER_SLACK = 1e-3
"""How much lower a leave-one-source-out check may come out (ties, rounding) and still count as not lower."""
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


def falling_sources(groups: dict[str, dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """The sources of ``groups`` (``{source: {"before": metrics, "after": metrics}}``) with at least
    :data:`SOURCE_MIN_REQUESTS` requests whose :func:`score_of` falls by more than :data:`SOURCE_SLACK`, each with
    ``where`` they were scored, its request count and its score before and after (what blocks promotion)."""
    out: list[dict[str, Any]] = []
    for src, ba in groups.items():
        n = int(ba["after"].get("queries", 0))
        before, after = score_of(ba["before"], False), score_of(ba["after"], False)
        if n >= SOURCE_MIN_REQUESTS and after < before - SOURCE_SLACK:
            out.append({"source": src, "where": where, "requests": n, "before": round(before, 4),
                        "after": round(after, 4)})
    return out


def transfers(fitted: dict[str, float], held: dict[str, dict[str, Any]] | None = None) -> bool:
    """Whether training is not lower where it was not fitted: the leave-one-source-out check on the test
    split (each source's test requests ranked by a re-ranker fitted without that source's traces, against
    the router without re-ranker; passes when it falls by at most :data:`SOURCE_SLACK`, the margin a single
    source may fall in the promotion gate, or when the check switched the re-ranker off), and with ``held``
    (``{source: {"before": metrics, "after": metrics}}`` of held-out traces) their mean :func:`score_of`
    over sources, each source counting the same."""
    if not fitted.get("rerank_off_by_check") and fitted.get("rerank_check_lofo_gain", 0.0) < -SOURCE_SLACK:
        return False
    if not held:
        return True
    gains = [score_of(v["after"], False) - score_of(v["before"], False) for v in held.values()]
    return sum(gains) / len(gains) >= -TRANSFER_SLACK


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
    max_seq_length: int = 128,
    dev_fraction: float = 0.15,
    test_fraction: float = 0.2,
    min_examples: int = MIN_EXAMPLES,
    train_encoder: bool = True,
    rerank: bool = True,
    final_fit: bool = True,
    resume: bool = True,
    progress: bool = False,
    holdout: str | Path | TraceStore | Iterable[Run] | None = None,
) -> RouterTrainResult:
    """Fine-tune a router on traces and compare it with its base on held-out runs.

    Settings are chosen on the dev split (the encoder trained on train only;
    fusion weight, re-ranker strength and abstention model fitted against dev),
    then, with ``final_fit``, the encoder is trained again on train + dev and
    every learned statistic refitted on both, with the chosen settings. All
    fitting goes through :meth:`Router.fit_from_traces`.

    Args:
        traces: a trace store URL/path, a chat fine-tuning JSONL file, a store, or runs.
        tools: the registry (module/folder/JSONL of specs, or tools); optional with a base router.
        out: output folder (layout in the module docstring).
        base: router to start from (default: ``out/active``, else built from ``tools``).
        epochs: encoder training epochs.
        seed: makes mining, splitting, batching and training deterministic.
        promote: make the new router active if it beats the base on the held-out split.
        hard_negatives: mined negatives per training row.
        max_seq_length: token cap of requests and tool texts while the encoder trains (cost per step grows with it).
        min_examples: fewest usable traces accepted.
        train_encoder: False fits only statistics, fusion, re-ranker and abstention (fast).
        rerank: fit the re-ranker (kept only if it beats the router without it on dev).
        final_fit: after choosing settings on dev, fit again on train + dev.
        resume: continue from the last epoch checkpoint of an interrupted identical run.
        progress: show rich progress bars (with ETA) on stderr.
        holdout: more traces never fitted (e.g. of sources or tools the training traces lack), scored
            before/after per source in the metrics (``holdout``) and the model card; requests also
            in the training traces are left out.

    Raises:
        UserError: no traces, too few usable traces, or nothing to route.
    """
    started = time.time()
    out = Path(out)
    from agentfn.train.progress import Reporter

    rep = Reporter(enabled=progress)
    runs, source = read_runs(traces)
    examples, counts = examples_from_runs(runs)
    router, base_label = base_router(base, out, load_tools(tools))
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
    check_size(usable, split, counts, source, min_examples)
    group_of = {run.id: run_group(run) for run in runs}
    fit_ids = {e.run_id for e in [*split.train, *split.dev]}
    links, calls = flow_of_runs(run for run in runs if run.id in fit_ids)

    test_q = eval_queries(split.test)
    before = evaluate(router, test_q, progress=rep.task("evaluating base router", len(test_q)))
    before_groups = evaluate_groups(router, split.test, group_of)
    held: list[Example] = []
    held_group: dict[str, str] = {}
    held_before: dict[str, dict[str, Any]] = {}
    if holdout is not None:
        held, held_group = holdout_examples(holdout, router, {e.key for e in examples})
        held_before = evaluate_groups(router, held, held_group)

    extra: dict[str, Sequence[str]] = {}
    for e in bad:
        extra[e.key] = [*extra.get(e.key, ()), *e.negatives]
    settings = {
        "epochs": epochs, "seed": seed, "batch_size": batch_size, "lr": lr, "hard_negatives": hard_negatives,
        "max_seq_length": max_seq_length,
        "dev_fraction": dev_fraction, "test_fraction": test_fraction, "base": base_label, "rerank": rerank,
        "final_fit": final_fit,
    }
    training: dict[str, Any] = {"encoder_trained": False}
    version = next_version(out)  # named before training, so every accelerate process agrees
    folder = encoder_folder(router)
    rows: list[EncoderRow] = []
    if train_encoder and folder is not None:
        mining = rep.task("mining hard negatives", 1)
        rows = mine_rows(router, [e for e in [*split.train, *split.dev] if e.tools], negatives=hard_negatives,
                         extra_negatives=extra)
        mining(1, 1)
        train_keys = {e.key for e in split.train}
        first = [r for r in rows if _key(r.anchor) in train_keys]
        target = version / ("encoder-dev" if final_fit else "encoder")
        fit = _fit_encoder(folder, first, target, settings, split.train, rep, out if resume else None)
        if fit is None:
            return RouterTrainResult(router=router, metrics={}, version_dir=version, promoted=False)
        training = {"encoder_trained": True, "rows": len(first), **fit}
        _swap_encoder(router, target, rep)
    pairs = [(e.request, e.tools) for e in split.train]
    dev_pairs = [(e.request, e.tools) for e in split.dev]
    router.config.abstain_threshold = None
    sources = trace_sources(router, [*split.train, *split.dev, *split.test], group_of)
    fitted = router.fit_from_traces(pairs, dev=dev_pairs, links=links, calls=calls, fresh=True, rerank=rerank,
                                    sources=sources)
    if final_fit:
        if rows:
            fit = _fit_encoder(folder or "", rows, version / "encoder", settings, [*split.train, *split.dev], rep,
                               out if resume else None)
            if fit is None:
                return RouterTrainResult(router=router, metrics={}, version_dir=version, promoted=False)
            training["final"] = {"rows": len(rows), **fit}
            _swap_encoder(router, version / "encoder", rep)
            shutil.rmtree(version / "encoder-dev", ignore_errors=True)
        keep_rerank = bool(fitted.get("rerank_on"))
        refit = router.fit_from_traces(
            [*pairs, *dev_pairs], links=links, calls=calls, fresh=True, fit_fusion=False, fit_threshold=False,
            rerank=keep_rerank, rerank_settings=fitted, sources=sources,
            rerank_check=[(e.request, e.tools) for e in split.test if e.tools],
        )
        fitted["final_pairs"] = refit["pairs"]
        fitted.update({k: v for k, v in refit.items() if k.startswith("rerank_check")})
        if refit.get("rerank_check_lofo_gain", 0.0) < -SOURCE_SLACK:  # it lowers sources it was not fitted on
            router.config.rerank_weights = None
            fitted["rerank_on"] = 0.0
            fitted["rerank_off_by_check"] = 1.0
    after = evaluate(router, test_q, progress=rep.task("evaluating trained router", len(test_q)))
    after_groups = evaluate_groups(router, split.test, group_of)
    held_after = evaluate_groups(router, held, held_group) if held else {}
    rep.close()

    with_abst = any(not q.gold for q in test_q)
    held_both = {g: {"before": held_before[g], "after": held_after[g]} for g in held_before} if held else {}
    groups = {g: {"before": before_groups[g], "after": after_groups[g]} for g in before_groups}
    blocked = [*falling_sources(groups, "test split"), *falling_sources(held_both, "held-out traces")]
    better = score_of(after, with_abst) > score_of(before, with_abst) and transfers(fitted, held_both) and not blocked
    if final_fit and better and router.memory is not None and router.config.rerank_weights is not None:
        fitted["memory_test_rows"] = float(remember(router, [(e.request, e.tools) for e in split.test if e.tools]))
    router.save(version)
    if resume:
        shutil.rmtree(out / "checkpoints", ignore_errors=True)  # finished: nothing to resume
    promoted = bool(promote and better)
    if promoted:
        promote_version(out, version)
    data = {
        "source": source, **counts, "usable": len(usable), "unknown_tools": unknown[:20], "unknown_tool_count": len(unknown),
        "split": split.sizes(), "tools": len(router), "flow_links": len(links),
    }
    metrics_holdout = held_both
    if held:
        data["holdout"] = len(held)
    metrics: dict[str, Any] = {
        "before": before, "after": after, "groups": groups, "holdout": metrics_holdout, "data": data, "fitted": fitted,
        "training": training,
        "better": better, "blocked_by": blocked, "score_before": score_of(before, with_abst), "score_after": score_of(after, with_abst),
    }
    card = write_card(
        version, out, metrics=metrics, settings=settings, promoted=promoted, seconds=time.time() - started
    )
    return RouterTrainResult(router=router, metrics=metrics, version_dir=version, promoted=promoted, card=card)


def _key(text: str) -> str:
    from agentfn.train.data import normalize_request

    return normalize_request(text)


def _fit_encoder(
    folder: str, rows: list[EncoderRow], target: Path, settings: dict[str, Any], examples: Sequence[Example],
    rep: Any, checkpoints: Path | None,
) -> dict[str, Any] | None:
    """Fine-tune the encoder at ``folder`` on ``rows`` into ``target``; None on a non-main accelerate process."""
    from agentfn.train.encoder import fit_encoder

    fp = fingerprint(list(examples), {**settings, "base_encoder": folder, "rows": len(rows), "target": target.name})
    report = fit_encoder(
        folder, rows, target, epochs=int(settings["epochs"]), batch_size=int(settings["batch_size"]),
        lr=float(settings["lr"]), seed=int(settings["seed"]), fingerprint=fp,
        max_seq_length=int(settings.get("max_seq_length", 128)),
        checkpoint_dir=(checkpoints / "checkpoints") if checkpoints is not None else None,
        on_step=rep.steps(f"training encoder ({target.name})"),
    )
    if not report.is_main:  # another process of `accelerate launch` writes the results
        return None
    return {"steps": report.steps, "epoch_losses": report.losses, "resumed_from_epoch": report.resumed_from,
            "seconds": round(report.seconds, 2)}


def _swap_encoder(router: Router, folder: Path, rep: Any) -> None:
    """Load the fine-tuned encoder on the fast local path and re-embed every tool."""
    from agentfn.router.encoder import NumpyBertEncoder
    from agentfn.router.onnx_encoder import OnnxBertEncoder

    reindex = rep.task("re-embedding tools", 1)
    router.set_encoder(trained_encoder(folder))
    enc = router.encoder
    router.config.encoder_backend = (
        "onnx" if isinstance(enc, OnnxBertEncoder) else "numpy" if isinstance(enc, NumpyBertEncoder) else "auto"
    )
    reindex(1, 1)
