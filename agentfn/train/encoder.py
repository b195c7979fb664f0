"""Contrastive fine-tuning of the router's sentence encoder.

Rows are ``(request, tool text, hard negative tool texts...)``; the loss is
sentence-transformers' :class:`MultipleNegativesRankingLoss` (every other tool in
the batch is an in-batch negative, the mined tools are hard negatives).

The loop is a plain `accelerate` loop, so the same code runs on one CPU, one
GPU or several (``accelerate launch -m agentfn.train.cli router ...``): the
device, mixed precision and process count come from accelerate's
configuration, never from this code. Batches never hold the same tool or the
same request twice (a duplicate would be a false in-batch negative).

A checkpoint (model, optimiser, scheduler and RNG state, via
``Accelerator.save_state``) is written after every epoch; a later call with the
same data fingerprint resumes after the last finished epoch.
"""

from __future__ import annotations

import importlib
import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentfn.exceptions import MissingExtraError

__all__ = ["EncoderRow", "FitReport", "fit_encoder", "make_batches"]


@dataclass(frozen=True)
class EncoderRow:
    """One training row: a request, its tool, and hard-negative tools (names and texts)."""

    anchor: str
    positive: str
    positive_text: str
    negatives: tuple[str, ...]
    negative_texts: tuple[str, ...]


@dataclass
class FitReport:
    epochs_run: int
    resumed_from: int
    steps: int
    losses: list[float]
    """Mean loss per epoch (all epochs, including resumed ones that were recorded)."""
    seconds: float
    is_main: bool = True
    """False on the non-main processes of a distributed run (they must not write results)."""


def make_batches(rows: Sequence[EncoderRow], batch_size: int, seed: int) -> list[list[EncoderRow]]:
    """Shuffle rows and pack batches with no repeated request or tool (greedy).

    A row that clashes with the open batch waits for the next one; leftovers
    form smaller final batches, so every row is used once per epoch.
    """
    order = list(rows)
    random.Random(seed).shuffle(order)
    batches: list[list[EncoderRow]] = []
    pending = order
    while pending:
        batch: list[EncoderRow] = []
        names: set[str] = set()
        anchors: set[str] = set()
        rest: list[EncoderRow] = []
        for row in pending:
            tools = {row.positive, *row.negatives}
            if len(batch) < batch_size and row.anchor not in anchors and not (tools & names):
                batch.append(row)
                names |= tools
                anchors.add(row.anchor)
            else:
                rest.append(row)
        batches.append(batch)
        pending = rest
    return batches


def _columns(batch: Sequence[EncoderRow], n_neg: int) -> list[list[str]]:
    cols = [[r.anchor for r in batch], [r.positive_text for r in batch]]
    for j in range(n_neg):
        cols.append([r.negative_texts[j] for r in batch])
    return cols


def _latest_checkpoint(ckpt_root: Path, fp: str) -> tuple[int, Path] | None:
    best: tuple[int, Path] | None = None
    for d in ckpt_root.glob("epoch-*"):
        state = d / "trainer_state.json"
        if not state.exists():
            continue  # interrupted while saving: ignore
        info = json.loads(state.read_text())
        if info.get("fingerprint") != fp:
            continue
        epoch = int(info["epoch"])
        if best is None or epoch > best[0]:
            best = (epoch, d)
    return best


