"""Encoder fine-tuning: checkpoint per epoch, resume after an interrupt, determinism, numpy-loadable output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentfn.train.encoder import EncoderRow, fit_encoder

ROWS = [
    EncoderRow(f"request {i} about topic {i}", f"t{i}", f"tool {i}: handles topic {i}", (f"n{i}",), (f"tool x{i}: other",))
    for i in range(4)
]


@pytest.fixture(scope="module")
def base() -> str:
    pytest.importorskip("sentence_transformers")
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # shared 2-core machines: see test_router_training
    from agentfn.router.encoder import default_model_dir

    return str(default_model_dir())


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_from_the_last_epoch_checkpoint(base: str, tmp_path: Path) -> None:
    ckpt = tmp_path / "ckpt"

    def stop_in_second_epoch(step: int, total: int, loss: float) -> None:
        if step == 3:  # 2 steps per epoch: this is the first step of epoch 2
            raise Interrupt

    with pytest.raises(Interrupt):
        fit_encoder(base, ROWS, tmp_path / "a", epochs=2, batch_size=2, seed=1, fingerprint="fp",
                    checkpoint_dir=ckpt, on_step=stop_in_second_epoch)
    assert (ckpt / "epoch-0" / "trainer_state.json").exists() and not (tmp_path / "a").exists()
    steps: list[int] = []
    report = fit_encoder(base, ROWS, tmp_path / "a", epochs=2, batch_size=2, seed=1, fingerprint="fp",
                         checkpoint_dir=ckpt, on_step=lambda s, t, loss: steps.append(s))
    assert report.resumed_from == 1 and report.epochs_run == 1 and steps == [3, 4] and len(report.losses) == 2
    # A different fingerprint (other data or settings) never resumes from it.
    other = fit_encoder(base, ROWS, tmp_path / "b", epochs=1, batch_size=2, seed=1, fingerprint="other",
                        checkpoint_dir=ckpt)
    assert other.resumed_from == 0

    from agentfn.router.encoder import load_encoder

    enc = load_encoder(str(tmp_path / "a"), backend="numpy")
    vecs = enc.encode(["request 1 about topic 1", "tool 1: handles topic 1"])
    assert vecs.shape == (2, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_same_seed_same_weights(base: str, tmp_path: Path) -> None:
    a = fit_encoder(base, ROWS, tmp_path / "a", epochs=1, batch_size=2, seed=7)
    b = fit_encoder(base, ROWS, tmp_path / "b", epochs=1, batch_size=2, seed=7)
    assert a.losses == b.losses
    from safetensors.numpy import load_file

    wa, wb = load_file(str(tmp_path / "a" / "model.safetensors")), load_file(str(tmp_path / "b" / "model.safetensors"))
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