def fit_encoder(
    base: str,
    rows: Sequence[EncoderRow],
    out_dir: Path,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    lr: float = 3e-5,
    warmup: float = 0.1,
    seed: int = 0,
    fingerprint: str = "",
    checkpoint_dir: Path | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
    max_seq_length: int | None = 128,
) -> FitReport:
    """Fine-tune the sentence-transformers model at ``base`` on ``rows``; save to ``out_dir``.

    Args:
        base: a sentence-transformers folder or model id (offline).
        rows: training rows; every row must carry the same number of negatives.
        epochs: passes over ``rows``.
        seed: seeds torch, numpy, python and the batch order (deterministic on CPU).
        fingerprint: identifies data + settings; checkpoints with another one are ignored.
        checkpoint_dir: where per-epoch checkpoints go (None: no checkpoints, no resume).
        on_step: called as ``on_step(step, total_steps, loss)`` on the main process.
        max_seq_length: token cap while training (requests and tool texts are short).

    Returns:
        What ran; the model is written to ``out_dir`` (sentence-transformers format).
    """
    # Imported as untyped modules: torch/accelerate stubs are partial and this loop only wires them together.
    try:
        torch: Any = importlib.import_module("torch")
        accelerate: Any = importlib.import_module("accelerate")
        accelerate_utils: Any = importlib.import_module("accelerate.utils")
        st: Any = importlib.import_module("sentence_transformers")
        st_losses: Any = importlib.import_module("sentence_transformers.sentence_transformer.losses")
        transformers: Any = importlib.import_module("transformers")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtraError("router training", extra="train", module=exc.name or "sentence-transformers") from exc

    n_neg = len(rows[0].negatives) if rows else 0
    if any(len(r.negatives) != n_neg for r in rows):
        raise ValueError("every row needs the same number of hard negatives")
    started = time.perf_counter()
    acc: Any = accelerate.Accelerator()
    accelerate_utils.set_seed(seed)
    model: Any = st.SentenceTransformer(base, device=str(acc.device))
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    loss_fn: Any = st_losses.MultipleNegativesRankingLoss(model, gather_across_devices=acc.num_processes > 1)
    per_epoch = [make_batches(rows, batch_size, seed * 1000 + e) for e in range(epochs)]
    # Every process must take the same number of optimiser steps (DDP); shard batches by rank.
    steps_per_epoch = [len(b) // acc.num_processes for b in per_epoch]
    total = sum(steps_per_epoch)
    optimizer: Any = torch.optim.AdamW(loss_fn.parameters(), lr=lr)
    scheduler: Any = transformers.get_linear_schedule_with_warmup(optimizer, int(warmup * total), max(total, 1))
    loss_fn, optimizer, scheduler = acc.prepare(loss_fn, optimizer, scheduler)

    start_epoch, step = 0, 0
    losses: list[float] = []
    if checkpoint_dir is not None:
        found = _latest_checkpoint(checkpoint_dir, fingerprint)
        if found is not None:
            acc.load_state(str(found[1]))
            info = json.loads((found[1] / "trainer_state.json").read_text())
            start_epoch, losses = found[0] + 1, list(info.get("losses", []))
            step = sum(steps_per_epoch[:start_epoch])

    def to_device(features: dict[str, Any]) -> dict[str, Any]:
        return {k: v.to(acc.device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}

    loss_fn.train()
    for epoch in range(start_epoch, epochs):
        mine = per_epoch[epoch][acc.process_index :: acc.num_processes][: steps_per_epoch[epoch]]
        epoch_loss = 0.0
        for batch in mine:
            features = [to_device(model.preprocess(col)) for col in _columns(batch, n_neg)]
            loss = loss_fn(features, None)
            acc.backward(loss)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            value = float(loss.detach().item())
            epoch_loss += value
            step += 1
            if on_step is not None and acc.is_main_process:
                on_step(step, total, value)
        losses.append(epoch_loss / max(len(mine), 1))
        if checkpoint_dir is not None:
            target = checkpoint_dir / f"epoch-{epoch}"
            acc.save_state(str(target))
            acc.wait_for_everyone()
            if acc.is_main_process:
                state = {"epoch": epoch, "fingerprint": fingerprint, "losses": losses, "steps": step}
                (target / "trainer_state.json").write_text(json.dumps(state))
                for old in checkpoint_dir.glob("epoch-*"):  # keep only the newest
                    if old != target:
                        shutil.rmtree(old, ignore_errors=True)
    acc.wait_for_everyone()
    if acc.is_main_process:
        unwrapped: Any = acc.unwrap_model(loss_fn)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        unwrapped.model.save(str(out_dir))
    acc.wait_for_everyone()
    return FitReport(
        epochs_run=epochs - start_epoch,
        resumed_from=start_epoch,
        steps=step,
        losses=losses,
        seconds=time.perf_counter() - started,
        is_main=bool(acc.is_main_process),
    )
